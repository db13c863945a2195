"""The baseline for bench_window: a bare QWizard with one page, shown once, then exit."""

import sys

from PySide6.QtWidgets import QApplication, QWizard, QWizardPage

app = QApplication(sys.argv[:1])
wizard = QWizard()
wizard.addPage(QWizardPage())
wizard.show()
app.processEvents()
print("window shown", flush=True)  # the same marker as app/selftest.py
