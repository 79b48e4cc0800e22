"""Entry point of the PyInstaller bundle (the same as the ``g2a-tray`` console script)."""

import sys

from g2a_tray.cli import main

sys.exit(main())
