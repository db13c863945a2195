"""Every verification status has its own words and icon on the Verify page."""

from __future__ import annotations

from typing import get_args

import pytest
from PySide6.QtWidgets import QApplication, QStyle

from app.core.verify import Status
from app.ui.present import verify_icon, verify_status_text


@pytest.mark.parametrize("status", get_args(Status))
def test_each_verification_status_is_named_in_words_with_an_icon(qapp, status):
    text = verify_status_text(status)
    assert text and text != status  # never the raw code ("node-too-old") on the page
    unknown = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxQuestion)
    assert verify_icon(status).cacheKey() != unknown.cacheKey()


def test_the_words_differ_between_statuses(qapp):
    words = [verify_status_text(s) for s in get_args(Status)]
    assert len(set(words)) == len(words)
