"""The Qt binding itself: on Python 3.11, None is reference-counted like any object."""

from __future__ import annotations

import sys

import PySide6
import pytest
from PySide6.QtCore import QObject

# PySide6 6.12.0 returns None from void methods without a reference (Python 3.11 only;
# None is immortal from 3.12). Every Qt call then takes one reference from None, and
# the wizard aborts with "none_dealloc" after some tens of thousands of calls: a long
# install with a lot of output, or bench_logpane.py, reaches that.
KNOWN_BAD = PySide6.__version__ == "6.12.0"
_GIVEN_BACK: list[None] = []  # references this test took from None, handed back


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
@pytest.mark.xfail(KNOWN_BAD, reason="PySide6 6.12.0 leaks None references", strict=True)
def test_qt_calls_leave_the_reference_count_of_none_alone():
    holder = QObject()
    before = sys.getrefcount(None)
    for _ in range(100):
        holder.setObjectName("x")
    lost = before - sys.getrefcount(None)
    _GIVEN_BACK.extend([None] * max(0, lost))  # so the test itself cannot abort the run
    assert lost < 10


def test_the_guard_holds_references_only_for_a_leaky_binding(monkeypatch):
    from app.ui import qtguard

    monkeypatch.setattr(qtguard, "_held", [])
    monkeypatch.setattr(qtguard, "HEADROOM", 600)
    assert not qtguard.guard_none_refcount("6.11.3")
    assert qtguard._held == []
    leaky = qtguard.guard_none_refcount("6.12.0")
    assert leaky == (sys.version_info < (3, 12))
    assert qtguard._held.count(None) == (600 if leaky else 0)
    assert qtguard._held.count(True) == (100 if leaky else 0)
    assert not qtguard.guard_none_refcount("6.12.0")  # once per run
