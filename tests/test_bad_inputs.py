"""Every bad input, to every command, is refused up front: one paragraph naming the problem, exit status 2,
no traceback, nothing left in --out.

The corpus (``tests/bad_input_corpus.py``) holds one row a bad input; a new command or option gets its
rows there. Most rows run in this process (``experiments.cli.main``); a few as a separate ``channelsim``
process.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from bad_input_corpus import CASES, DAILY, REPO, SHARED_DATA, SWEEP, WRITERS, Case, sweep_with

from channelsim.experiments.cli import main


def shared_series_with_a_gap() -> dict[str, str]:
    """The observed series without March 2020."""
    out = {}
    for name in ("small_boats_daily.csv", "small_boats_weekly.csv"):
        lines = (SHARED_DATA / name).read_text().splitlines(keepends=True)
        out[name] = "".join(ln for ln in lines if not ln.startswith("2020-03"))
    return out


def prepare(case: Case, tmp: Path) -> tuple[list[str], Path]:
    out = tmp / "out"
    (tmp / "a_file").write_text("not a folder")
    data = tmp / "data"
    files = shared_series_with_a_gap() if case.data.get("gap") else case.data
    if files:
        data.mkdir()
        for name, content in files.items():
            (data / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    file = tmp / "input.toml"
    if case.text is not None:
        file.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode())
        if case.argv[:2] == ["data", "convert"]:
            file = file.rename(tmp / "input.csv")
    argv = [a.format(out=out, file=file, data=data, tmp=tmp) for a in case.argv]
    if case.out:
        argv += ["--out", str(out)]
    return argv, out


def assert_refused(code, err: str, case: Case, out: Path) -> None:
    assert code == 2, f"exit {code}; stderr: {err}"
    assert case.fragment in err, err
    assert "Traceback" not in err, err
    assert not out.exists() or not any(out.iterdir()), f"left in --out: {list(out.iterdir())}"


@pytest.fixture(autouse=True)
def quick_scheduler_timeout(monkeypatch):
    from channelsim.experiments.sweeps import execute

    monkeypatch.setattr(execute, "SCHEDULER_TIMEOUT", "1s")


def test_the_corpus_holds_every_kind_of_bad_input_to_every_command():
    commands = {c.argv[0] for c in CASES}
    assert commands >= {"run", "scenarios", "params", "sweep", "analyse", "plot", "calibrate", "shocks", "validate",
                        "counterfactual", "data", "explore"}
    assert len(CASES) >= 211


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}-{c.kind}" for i, c in enumerate(CASES)])
def test_bad_input_is_refused_in_one_paragraph_with_nothing_left_behind(case, tmp_path):
    argv, out = prepare(case, tmp_path)
    err, stdout = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(stdout):
        try:
            code = main(argv)
        except SystemExit as exc:   # argparse's own refusals
            code = exc.code
    assert_refused(code, err.getvalue(), case, out)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
@pytest.mark.parametrize("command", list(WRITERS))
def test_a_folder_that_cannot_be_written_is_refused_before_anything_runs(command, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        case = Case("--out unwritable", [*WRITERS[command], "--out", str(locked / "results")], "cannot be written",
                    text=SWEEP if command == "sweep" else None, out=False)
        argv, _ = prepare(case, tmp_path)
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            code = main(argv)
        assert_refused(code, err.getvalue(), case, locked / "results")
    finally:
        locked.chmod(0o700)


END_TO_END = [
    Case("--out a file", ["run", "--days", "3", "--out", "{tmp}/a_file"], "is a file", out=False),
    Case("--seed", ["run", "--seed", "-1"], "at least 0"),
    Case("scenario name", ["run", "--days", "3", "--scenario", "{file}"], "not a plain name",
         text="name = '../../x'\n"),
    Case("sweep file", ["sweep", "{file}", "--serial"], "not a UTF-8 text file", text=b"name = \"\xe9\"\n"),
    Case("sweep level", ["sweep", "{file}", "--serial"], "expected a number",
         text=sweep_with(parameters="returns_per_week = [true, false]\n")),
    Case("validate data", ["validate", "--serial", "--data", "{data}"], "lacks small_boats_weekly.csv",
         data={"small_boats_daily.csv": DAILY}),
]


@pytest.mark.parametrize("case", END_TO_END, ids=[c.kind for c in END_TO_END])
def test_bad_input_to_the_channelsim_process_is_refused_the_same_way(case, tmp_path):
    argv, out = prepare(case, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "channelsim", *argv], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert_refused(proc.returncode, proc.stderr + proc.stdout, case, out)
    assert not (tmp_path / "results").exists() and not (tmp_path.parent / "x_seed1_2025-01-01").exists()
    shutil.rmtree(tmp_path / "data", ignore_errors=True)
