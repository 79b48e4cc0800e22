"""g2a-tray: a tray app that starts GoToAssist attended sessions for support technicians."""

__version__ = "0.1.0"
APP_NAME = "g2a-tray"
# One reverse-DNS id everywhere: desktop entry and metainfo file names,
# QGuiApplication.setDesktopFileName, the notification "desktop-entry" hint, the
# Windows AppUserModelID and the macOS bundle id (packaging/).
APP_ID = "io.github.g2atray.G2aTray"
URL_SCHEME = "g2a-tray"
