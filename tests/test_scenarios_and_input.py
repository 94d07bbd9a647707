"""Scenarios load; every bad input gets a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from channelsim.core.data import DataError, read_one_in_one_out
from channelsim.core.errors import ChannelsimError
from channelsim.core.params import SECTIONS, describe, leaf_index
from channelsim.core.scenarios import ScenarioError, available, load

SHIPPED = {"no_deal", "pilot_2025", "pilot_ramp", "pilot_published", "crackdown", "in_water_interception",
           "announcement_only"}


def test_the_required_scenarios_ship_and_load():
    assert SHIPPED <= set(available())
    for name in available():
        params = load(name)
        assert params.name == name


def test_every_parameter_has_a_unit_a_range_or_kind_and_a_source():
    for row in describe():
        assert row["unit"], row["name"]
        assert row["source"], row["name"]
        assert row["doc"], row["name"]


def test_parameter_names_are_unique_across_sections():
    names = [name for cls in SECTIONS.values() for name in cls.model_fields]
    assert len(names) == len(set(names)) == len(leaf_index())


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, expected", [
    ("[policy]\nretuns_per_week = 10\n", "Did you mean 'returns_per_week'"),
    ("[polcy]\nreturns_per_week = 10\n", "Did you mean 'policy'"),
    ("[gangs]\nreturns_per_week = 10\n", "belongs in [policy]"),
    ("[policy]\nreturns_per_week = 'many'\n", "returns_per_week = 'many'"),
    ("[policy]\nreturns_per_week = -1\n", "allowed 0 to 5000"),
    ("[french_police]\nbeach_prevention_share = 1.5\n", "allowed 0 to 1"),
    ("[policy]\nreturns_start = 'soon'\n", "not a date"),
    ("[policy]\nquota_schedule = 'sometimes'\n", "expected 'none', 'weekly', 'ramp' or 'published'"),
    ("[policy]\nreturns_per_week = \n", "line 2"),
    ("[[nationalities]]\nname = 'X'\ninflow_share = 0.5\ngrant_rate = 0.5\nlegal_route_priority = 0\n", "sum to 1"),
])
def test_bad_scenario_files_are_named_and_explained(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load(path)
    assert expected in str(err.value)
    assert str(path) in str(err.value)


def test_unknown_scenario_suggests_the_nearest():
    with pytest.raises(ScenarioError, match="Did you mean 'pilot_2025'"):
        load("pilot_2052")


def test_overrides_are_validated_by_name():
    from channelsim.model import ChannelModel

    with pytest.raises(ScenarioError, match="Did you mean 'crackdown_intensity'"):
        ChannelModel(crackdown_intensty=0.5)
    with pytest.raises(ScenarioError, match="allowed 1 to 50"):
        ChannelModel(gangs=0)


def test_unsupported_dates_are_refused():
    from channelsim.model import run

    with pytest.raises(ChannelsimError, match="2018-01-01 at the earliest"):
        run(start="2017-06-01", days=5)
    with pytest.raises(ChannelsimError, match="not a date"):
        run(start="2025-02-30", days=5)
    with pytest.raises(ChannelsimError, match="before the start"):
        run(start="2025-02-01", end="2025-01-01")


def test_published_quota_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "one_in_one_out_monthly.csv"
    bad.write_text("month,transferred_into_uk\n2025-09,3\n")
    with pytest.raises(DataError, match="missing column.*returned_to_france"):
        read_one_in_one_out(bad)
    bad.write_text("month,transferred_into_uk,returned_to_france\n2025-09,3,lots\n")
    with pytest.raises(DataError, match="returned_to_france.*line 2"):
        read_one_in_one_out(bad)
    bad.write_text("month,transferred_into_uk,returned_to_france\nSept,3,4\n")
    with pytest.raises(DataError, match="YYYY-MM"):
        read_one_in_one_out(bad)


def test_published_quota_follows_the_monthly_figures(data_dir):
    from channelsim.model import ChannelModel

    model = ChannelModel("pilot_published", rng=1, start="2025-08-01", warmup_days=0)
    day = model.calendar.day
    import datetime as dt

    quota = model.policy.returns_per_week
    assert quota[day(dt.date(2025, 8, 15))] == 0
    assert quota[day(dt.date(2025, 10, 15))] == pytest.approx(58 * 7 / 31)
    assert quota[day(dt.date(2026, 6, 15))] == pytest.approx(264 * 7 / 30)
    assert quota[day(dt.date(2027, 1, 15))] == pytest.approx(264 * 7 / 30), "the last month's rate holds"


# --- the command line ------------------------------------------------------------------------

def channelsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "channelsim", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})


@pytest.mark.parametrize("args, expected", [
    (["--scenario", "nope"], "unknown scenario 'nope'"),
    (["--set", "retuns_per_week=3"], "Did you mean 'returns_per_week'"),
    (["--set", "returns_per_week=-3"], "out of range"),
    (["--set", "returns_per_week"], "KEY=VALUE"),
    (["--start", "2017-01-01"], "not supported"),
    (["--start", "yesterday"], "not a date"),
    (["--days", "0"], "at least 1"),
    (["--days", "5", "--end", "2025-02-01"], "either --days or --end"),
    (["--seed", "abc"], "invalid int value"),
    (["--scenario", "pilot_published", "--data", "/no/such/folder"], "no data folder"),
])
def test_cli_bad_input_exits_non_zero_with_a_message_and_writes_nothing(tmp_path, args, expected):
    out = tmp_path / "out"
    proc = channelsim("run", "--out", str(out), *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists() or not any(out.iterdir())


def test_cli_malformed_scenario_file_names_file_and_line(tmp_path):
    path = write(tmp_path, "[policy]\nreturns_per_week = 50\nreturns_start = 2025-09-\n")
    proc = channelsim("run", "--scenario", str(path), "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 2 and str(path) in proc.stderr and "line 3" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_cli_run_writes_series_summary_params_and_plot_and_the_params_reproduce_it(tmp_path):
    out = tmp_path / "first"
    proc = channelsim("run", "--seed", "4", "--start", "2025-09-01", "--days", "40", "--out", str(out),
                      "--set", "returns_per_week=80", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "arrivals" in proc.stdout
    assert {p.name for p in out.iterdir()} == {"series.csv", "series.parquet", "summary.json", "params.toml",
                                               "series.png", "nationalities.csv", "nationalities.parquet"}
    again = tmp_path / "again"
    proc = channelsim("run", "--scenario", str(out / "params.toml"), "--seed", "4", "--start", "2025-09-01",
                      "--days", "40", "--out", str(again), "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert (out / "series.csv").read_text() == (again / "series.csv").read_text()


def test_cli_lists_scenarios_one_line_each(tmp_path):
    proc = channelsim("scenarios", cwd=tmp_path)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and len(lines) == len(available())
    assert all(line.split()[0] in available() for line in lines)
