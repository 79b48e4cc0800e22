"""g2a-tray: a tray app that starts GoToAssist attended sessions for support technicians."""

__version__ = "0.1.0"
APP_NAME = "g2a-tray"
