"""The Qt-free core: settings, URL building, the IPC protocol. Importable without a display."""
