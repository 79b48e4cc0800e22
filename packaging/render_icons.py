"""Render the SVG app icon to the PNG sizes desktops and bundles ask for.

    .venv/bin/python packaging/render_icons.py

Writes packaging/icons/<size>x<size>/io.github.g2atray.G2aTray.png (hicolor layout) and
packaging/icons/g2a-tray.ico for Windows. Run again after changing resources/g2a-tray.svg.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from g2a_tray import APP_ID  # noqa: E402

SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> None:
    _app = QGuiApplication([])
    renderer = QSvgRenderer(str(ROOT / "resources" / "g2a-tray.svg"))
    out = ROOT / "packaging" / "icons"
    for size in SIZES:
        target = out / f"{size}x{size}" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(target)):
            raise SystemExit(f"could not write {target}")
        print("wrote", target)
    ico = out / "g2a-tray.ico"
    if render(renderer, 256).save(str(ico), "ICO"):
        print("wrote", ico)


if __name__ == "__main__":
    main()
