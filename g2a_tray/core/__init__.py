"""The Qt-free core, by domain (sessions, updates, settings, instance) and small
utilities. Importable without a display."""
