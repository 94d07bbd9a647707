"""Why the natural experiment's group fell: each posterior draw with and without its returns arrangement."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from channelsim.core.scenarios import load
from channelsim.experiments.cli import main
from channelsim.experiments.inference.attribution import (
    WITHOUT,
    attribute_fall,
    attribution_table,
    correlations,
    report,
    scenario_without_arrangement,
    statement,
)
from channelsim.experiments.inference.settings import CalibrationError
from channelsim.experiments.sweeps.store import read_nationalities, read_sweep

ARRANGEMENT = dt.date(2022, 12, 13)   # Albania's, in the shipped scenarios
FITTED = "pilot_published"            # the committed calibration's scenario: the fitted arm's runs


@pytest.fixture(scope="module")
def attributed(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("attribution")
    return out, attribute_fall(out, draws=2, seed=3, serial=True, data_dir=data_dir, progress=False)


def test_the_arm_without_the_arrangement_differs_from_the_fitted_one_only_from_the_arrangement_on(attributed):
    out, table = attributed
    runs, series = read_sweep(out / "ensemble")
    assert len(runs) == 4 and (runs["status"] == "ok").all()
    # common random numbers: each draw's parameters and seed are the same in both arms
    params = [c for c in runs.columns if c.startswith("param_")] + ["seed_entropy", "seed_spawn_key"]
    assert runs.groupby("point")[params].nunique().max().max() == 1
    wide = series.pivot_table(index=["date"], columns="run_id", values="arrivals")   # weeks ending on Sundays
    before = wide.index < pd.Timestamp(ARRANGEMENT)
    for point in (0, 1):
        fitted, without = wide[f"{FITTED}-d{point:04d}"], wide[f"{WITHOUT}-d{point:04d}"]
        assert fitted[before].equals(without[before])
        assert not fitted[~before].equals(without[~before])
    # without the arrangement nobody is returned home; as fitted, Albanians are
    flows = read_nationalities(out / "ensemble")
    home = flows.groupby(flows["run_id"].str.startswith(WITHOUT))["returns_home_country"].sum()
    assert home[True] == 0 and home[False] > 0


def test_the_table_sets_what_the_arrangement_averted_against_the_fall(attributed):
    out, table = attributed
    assert list(table["draw"]) == [0, 1] and table.attrs == {"group": "Albania", "arrangement": ARRANGEMENT}
    # the group's own arrivals by calendar year, as the ensemble stored them
    flows = read_nationalities(out / "ensemble")
    albania = flows[flows["nationality"] == "Albania"]
    by_year = albania.groupby(["run_id", albania["month"].dt.year])["arrivals"].sum()
    assert list(table["arrivals_2023"]) == [by_year[(f"{FITTED}-d{i:04d}", 2023)] for i in (0, 1)]
    assert list(table["arrivals_2023_without"]) == [by_year[(f"{WITHOUT}-d{i:04d}", 2023)] for i in (0, 1)]
    everyone = flows.groupby(["run_id", flows["month"].dt.year])["arrivals"].sum()
    assert (table["arrivals_2022"] < [everyone[(f"{FITTED}-d{i:04d}", 2022)] for i in (0, 1)]).all()
    assert (table["averted"] == table["arrivals_2023_without"] - table["arrivals_2023"]).all()
    assert (table["fall"] == table["arrivals_2022"] - table["arrivals_2023"]).all()
    assert np.allclose(table["share_of_fall"], table["averted"] / table["fall"])
    assert np.allclose(table["reduction"], table["averted"] / table["arrivals_2023_without"])
    # the arrangement changes 2023 in every draw; whether it averts crossings depends on the draw's model
    # variant (in the null model returns home move no one's beliefs, and those returned may come back)
    assert (table["averted"] != 0).all()
    # the draw's deterrence parameters stand beside it, dates as decimal years
    assert table["loss_if_returned"].between(0, 12).all() and table["surge_start"].between(2022, 2023).all()


def test_the_report_states_the_effect_with_its_band_and_writes_its_figure(attributed):
    out, table = attributed
    text = (out / "attribution.md").read_text()
    assert statement(table, "Albania", ARRANGEMENT) in text
    assert "cut Albania arrivals in 2023 by a median of" in text and "90% band" in text
    assert "| loss_if_returned |" in text
    assert pd.read_csv(out / "attribution.csv").shape[0] == 2
    assert (out / "attribution.png").stat().st_size > 20_000


def test_the_scenario_without_the_arrangement_is_the_scenario_with_its_share_returned_set_to_nothing(tmp_path):
    base = load("pilot_2025")
    path = tmp_path / "without.toml"
    path.write_text(scenario_without_arrangement(base, "Albania"))
    without = load(path)
    groups = {g.name: g for g in without.nationalities}
    albania = next(g for g in base.nationalities if g.name == "Albania")
    assert albania.own_returns_share > 0 and albania.own_returns_from == ARRANGEMENT
    assert groups["Albania"] == albania.model_copy(update={"own_returns_share": 0.0})
    assert [g.name for g in without.nationalities] == [g.name for g in base.nationalities]
    assert all(groups[g.name] == g for g in base.nationalities if g.name != "Albania")
    assert without.model_dump(exclude={"name", "description", "nationalities"}) == \
        base.model_dump(exclude={"name", "description", "nationalities"})


@pytest.mark.parametrize("shares, verdict", [
    ([0.05, 0.1, 0.2], "Across the 90% band the arrangement makes under half of the fall"),
    ([0.6, 0.8, 0.9], "Across the 90% band the arrangement makes most of the fall"),
    ([0.1, 0.5, 0.9], "cannot tell whether returns or the surge's end made the fall"),
])
def test_the_statement_says_which_mechanism_makes_the_fall(shares, verdict):
    nationalities = pd.DataFrame([
        {"run_id": f"{arm}-d{i:04d}", "month": pd.Timestamp(year, 6, 1), "nationality": "Albania",
         "arrivals": value}
        for i, share in enumerate(shares)
        for arm, year, value in (("pilot_2025", 2022, 10_000), ("pilot_2025", 2023, 1_000),
                                 (WITHOUT, 2022, 10_000), (WITHOUT, 2023, 1_000 + share * 9_000))]
        # another group's rows, which must not count
        + [{"run_id": f"{arm}-d{i:04d}", "month": pd.Timestamp(year, 6, 1), "nationality": "Iran", "arrivals": 5_000}
           for i in range(len(shares)) for arm in ("pilot_2025", WITHOUT) for year in (2022, 2023)])
    table = attribution_table(nationalities, "Albania", 2022, "pilot_2025", {i: {} for i in range(len(shares))})
    assert np.allclose(table["share_of_fall"], shares)
    assert verdict in statement(table, "Albania", ARRANGEMENT)


def test_the_report_ranks_the_reduction_against_each_parameter_and_counts_the_distinct_sets():
    rows = pd.DataFrame({"draw": range(6), "arrivals_2022": 10_000.0, "arrivals_2023": 1_000.0,
                         "arrivals_2023_without": [2_000.0, 3_000, 4_000, 5_000, 6_000, 7_000]})
    rows = rows.assign(averted=rows["arrivals_2023_without"] - rows["arrivals_2023"],
                       fall=rows["arrivals_2022"] - rows["arrivals_2023"])
    rows = rows.assign(share_of_fall=rows["averted"] / rows["fall"],
                       reduction=rows["averted"] / rows["arrivals_2023_without"],
                       loss_if_returned=[1.0, 2, 3, 4, 5, 6],        # rises with the reduction
                       report_reach=[6.0, 5, 4, 3, 2, 1],            # falls with it
                       returnee_salience=[3.0, 3, 3, 3, 3, 3])       # one value: no correlation to speak of
    corr = correlations(rows).set_index("parameter")
    assert corr.loc["loss_if_returned", "spearman_rho"] == pytest.approx(1.0)
    assert corr.loc["report_reach", "spearman_rho"] == pytest.approx(-1.0)
    assert np.isnan(corr.loc["returnee_salience", "spearman_rho"]) and set(corr["draws"]) == {6}
    assert "memory_half_life_days" not in corr.index   # a parameter the calibration did not draw is left out
    text = report(rows, "Albania", ARRANGEMENT, draws=6, seed=0)
    assert "the 6 draws hold 6 distinct parameter sets" in text and "| loss_if_returned | +1.00 |" in text
    repeated = rows.assign(loss_if_returned=[1.0, 1, 2, 2, 3, 3], report_reach=[1.0, 1, 2, 2, 3, 3])
    assert "the 6 draws hold 3 distinct parameter sets" in report(repeated, "Albania", ARRANGEMENT, 6, 0)


def test_attribute_refuses_bad_input_and_writes_nothing(tmp_path, capsys, data_dir):
    out = tmp_path / "a"
    with pytest.raises(SystemExit) as refused:   # argparse's own check
        main(["attribute", "--draws", "0", "--out", str(out)])
    assert refused.value.code == 2
    assert "draws must be a whole number of at least 1" in capsys.readouterr().err
    assert main(["attribute", "--calibration", str(tmp_path), "--out", str(out), "--quiet"]) == 2
    assert "holds no finished calibration" in capsys.readouterr().err
    empty = tmp_path / "data"
    empty.mkdir()
    assert main(["attribute", "--data", str(empty), "--out", str(out), "--quiet"]) == 2
    assert "nationality_arrivals.csv" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(CalibrationError, match="draws must be a whole number"):   # the API checks before writing
        attribute_fall(out, draws=0, serial=True, data_dir=data_dir, progress=False)
    assert not out.exists()
