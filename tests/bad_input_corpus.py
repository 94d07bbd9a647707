"""The bad-input corpus: every bad input to every command, one row each (tests/test_bad_inputs.py runs it).

One row of ``CASES`` is one bad input: the command line (``{out}`` the output folder, ``{file}`` the input
file written from the row's ``text``, ``{data}`` a data folder holding the row's ``data`` files, ``{tmp}``
the test's folder), and a fragment of the expected message. A new command or option gets its rows here.
Most rows run in this process (``experiments.cli.main``); a few run as a separate ``channelsim`` process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ["CHANNELSIM_DATA"])


@dataclass
class Case:
    kind: str                     # what is wrong, for the count by kind
    argv: list[str]               # the command line, with {out}, {file}, {data} and {tmp} filled in
    fragment: str                 # part of the expected message
    text: str | bytes | None = None              # the {file}'s contents
    data: dict[str, str | bytes] = field(default_factory=dict)   # files of the {data} folder
    out: bool = True              # add --out {out} (commands that write)


SWEEP = """
name = "tiny"
scenario = "pilot_2025"
start = 2025-09-01
days = 14
warmup_days = 10
design = "grid"
replicates = 1
seed = 3
outputs = ["arrivals"]

[parameters]
returns_per_week = [0, 150]
"""


def sweep_with(replace: dict[str, str] | None = None, add: str = "", parameters: str | None = None) -> str:
    """The tiny sweep with lines replaced (by their key), lines added, or other [parameters]."""
    lines = SWEEP.strip().splitlines()
    for key, line in (replace or {}).items():
        lines = [line if ln.split(" = ")[0] == key else ln for ln in lines]
    text = "\n".join(lines)
    if parameters is not None:
        text = text.split("[parameters]")[0] + "[parameters]\n" + parameters
    return add + "\n" + text + "\n"


MONTHLY = "month,transferred_into_uk,returned_to_france\n"
DAILY = "date,migrants_arrived,boats_arrived,boats_uncontrolled_landings\n"
NOT_UTF8 = b"name = \"caf\xe9\"\n[policy]\nreturns_per_week = 10\n"

# --- where the results go: checked by every command that writes, before it starts -----------------------
WRITERS = {
    "run": ["run", "--days", "3"],
    "sweep": ["sweep", "{file}", "--serial"],
    "calibrate": ["calibrate", "--budget", "small", "--serial"],
    "validate": ["validate", "--draws", "2", "--serial"],
    "shocks": ["shocks", "--draws", "2", "--serial"],
    "counterfactual": ["counterfactual", "--draws", "2", "--serial"],
    "data convert": ["data", "convert", str(SHARED_DATA / "small_boats_daily.csv")],
    "data targets": ["data", "targets"],
    "data download": ["data", "download", "--url", "http://127.0.0.1:9/none"],
}
BAD_OUT = [
    ("a file", "{tmp}/a_file", "is a file, not a folder"),
    ("under a file", "{tmp}/a_file/results", "is a file, not a folder"),
    ("under /proc", "/proc/channelsim_results", "kernel file system"),
    ("under /sys", "/sys/channelsim_results", "kernel file system"),
]
CASES: list[Case] = [
    Case(f"--out {what}", [*argv, "--out", out], fragment, text=SWEEP if name == "sweep" else None, out=False)
    for name, argv in WRITERS.items() for what, out, fragment in BAD_OUT
]

# --- parameters given with --set: names, strict types, ranges (excluded bounds said so), dates --------
SETS = [
    ("type", "returns_per_week=true", "expected a number"),
    ("type", "returns_per_week='50'", "expected a number"),
    ("type", "in_water_interception=\"yes\"", "expected true or false"),
    ("type", "in_water_interception=1", "expected true or false"),
    ("type", "legal_admission_per_return=0", "expected true or false"),
    ("type", "gangs=5.0", "expected a whole number"),
    ("type", "gangs=true", "expected a whole number"),
    ("type", "vessels=2.5", "expected a whole number"),
    ("type", "camps=\"two\"", "expected a whole number"),
    ("type", "belief_rule=3", "belief_rule"),
    ("type", "quota_schedule=true", "quota_schedule"),
    ("type", "surge_group=3", "expected text"),
    ("type", "returns_per_week=[50]", "returns_per_week"),
    ("range", "returns_per_week=-1", "allowed 0 to 5000"),
    ("range", "returns_per_week=1e9", "allowed 0 to 5000"),
    ("range", "beach_prevention_share=1.5", "allowed 0 to 1"),
    ("range", "gangs=0", "allowed 1 to 50"),
    ("range", "detention_beds=-1", "out of range"),
    ("excluded bound", "crossing_hours=0", "crossing_hours must be above 0"),
    ("excluded bound", "rescue_hours=0", "rescue_hours must be above 0"),
    ("excluded bound", "prior_strength=0", "prior_strength must be above 0"),
    ("excluded bound", "memory_half_life_days=0", "must be above 0"),
    ("excluded bound", "boats_per_night_share=0", "must be above 0"),
    ("excluded bound", "sea_persistence=1", "sea_persistence must be at least 0 and below 1"),
    ("date", "announcement_date=2025-12-01", "after returns_start"),
    ("date", "returns_start=2025-06-01", "after returns_start"),
    ("date", "crackdown_start=2017-01-01", "allowed 2018-01-01 to 2040-12-31"),
    ("date", "crackdown_start=2041-01-01", "allowed 2018-01-01 to 2040-12-31"),
    ("date", "in_water_from=\"soon\"", "not a date"),
    ("date", "taxi_boats_from=2025-02-30", "not a date"),
    ("date", "surge_start=1999-01-01", "allowed 2018-01-01"),
    ("date", "boat_supply_disruption_from=2050-01-01", "allowed 2018-01-01 to 2040-12-31"),
    ("name", "retuns_per_week=3", "Did you mean 'returns_per_week'"),
    ("name", "no_such_parameter=3", "unknown key"),
    ("syntax", "returns_per_week", "KEY=VALUE"),
    ("syntax", "=5", "KEY=VALUE"),
]
CASES += [Case(f"--set {kind}", ["run", "--days", "3", "--set", pair], fragment) for kind, pair, fragment in SETS]
CASES += [
    Case("--set path", ["run", "--days", "3", "--scenario", "pilot_published", "--set", f"published_schedule_file={v}"],
         "file name inside the data folder")
    for v in ("'../one_in_one_out_monthly.csv'", "'/etc/passwd'", "'sub/../../x.csv'")
]

# --- scenario files: the same checks, and what a file can get wrong ----------------------------------
FILES = [
    ("type", "[policy]\nreturns_per_week = true\n", "expected a number"),
    ("type", "[french_police]\nin_water_interception = \"yes\"\n", "expected true or false"),
    ("type", "[gangs]\ngangs = 5.0\n", "expected a whole number"),
    ("type", "[border_force]\nvessels = \"4\"\n", "expected a whole number"),
    ("type", "[policy]\nquota_schedule = 1\n", "quota_schedule"),
    ("type", "[policy]\nreturns_start = 20250918\n", "returns_start"),
    ("type", "name = 5\n", "not a plain name"),
    ("type", "policy = 5\n", "must be a table"),
    ("range", "[policy]\nreturns_per_week = -1\n", "allowed 0 to 5000"),
    ("range", "[border_force]\ncrossing_hours = 0\n", "crossing_hours must be above 0"),
    ("range", "[weather]\nsea_persistence = 1.0\n", "below 1"),
    ("date", "[policy]\nannouncement_date = 2025-10-01\n", "after returns_start"),
    ("date", "[policy]\ncrackdown_start = 2010-01-01\n", "allowed 2018-01-01"),
    ("date", "[policy]\nreturns_start = 'soon'\n", "not a date"),
    ("name", "[polcy]\nreturns_per_week = 10\n", "Did you mean 'policy'"),
    ("name", "[gangs]\nreturns_per_week = 10\n", "belongs in [policy]"),
    ("name", "[policy]\nretuns_per_week = 10\n", "Did you mean 'returns_per_week'"),
    ("name", "colour = 'blue'\n", "unknown key 'colour'"),
    ("path", "name = \"../../x\"\n", "not a plain name"),
    ("path", "name = \"a/b\"\n", "not a plain name"),
    ("path", "name = \".hidden\"\n", "not a plain name"),
    ("path", "name = \"\"\n", "not a plain name"),
    ("path", "[policy]\nquota_schedule = 'published'\npublished_schedule_file = '../x.csv'\n",
     "file name inside the data folder"),
    ("path", "[policy]\nquota_schedule = 'published'\npublished_schedule_file = '/tmp/x.csv'\n",
     "file name inside the data folder"),
    ("nationalities", "[[nationalities]]\nname = 'X'\ninflow_share = 0.5\ngrant_rate = 0.5\n"
     "legal_route_priority = 0\n", "sum to 1"),
    ("nationalities", "[[nationalities]]\nname = 'X'\ninflow_share = 1\ngrant_rate = 0.5\nlegal_route_priority = 0\n"
     "shares_by_year = { 1990 = 0.5 }\n", "outside"),
    ("nationalities", "[[nationalities]]\nname = 'X'\ninflow_share = 1\ngrant_rate = 0.5\nlegal_route_priority = 0\n"
     "shares_by_year = { 2022 = 1.5 }\n", "is not a share"),
    ("nationalities", "[[nationalities]]\nname = 'X'\ninflow_share = 1\ngrant_rate = true\nlegal_route_priority = 0\n",
     "expected a number"),
    ("nationalities", "[[nationalities]]\nname = 'X'\ninflow_share = 1\ngrant_rate = 0.5\nlegal_route_priority = 0\n"
     "own_returns_from = 2011-01-01\n", "2018-01-01"),
    ("syntax", "[policy]\nreturns_per_week = \n", "line 2"),
    ("syntax", "[policy\n", "malformed TOML"),
    ("syntax", NOT_UTF8, "not a UTF-8 text file"),
    ("syntax", b"\xff\xfe[\x00p\x00", "not a UTF-8 text file"),
]
CASES += [Case(f"scenario file {kind}", ["run", "--days", "3", "--scenario", "{file}"], fragment, text=text)
          for kind, text, fragment in FILES]
CASES += [
    Case("scenario file missing", ["run", "--scenario", "{tmp}/none.toml"], "does not exist"),
    Case("scenario file missing", ["run", "--scenario", "{tmp}"], "does not exist"),
    Case("scenario unknown", ["run", "--scenario", "pilot_2052"], "Did you mean 'pilot_2025'"),
]

# --- the run's own options ------------------------------------------------------------------------------
RUN_OPTIONS = [
    (["--seed", "-1"], "at least 0"),
    (["--seed", "abc"], "invalid int value"),
    (["--seed", "1.5"], "invalid int value"),
    (["--days", "0"], "at least 1"),
    (["--days", "-3"], "at least 1"),
    (["--days", str(10**20)], "at most 8401"),
    (["--days", "1e3"], "invalid int value"),
    (["--days", "5", "--end", "2025-02-01"], "either --days or --end"),
    (["--start", "2017-01-01"], "not supported"),
    (["--start", "yesterday"], "not a date"),
    (["--start", "2025-02-30"], "not a date"),
    (["--start", "2040-12-30", "--days", "5"], "after 2040-12-31"),
    (["--end", "2041-01-01"], "not supported"),
    (["--start", "2025-02-01", "--end", "2025-01-01"], "before the start"),
    (["--data", "/no/such/folder", "--scenario", "pilot_published"], "no data folder"),
    (["--format", "gif"], "invalid choice"),
]
CASES += [Case("run option", ["run", *argv], fragment) for argv, fragment in RUN_OPTIONS]

# --- the published returns schedule (one_in_one_out_monthly.csv), read by the pilot_published scenario ---
SCHEDULES = [
    ("duplicate month", MONTHLY + "2025-09,3,17\n2025-09,5,20\n", "line 3, column 'month': 2025-09 appears twice"),
    ("row cut short", MONTHLY + "2025-09,3,17\n2025-10,51\n", "line 3, column 'returned_to_france'"),
    ("file cut mid-row", MONTHLY + "2025-09,3,17\n2025-1", "line 3, column 'transferred_into_uk'"),
    ("row too long", MONTHLY + "2025-09,3,17,9\n", "too long"),
    ("text", MONTHLY + "2025-09,3,lots\n", "column 'returned_to_france' must hold counts"),
    ("absurd value", MONTHLY + "2025-09,3,99999999999999999999\n", "line 2 has '99999999999999999999'"),
    ("negative", MONTHLY + "2025-09,3,-4\n", "line 2 has '-4'"),
    ("decimal", MONTHLY + "2025-09,3,4.5\n", "whole numbers"),
    ("bad month", MONTHLY + "Sept,3,4\n", "YYYY-MM"),
    ("bad month", MONTHLY + "2025-13,3,4\n", "YYYY-MM"),
    ("no rows", MONTHLY, "no rows"),
    ("missing column", "month,transferred_into_uk\n2025-09,3\n", "missing column(s) returned_to_france"),
    ("not UTF-8", b"month,transferred_into_uk,returned_to_france\n2025-09,3,\xff\n", "not UTF-8"),
    ("missing month", MONTHLY + "2025-09,3,17\n2025-11,87,78\n", "no row for 2025-10 (between 2025-09 and 2025-11)"),
]
NATIONALITY_FILE = {"nationality_arrivals.csv": (SHARED_DATA / "nationality_arrivals.csv").read_bytes()}
CASES += [Case(f"returns schedule {kind}", ["run", "--days", "3", "--scenario", "pilot_published", "--data", "{data}"],
               fragment, data={"one_in_one_out_monthly.csv": text, **NATIONALITY_FILE})
          for kind, text, fragment in SCHEDULES]
CASES.append(Case("returns schedule missing", ["run", "--scenario", "pilot_published", "--data", "{data}"],
                  "one_in_one_out_monthly.csv does not exist", data=NATIONALITY_FILE))

# --- the published nationality mix (nationality_arrivals.csv), read with [inflow] nationality_mix = "published"
NATIONALITY_HEADER = "period_start,period_end,nationality,people,share_of_known,basis,source\n"
CASES += [
    Case("nationality mix missing", ["run", "--days", "3", "--data", "{data}"], "nationality_mix = 'constant'",
         data={"README.md": "empty"}),
    Case("nationality mix malformed", ["run", "--days", "3", "--data", "{data}"],
         "line 2, column 'share_of_known': 1.8 is not a number",
         data={"nationality_arrivals.csv": NATIONALITY_HEADER + "2022-01-01,2022-12-31,Albania,,1.8,share,x\n"}),
    Case("nationality mix no year", ["run", "--days", "3", "--data", "{data}"], "no period starts on 1 January",
         data={"nationality_arrivals.csv": NATIONALITY_HEADER + "2022-05-01,2022-09-30,Albania,,0.4,share,x\n"}),
    Case("nationality mix option", ["run", "--days", "3", "--set", "nationality_mix=sometimes"], "nationality_mix"),
    Case("nationality mix shares over one", ["run", "--days", "3", "--data", "{data}"],
         "the shares of the period 2022-01-01 to 2022-12-31 add up to 1.3, more than 1",
         data={"nationality_arrivals.csv": NATIONALITY_HEADER + "2022-01-01,2022-12-31,Albania,,0.7,share,x\n"
                                                               "2022-01-01,2022-12-31,Iran,,0.6,share,x\n"}),
]
CASES += [
    Case("--set path", ["run", "--days", "3", "--set", f"nationality_mix_file={v}"], "file name inside the data folder")
    for v in ("'../nationality_arrivals.csv'", "'/etc/passwd'")
]

# --- the observed series (small_boats_daily.csv), through `data convert` and `data targets` -----------
SERIES = [
    ("duplicate date", DAILY + "2025-01-01,5,1,0\n2025-01-01,6,1,0\n",
     "line 3, column 'date': 2025-01-01 appears twice"),
    ("row cut short", DAILY + "2025-01-01,5,1,0\n2025-01-02,5\n", "line 3, column 'boats_arrived'"),
    ("file cut mid-row", DAILY + "2025-01-01,5,1,0\n2025-01-02,5,1", "cut short"),
    ("text", DAILY + "2025-01-01,many,1,0\n", "line 2: 'many' in column 'migrants_arrived' is not a number"),
    ("absurd value", DAILY + "2025-01-01,99999999999999999999,1,0\n", "is not a count"),
    ("decimal", DAILY + "2025-01-01,5.5,1,0\n", "is not a count"),
    ("negative", DAILY + "2025-01-01,-5,1,0\n", "negative"),
    ("bad date", DAILY + "2025-02-30,5,1,0\n", "line 2: '2025-02-30' in column 'date' is not a date"),
    ("not UTF-8", DAILY.encode() + b"2025-01-01,5,\xff,0\n", "not UTF-8"),
    ("no header", "a,b,c\n1,2,3\n", "neither the daily nor the weekly"),
    ("missing day", DAILY + "2025-01-01,5,1,0\n2025-01-03,6,1,0\n",
     "line 3, column 'date': 2025-01-03 follows 2025-01-01; the series needs every day in between"),
    ("unrecorded arrivals", DAILY + "2025-01-01,-,1,0\n", "column 'migrants_arrived' must hold a count in every row"),
    ("empty arrivals", DAILY + "2025-01-01,,1,0\n", "column 'migrants_arrived' must hold a count in every row"),
    ("header only", DAILY, "no rows below the header"),
]
CASES += [Case(f"observed series {kind}", ["data", "convert", "{file}"], fragment, text=text)
          for kind, text, fragment in SERIES]
CASES += [Case(f"observed series {kind}", ["data", "targets", "--data", "{data}"], fragment,
               data={"small_boats_daily.csv": text, "small_boats_weekly.csv": ""})
          for kind, text, fragment in SERIES[:8]]
CASES.append(Case("observed series missing", ["data", "targets", "--data", "{data}"],
                  "small_boats_daily.csv does not exist",
                  data={"small_boats_weekly.csv": (SHARED_DATA / "small_boats_weekly.csv").read_bytes()}))
CASES += [
    Case("data option", ["data", "convert"], "needs a SOURCE"),
    Case("data option", ["data", "convert", "{tmp}/none.csv"], "does not exist"),
    Case("data option", ["data", "targets", "--data", "/no/such/folder"], "no data folder"),
    Case("data option", ["data", "unpack"], "invalid choice"),
]

# --- scenarios and params --------------------------------------------------------------------------------
CASES += [
    Case("listing", ["scenarios", "extra"], "unrecognized arguments", out=False),
    Case("listing", ["params", "polcy"], "unknown section 'polcy'", out=False),
    Case("listing", ["params", "policy", "gangs"], "unrecognized arguments", out=False),
    Case("listing", ["explore", "--port", "70000"], "--port must be from 1 to 65535", out=False),
    Case("listing", ["frobnicate"], "invalid choice", out=False),
]

# --- sweep files ---------------------------------------------------------------------------------------
SWEEPS = [
    ("type", sweep_with(parameters="returns_per_week = [true, false]\n"), "expected a number"),
    ("type", sweep_with(parameters="gangs = [5.0]\n"), "expected a whole number"),
    ("type", sweep_with(parameters="in_water_interception = [\"yes\"]\n"), "expected true or false"),
    ("type", sweep_with(parameters="belief_rule = [1]\n"), "belief_rule"),
    ("type", sweep_with({"replicates": "replicates = true"}), "replicates = true has the wrong type"),
    ("type", sweep_with({"days": "days = 4.5"}), "days = 4.5 has the wrong type"),
    ("type", sweep_with({"seed": "seed = \"3\""}), "seed = '3' has the wrong type"),
    ("type", sweep_with({"outputs": "outputs = \"arrivals\""}), "outputs"),
    ("type", sweep_with(parameters="returns_per_week = 5\n"), "returns_per_week"),
    ("level", sweep_with(parameters="returns_per_week = [10, -5, 20]\n"), "returns_per_week = -5 is out of range"),
    ("level", sweep_with(parameters="returns_per_week = [0, 50]\ngangs = [2, 3, 0, 4]\n"), "gangs = 0 is out of range"),
    ("level", sweep_with(parameters="crossing_hours = [5, 0, 10]\n"), "crossing_hours must be above 0"),
    ("level", sweep_with(parameters="returns_per_week = []\n"), "at least one level"),
    ("level", sweep_with(parameters="announcement_date = [2025-07-01, 2025-12-01]\n"), "after returns_start"),
    ("level", sweep_with(parameters="returns_start = [2025-06-01]\n"), "after returns_start"),
    ("level", sweep_with(parameters="published_schedule_file = ['../x.csv']\nquota_schedule = ['published']\n"),
     "file name inside the data folder"),
    ("range", sweep_with({"design": "design = \"lhs\""}, parameters="returns_per_week = { min = 5, max = 1 }\n"),
     "must be below max"),
    ("range", sweep_with({"design": "design = \"lhs\""},
                         parameters="beach_prevention_share = { min = 0, max = 2 }\n"), "leaves the allowed 0 to 1"),
    ("range", sweep_with({"design": "design = \"lhs\""}, parameters="crossing_hours = { min = 0, max = 5 }\n"),
     "above 0 and at most 48"),
    ("range", sweep_with({"design": "design = \"morris\""}, parameters="sea_persistence = { min = 0.5, max = 1 }\n"),
     "below 1"),
    ("range", sweep_with({"design": "design = \"lhs\""},
                         parameters="in_water_interception = { min = 0, max = 1 }\n"), "needs a numeric parameter"),
    ("range", sweep_with({"design": "design = \"lhs\""}, parameters="returns_per_week = { min = true, max = 5 }\n"),
     "wrong type"),
    ("range", sweep_with({"design": "design = \"lhs\""}, parameters="returns_per_week = [1, 2]\n"), "needs a range"),
    ("range", sweep_with(parameters="returns_per_week = { min = 0, max = 1 }\n"), "needs a list of levels"),
    ("range", sweep_with({"design": "design = \"lhs\""}, parameters="returns_per_week = { min = 0 }\n"), "required"),
    ("window", sweep_with(add="window = { start = 2025-09-10, end = 2025-09-05 }"), "before it starts"),
    ("window", sweep_with(add="window = { start = 2025-08-01 }"), "leaves the runs"),
    ("window", sweep_with(add="window = { end = 2026-01-01 }"), "leaves the runs"),
    ("window", sweep_with(add="window = { start = 2017-01-01 }"), "not supported"),
    ("window", sweep_with(add="window = { start = 'soon' }"), "not a date"),
    ("window", sweep_with(add="window = { begin = 2025-09-02 }"), "unknown key"),
    ("dates", sweep_with({"start": "start = 2017-06-01"}), "not supported"),
    ("dates", sweep_with({"days": "days = 100000"}), "the last day"),
    ("dates", sweep_with({"days": f"days = {10**15}"}), "not supported"),
    ("dates", sweep_with({"days": "days = 0"}), "days"),
    ("setting", sweep_with({"design": "design = \"grd\""}), "expected 'grid'"),
    ("setting", sweep_with({"replicates": "replicates = 0"}), "replicates"),
    ("setting", sweep_with({"seed": "seed = -1"}), "seed"),
    ("setting", sweep_with({"outputs": "outputs = [\"arivals\"]"}), "Did you mean 'arrivals'"),
    ("setting", sweep_with({"scenario": "scenario = \"nope\""}), "unknown scenario"),
    ("setting", sweep_with(add="frequency = \"hourly\""), "frequency"),
    ("setting", sweep_with({"warmup_days": "warmup_days = -1"}), "warmup_days"),
    ("setting", sweep_with(add="desing = \"grid\""), "Did you mean 'design'"),
    ("setting", sweep_with({"design": "design = \"salib_sobol\""}, add="samples = 10",
                           parameters="gangs = { min = 1, max = 5 }\n"), "power of 2"),
    ("setting", sweep_with(parameters="returns_per_wek = [1]\n"), "Did you mean 'returns_per_week'"),
    ("setting", sweep_with(parameters=""), "parameters"),
    ("setting", sweep_with() + "[reference]\nquota_schedul = \"none\"\n", "unknown parameter 'quota_schedul'"),
    ("setting", sweep_with() + "[reference]\nin_water_interception = \"yes\"\n", "expected true or false"),
    ("syntax", "name = \n", "line 1"),
    ("syntax", b"name = \"\xe9\"\n", "not a UTF-8 text file"),
]
CASES += [Case(f"sweep file {kind}", ["sweep", "{file}", "--serial"], fragment, text=text)
          for kind, text, fragment in SWEEPS]
SWEEP_OPTIONS = [
    (["--samples", "0"], "at least 1"),
    (["--replicates", "-1"], "at least 1"),
    (["--flush-every", "0"], "at least 1"),
    (["--workers", "0"], "at least 1"),
    (["--scheduler", "tcp://127.0.0.1:9"], "choose one of"),        # with --serial
    (["--cluster", "{tmp}/none.toml"], "choose one of"),             # with --serial
]
CASES += [Case("sweep option", ["sweep", "{file}", "--serial", *argv], fragment, text=SWEEP)
          for argv, fragment in SWEEP_OPTIONS]
CASES += [
    Case("sweep option", ["sweep", "no_such_sweep"], "does not exist; shipped sweeps"),
    Case("sweep option", ["sweep", "{file}", "--cluster", "{tmp}/none.toml"], "does not exist", text=SWEEP),
    Case("sweep option", ["sweep", "{file}", "--cluster", "{file}"], "kind must be one of", text=SWEEP),
    Case("sweep option", ["sweep", "{file}", "--scheduler", "nonsense://x"], "no Dask scheduler answered", text=SWEEP),
    Case("sweep option", ["sweep", "{file}", "--scheduler", "tcp://127.0.0.1:9"], "no Dask scheduler answered",
         text=SWEEP),
]

# --- analyse and plot: folders that are not sweeps ---------------------------------------------------------
for command in ("analyse", "plot"):
    CASES += [
        Case("not a sweep folder", [command, "{tmp}/none"], "no manifest.json", out=False),
        Case("not a sweep folder", [command, "{tmp}"], "no manifest.json", out=False),
        Case("not a sweep folder", [command, "{file}"], "no manifest.json", text="x", out=False),
        Case("not a sweep folder", [command, "{data}"], "manifest.json", data={"manifest.json": "{not json"},
             out=False),
        Case("not a sweep folder", [command, "{data}"], "manifest.json", data={"manifest.json": "{}"}, out=False),
    ]
CASES.append(Case("analyse option", ["analyse", "{tmp}", "--fall", "lots"], "invalid float value", out=False))

# --- calibrate ---------------------------------------------------------------------------------------------
CALIBRATE = [
    (["--population", "0"], "at least 1"),
    (["--generations", "0"], "at least 1"),
    (["--max-simulations", "0"], "at least 1"),
    (["--population", "1"], "at least 2"),
    (["--seed", "-1"], "at least 0"),
    (["--start", "someday"], "not a date"),
    (["--start", "2017-01-01"], "not supported"),
    (["--start", "2025-01-01", "--end", "2024-01-01"], "before its end"),
    (["--start", "2025-01-01", "--end", "2025-01-20"], "two months"),
    (["--budget", "huge"], "invalid choice"),
    (["--start", "2025-01-01", "--end", "nonsense"], "not a date"),
    (["--workers", "0"], "at least 1"),
    (["--workers", "2", "--serial"], "choose one of"),
    (["--data", "/no/such/folder"], "no data folder"),
    (["--data", "{data}"], "lacks small_boats_daily.csv, small_boats_weekly.csv"),
]
CASES += [Case("calibrate option", ["calibrate", "--budget", "small", "--serial", *argv]
               if "--budget" not in argv and "--workers" not in argv else ["calibrate", *argv], fragment,
               data={"README.md": "empty"}) for argv, fragment in CALIBRATE]
CASES.append(Case("calibrate out", ["calibrate", "--budget", "small", "--serial", "--out", "{data}"],
                  "exists and is not empty", data={"README.md": "not empty"}, out=False))

# --- validate, shocks, counterfactual ------------------------------------------------------------------------
for command in ("validate", "shocks", "counterfactual"):
    CASES += [Case(f"{command} option", [command, "--serial", *argv], fragment, data={"posterior.csv": "a,b\n1,2\n"})
              for argv, fragment in [
                  (["--draws", "0"], "at least 1"),
                  (["--draws", "many"], "invalid int value"),
                  (["--seed", "-1"], "at least 0"),
                  (["--calibration", "{tmp}/none"], "holds no finished calibration"),
                  (["--calibration", "{data}"], "holds no finished calibration"),
                  (["--workers", "2"], "choose one of"),
                  (["--scheduler", "tcp://127.0.0.1:9"], "choose one of"),
              ]]
CASES += [
    Case("validate data", ["validate", "--serial", "--data", "{data}"], "lacks small_boats_weekly.csv",
         data={"small_boats_daily.csv": DAILY}),
    Case("validate data", ["validate", "--serial", "--data", "/no/such/folder"], "no data folder"),
    Case("validate data", ["validate", "--serial", "--draws", "2", "--data", "{data}"],
         "2020-04-01 follows 2020-02-29; the series needs every day in between", data={"gap": "small_boats"}),
    Case("shocks option", ["shocks", "--serial", "--sd", "big"], "comma-separated numbers"),
    Case("shocks option", ["shocks", "--serial", "--days", "x,y"], "comma-separated numbers"),
    Case("counterfactual option", ["counterfactual", "--serial", "--arms", "nope"], "unknown scenario 'nope'"),
    Case("counterfactual option", ["counterfactual", "--serial", "--arms", ","], "names no scenario"),
    Case("counterfactual option", ["counterfactual", "--serial", "--arms", "no_deal"], "baseline"),
]
