"""Draw the application icon and write it as PNG, ICO (Windows) and ICNS (macOS).

Run once after changing the drawing; the outputs are committed under
resources/icons/ so a build needs neither this script nor Pillow.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPen

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
MASTER = 1024


def draw(size: int = MASTER) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 1024
    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, size))
    gradient.setColorAt(0, QColor("#2b3a67"))
    gradient.setColorAt(1, QColor("#101828"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(gradient)
    p.drawRoundedRect(QRectF(64 * s, 64 * s, 896 * s, 896 * s), 190 * s, 190 * s)
    # A terminal prompt: the chevron and the cursor.
    pen = QPen(QColor("#f8fafc"), 92 * s)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.drawPolyline(
        [QPointF(250 * s, 330 * s), QPointF(450 * s, 512 * s), QPointF(250 * s, 694 * s)]
    )
    p.drawLine(QPointF(530 * s, 694 * s), QPointF(770 * s, 694 * s))
    # A check mark: installed and verified.
    check = QPen(QColor("#4ade80"), 70 * s)
    check.setCapStyle(Qt.PenCapStyle.RoundCap)
    check.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(check)
    p.drawPolyline(
        [QPointF(580 * s, 360 * s), QPointF(655 * s, 435 * s), QPointF(790 * s, 280 * s)]
    )
    p.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv)
    ICONS.mkdir(parents=True, exist_ok=True)
    master = ICONS / "app-1024.png"
    draw().save(str(master))
    big = Image.open(master)
    big.resize((256, 256), Image.LANCZOS).save(ICONS / "app.png")
    big.save(
        ICONS / "app.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (256, 256)]
    )
    big.save(ICONS / "app.icns")
    master.unlink()
    for name in ("app.png", "app.ico", "app.icns"):
        print(f"{ICONS / name}: {(ICONS / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
