"""Qt fixtures: one qasync loop that runs inside pytest-qt's waits."""

from __future__ import annotations

import asyncio

import pytest
import qasync


@pytest.fixture(scope="session")
def _session_qloop(qapp):
    # qasync's stop() calls QApplication.exit(), which would end pytest-qt's
    # own waits, so one loop serves every GUI test and is never stopped.
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    return loop


@pytest.fixture
def qloop(_session_qloop, qapp):
    asyncio.events._set_running_loop(_session_qloop)
    yield _session_qloop
    leftovers = [t for t in asyncio.all_tasks(_session_qloop) if not t.done()]
    for task in leftovers:
        task.cancel()
    qapp.processEvents()
    # Tests outside tests/ui that run later start their own loops with asyncio.run().
    asyncio.events._set_running_loop(None)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.gui)
