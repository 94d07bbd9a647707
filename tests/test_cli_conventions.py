"""The command line behaves as command lines do: --version, --quiet everywhere, contradictions refused,
short runs, the dashboard's address, the CSVs `data convert` is documented to take; and every run
records what made it and is saved whole or not at all."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from channelsim.experiments.cli import main

SMALL_SWEEP = """
name = "cli_small"
scenario = "pilot_2025"
start = 2025-09-01
days = 21
warmup_days = 20
design = "grid"
replicates = 1
seed = 5
outputs = ["arrivals", "returns"]

[parameters]
returns_per_week = [0, 100]
"""
RUN_FILES = {"series.csv", "series.parquet", "nationalities.csv", "nationalities.parquet", "summary.json",
             "params.toml", "series.png"}


def test_version_prints_the_package_version_and_commit(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("channelsim 0.1") and "git commit" in out


@pytest.mark.parametrize("options", [["--serial", "--workers", "2"], ["--workers", "2", "--scheduler", "tcp://x:1"],
                                     ["--serial", "--cluster", "c.toml"]])
def test_contradictory_executor_options_are_refused_before_anything_runs(options, capsys, tmp_path):
    assert main(["sweep", "deterrence_curve", *options, "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "choose one of" in err and "Traceback" not in err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("days", [1, 6])
def test_a_run_shorter_than_a_week_writes_all_its_outputs(days, tmp_path, capfd):
    out = tmp_path / "run"
    assert main(["run", "--days", str(days), "--start", "2025-07-20", "--out", str(out), "--quiet",
                 "--format", "pdf"]) == 0
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == "", "--quiet printed something"
    assert RUN_FILES | {"series.pdf"} <= {p.name for p in out.iterdir()}
    assert len(pd.read_csv(out / "series.csv")) == days
    assert (out / "series.png").stat().st_size > 20_000
    assert (out / "series.pdf").read_bytes()[:4] == b"%PDF"


def test_summary_records_code_version_data_hashes_and_parameters_hash(tmp_path, data_dir):
    out = tmp_path / "run"
    assert main(["run", "--days", "3", "--out", str(out), "--quiet", "--data", str(data_dir)]) == 0
    prov = json.loads((out / "summary.json").read_text())["provenance"]
    assert prov["package_version"].startswith("0.") and len(prov["git_commit"]) in (40, len("unknown"))
    assert len(prov["parameters_hash"]) == 16
    import hashlib

    assert prov["data_files"]["small_boats_daily.csv"] == hashlib.sha256(
        (data_dir / "small_boats_daily.csv").read_bytes()).hexdigest()
    assert set(prov["data_files"]) >= {"small_boats_daily.csv", "small_boats_weekly.csv",
                                       "one_in_one_out_monthly.csv"}
    # the same parameters give the same hash; another quota another
    other = tmp_path / "other"
    assert main(["run", "--days", "3", "--out", str(other), "--quiet", "--set", "returns_per_week=70"]) == 0
    assert json.loads((other / "summary.json").read_text())["provenance"]["parameters_hash"] != prov["parameters_hash"]


def test_an_interrupted_save_leaves_no_partial_output(tmp_path, monkeypatch):
    from channelsim.model import run
    from channelsim.model.result import Result

    result = run("pilot_2025", days=3, start="2025-07-20")

    def broken_plot(self, *args, **kwargs):
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C while the figure was drawn

    monkeypatch.setattr(Result, "plot", broken_plot)
    with pytest.raises(KeyboardInterrupt):
        result.save(tmp_path / "run")
    assert list(tmp_path.iterdir()) == [], "a save cut short left files behind"


def test_data_convert_takes_the_daily_and_the_weekly_csv(tmp_path, data_dir, capsys):
    out = tmp_path / "data"
    assert main(["data", "convert", str(data_dir / "small_boats_daily.csv"), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"small_boats_daily.csv"}
    assert main(["data", "convert", str(data_dir / "small_boats_weekly.csv"), "--out", str(out)]) == 0
    assert main(["data", "convert", str(data_dir / "small_boats_daily.csv"), str(data_dir / "small_boats_weekly.csv"),
                 "--out", str(tmp_path / "both")]) == 0
    for name in ("small_boats_daily.csv", "small_boats_weekly.csv"):
        assert (out / name).read_text() == (data_dir / name).read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    capsys.readouterr()
    assert main(["data", "convert", str(bad), "--out", str(tmp_path / "none")]) == 2
    assert "neither the daily nor the weekly" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


def test_sweep_on_dask_prints_the_dashboard_and_quiet_silences_sweep_analyse_and_plot(tmp_path, capfd):
    path = tmp_path / "small.toml"
    path.write_text(SMALL_SWEEP)
    assert main(["sweep", str(path), "--workers", "1", "--out", str(tmp_path / "loud")]) == 0
    assert "Dask dashboard: http" in capfd.readouterr().err
    quiet = tmp_path / "quiet"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(quiet), "--quiet"]) == 0
    assert main(["analyse", str(quiet), "--quiet"]) == 0
    assert main(["plot", str(quiet), "--quiet"]) == 0
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == "", f"--quiet printed: {captured.out + captured.err}"
    assert (quiet / "plots" / "fan_arrivals.png").exists()
    assert "PYTHONWARNINGS" not in os.environ or os.environ["PYTHONWARNINGS"] != "ignore", "--quiet leaked"


def test_channelsim_help_lists_version_and_every_command_has_quiet():
    from channelsim.experiments.cli import build_parser

    parser = build_parser()
    assert "--version" in parser.format_help()
    commands = parser._subparsers._group_actions[0].choices  # argparse keeps them here
    lacking = [name for name, sub in commands.items()
               if name not in ("scenarios", "params", "explore") and "--quiet" not in sub.format_help()]
    assert not lacking, f"commands without --quiet: {lacking}"
