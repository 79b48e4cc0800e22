"""Icons and other files the app loads at run time (installed as ``g2a_tray.resources``)."""
