from app.ui.logpane import LineBuffer, LogPane


def test_ansi_colours_are_stripped(qtbot):
    pane = LogPane()
    qtbot.addWidget(pane)
    pane.append_line("\x1b[31mnpm ERR!\x1b[0m code EACCES")
    assert pane.shown_lines() == ["npm ERR! code EACCES"]


def test_progress_lines_ending_in_cr_collapse(qtbot):
    pane = LogPane()
    qtbot.addWidget(pane)
    pane.append_line("start")
    for percent in (10, 50, 90):
        pane.append_line(f"downloading {percent}%\r")
    pane.append_line("done")
    assert pane.shown_lines() == ["start", "done"]
    assert pane.buffer.total == 5


def test_progress_line_replaced_across_flushes(qtbot):
    pane = LogPane()
    qtbot.addWidget(pane)
    pane.append_line("fetching 1/3\r")
    assert pane.shown_lines() == ["fetching 1/3"]
    pane.append_line("fetching 2/3\r")
    assert pane.shown_lines() == ["fetching 2/3"]
    pane.append_line("fetched 3 packages")
    pane.append_line("next")
    assert pane.shown_lines() == ["fetched 3 packages", "next"]


def test_carriage_returns_inside_a_line_keep_the_last_part():
    buffer = LineBuffer()
    buffer.add("[#    ]\r[##   ]\r[#####] done")
    assert list(buffer.lines) == ["[#####] done"]


def test_widget_keeps_a_bounded_number_of_lines(qtbot):
    pane = LogPane(limit=100)
    qtbot.addWidget(pane)
    for n in range(1000):
        pane.append_line(f"line {n}")
    lines = pane.shown_lines()
    assert len(lines) == 100
    assert lines[0] == "line 900" and lines[-1] == "line 999"
    assert pane.buffer.total == 1000


def test_updates_are_batched_by_a_timer(qtbot):
    pane = LogPane()
    qtbot.addWidget(pane)
    pane.append_line("one")
    pane.append_line("two")
    assert pane.toPlainText() == ""  # nothing drawn until the timer fires
    qtbot.waitUntil(lambda: pane.toPlainText() == "one\ntwo", timeout=2000)


def test_switching_buffers_shows_the_other_stream(qtbot):
    pane = LogPane()
    qtbot.addWidget(pane)
    first, second = LineBuffer(), LineBuffer()
    first.add("a")
    second.add("b")
    pane.show_buffer(first)
    assert pane.shown_lines() == ["a"]
    pane.show_buffer(second)
    pane.append_line("c")
    assert pane.shown_lines() == ["b", "c"]
    assert list(first.lines) == ["a"]


def test_a_flood_shows_its_newest_lines_then_the_whole_buffer(qtbot):
    from app.ui.logpane import FLOOD_TAIL, MAX_LINES

    pane = LogPane()
    qtbot.addWidget(pane)
    for n in range(MAX_LINES * 3):
        pane.append_line(f"line {n}")
    pane._flush()  # one batch of a flood: only the newest lines are drawn
    assert pane.blockCount() == FLOOD_TAIL
    assert pane.toPlainText().endswith(f"line {MAX_LINES * 3 - 1}")
    qtbot.waitUntil(lambda: pane.blockCount() == MAX_LINES, timeout=2000)  # flood over
    assert pane.toPlainText().startswith(f"line {MAX_LINES * 2}\n")
