"""bench/run.py: discovery, the row protocol and the table. No timing is asserted."""

import importlib.util
import math
import sys

import pytest

from tests.conftest import REPO

BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))  # the bench modules import benchlib by name


def _load(name: str):
    """bench/ is a folder of scripts: load one by path, under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"bench_script_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


benchlib = _load("benchlib")
run = _load("run")


def test_every_bench_module_is_discovered():
    names = {p.name for p in run.discover()}
    assert {"bench_window.py", "bench_install.py", "bench_memory.py", "bench_bundle.py"} <= names
    assert names == {p.name for p in (REPO / "bench").glob("bench_*.py")}


def test_a_benchmark_is_named_as_a_person_would_type_it(capsys):
    for name in ("window", "bench_window", "bench_window.py", "bench/bench_window.py"):
        assert [p.name for p in run.discover([name])] == ["bench_window.py"]
    assert run.main(["nosuch"]) == 2
    assert "no benchmark named nosuch; there are: bundle, detect" in capsys.readouterr().err


def test_every_bench_module_follows_the_protocol():
    for path in run.discover():
        module = run.load(path)
        assert callable(module.measure), path.name
        assert module.__doc__, f"{path.name} needs a docstring saying what it measures"


def test_a_failing_benchmark_becomes_an_error_row_and_the_rest_still_run(tmp_path, capsys):
    (tmp_path / "bench_good.py").write_text(
        "from benchlib import row\n"
        "def measure():\n"
        "    return [row('good', 'ratio', 1.2, 'x', '<= 1.3')]\n"
    )
    (tmp_path / "bench_broken.py").write_text("def measure():\n    raise OSError('no npm')\n")
    rows = run.run_all(sorted(tmp_path.glob("bench_*.py")), verbose=False)
    assert [r["benchmark"] for r in rows] == ["broken", "good"]
    assert rows[0]["measure"] == "ERROR: no npm"
    assert math.isnan(rows[0]["value"])
    assert rows[1]["ok"] is True


def test_rows_missing_keys_are_refused():
    with pytest.raises(ValueError, match="lacks unit, target, ok"):
        run.checked([{"benchmark": "b", "measure": "m", "value": 1.0}], "bench_x.py")


@pytest.mark.parametrize(
    ("value", "target", "ok"),
    [(1.29, "<= 1.3", True), (1.31, "<= 1.3", False), (0.05, "<= 0.05", True), (2, "", None)],
)
def test_ok_follows_the_target(value, target, ok):
    assert benchlib.row("b", "m", value, "x", target)["ok"] is ok


def test_the_markdown_table_has_a_row_per_result():
    rows = [benchlib.row("window", "app / bare", 1.25, "x", "<= 1.3")]
    rows.append(benchlib.row("bundle", "size", 143.2, "MB"))
    table = benchlib.format_table(rows, markdown=True).splitlines()
    assert table[0] == "| benchmark | measure | value | unit | target | ok |"
    assert table[2] == "| window | app / bare | 1.25 | x | <= 1.3 | yes |"
    assert table[3] == "| bundle | size | 143 | MB | — |  |"


def test_a_start_up_that_fails_says_why():
    """Run with a Python that lacks PySide6, a window benchmark says so, not just 'no marker'."""
    import os

    with pytest.raises(RuntimeError) as failed:
        benchlib.time_to_line([sys.executable, "-c", "import nosuchmodule"], "shown", os.environ)
    assert "ended without printing 'shown'" in str(failed.value)
    assert "No module named 'nosuchmodule'" in str(failed.value)
    assert benchlib.time_to_line([sys.executable, "-c", "print('shown')"], "shown", os.environ) > 0
