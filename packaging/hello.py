"""The benchmarks' baseline: a hello-world PySide6 window, frozen the same way as the app.

With `--self-test` it shows the window offscreen and exits 0, so its start-up
time can be measured beside the app's.
"""

import os
import sys

if "--self-test" in sys.argv:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    label = QLabel("Hello, world")
    label.show()
    app.processEvents()
    print("window shown", flush=True)  # the marker bench/ times, as in app/selftest.py
    if "--self-test" in sys.argv:
        QTimer.singleShot(0, app.quit)
    sys.exit(app.exec())
