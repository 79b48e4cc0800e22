"""Thin Qt adapters (local socket, browser, tray, crash reporting) behind small interfaces."""
