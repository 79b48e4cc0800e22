"""Widgets. They present and report what the user did; the app decides what happens."""
