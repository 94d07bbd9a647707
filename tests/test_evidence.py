"""Deterrence answerable to evidence: the model variants, their joint calibration (pyabc's model choice),
prior-predictive draws, the model comparison, the recovery test's machinery and the forecast."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from channelsim.experiments.cli import main
from channelsim.experiments.inference.posterior import load_calibration, prior_calibration
from channelsim.experiments.inference.settings import VARIANT_DROPS, VARIANTS, CalibrationError, Settings
from channelsim.model import run

TINY = Settings(population=6, generations=2, budget=12, seed=3, start="2025-03-01", priors="deterrence",
                variants=("full", "null_model"))


@pytest.fixture(scope="module")
def two_models(tmp_path_factory, data_dir):
    from channelsim.experiments.inference.abc_smc import calibrate

    return calibrate(tmp_path_factory.mktemp("mm") / "cal", TINY, workers=2, data_dir=data_dir, progress=False)


# --- the variants ------------------------------------------------------------------------------------------
def test_in_the_null_model_returns_and_the_announcement_move_no_ones_beliefs(data_dir):
    kwargs = dict(seed=4, start="2025-05-01", end="2025-12-31", warmup_days=60, data_dir=data_dir)
    null = run("pilot_2025", return_evidence="none", **kwargs).series
    before = null["date"] < pd.Timestamp("2025-07-10")
    assert null["returns"].sum() > 0
    # the perceived return probability drifts only with arrivals' own prior, not with the pilot:
    # the null model under the pilot is the null model under no deal, day for day, in beliefs
    no_deal = run("no_deal", return_evidence="none", **kwargs).series
    np.testing.assert_allclose(null.loc[before, "perceived_return_probability"],
                               no_deal.loc[before, "perceived_return_probability"])
    after = ~before
    full = run("pilot_2025", **kwargs).series
    gap_null = (null.loc[after, "perceived_return_probability"] - no_deal.loc[after, "perceived_return_probability"])
    gap_full = (full.loc[after, "perceived_return_probability"] - no_deal.loc[after, "perceived_return_probability"])
    assert gap_full.mean() > 0.01 and abs(gap_null.mean()) < gap_full.mean() / 5


def test_announcement_only_beliefs_ignore_returns(data_dir):
    kwargs = dict(seed=4, start="2025-05-01", end="2025-12-31", warmup_days=60, data_dir=data_dir,
                  return_evidence="announcement")
    with_returns = run("pilot_2025", **kwargs).series
    without = run("announcement_only", **kwargs).series
    assert with_returns["returns"].sum() > 0 and without["returns"].sum() == 0
    # the announcement alone moves beliefs; the returns add nothing to them in this variant
    assert without["perceived_return_probability"].max() > without["perceived_return_probability"].iloc[0]
    a = with_returns.set_index("date")["perceived_return_probability"]
    b = without.set_index("date")["perceived_return_probability"]
    assert (a - b).abs().max() < 0.05 * a.max()


def test_settings_take_variants_as_a_list_or_comma_text_and_refuse_unknown_ones():
    assert Settings(variants="full, null_model").variants == ("full", "null_model")
    assert Settings(variants=["announcement"]).variants == ("announcement",)
    for bad in ("full,full", "nul", ""):
        with pytest.raises(CalibrationError, match="variants must be distinct names"):
            Settings(variants=bad).check()
    s = Settings(priors="deterrence", variants=tuple(VARIANTS))
    for v in VARIANTS:
        assert not set(VARIANT_DROPS[v]) & set(s.variant_free(v))
    assert set(s.all_free) == set(s.variant_free("full"))


def test_prior_draws_share_the_common_parameters_across_variants():
    s = Settings(priors="deterrence", variants=("full", "null_model"))
    prior = prior_calibration({v: s.variant_free(v) for v in s.variants}, 50, seed=2)
    full, null = prior.draws(8, 1, "full"), prior.draws(8, 1, "null_model")
    for a, b in zip(full, null, strict=True):
        assert a["return_evidence"] == "full" and b["return_evidence"] == "none"
        assert "returnee_salience" in a and "returnee_salience" not in b
        assert a["inflow_ceiling_per_day"] == b["inflow_ceiling_per_day"]
    for name, (lo, hi) in s.variant_free("full").items():
        assert prior.posterior[name].dropna().between(lo, hi).all(), name
    assert prior_calibration({"full": s.variant_free("full")}, 5, 3).posterior.equals(
        prior_calibration({"full": s.variant_free("full")}, 5, 3).posterior)


# --- model choice ----------------------------------------------------------------------------------------
def test_a_calibration_of_two_variants_records_each_particles_model_and_their_probabilities(two_models):
    post = two_models.posterior
    assert set(post["variant"]) <= {"full", "null_model"} and len(post) == TINY.population
    probs = two_models.model_probabilities
    assert set(probs) == {"full", "null_model"} and sum(probs.values()) == pytest.approx(1.0)
    prov = two_models.provenance
    assert prov["variants"]["null_model"]["overrides"] == {"return_evidence": "none"}
    assert prov["data_window"] == ["2025-03-01", "2026-02-01"]
    for g in prov["model_probabilities"]:
        assert sum(g[v] for v in ("full", "null_model")) == pytest.approx(1.0)
    # each generation's particles and effective sample size within each variant (what its kernel rests on)
    for g in prov["generations"]:
        by = g["by_variant"]
        assert sum(v["particles"] for v in by.values()) == TINY.population
        assert all(0 <= v["effective_sample_size"] <= v["particles"] + 1e-9 for v in by.values())
    chosen = prov["generations"][prov["posterior_generation"]]["by_variant"]   # the posterior's generation
    assert {v: int((post["variant"] == v).sum()) for v in chosen} == {v: chosen[v]["particles"] for v in chosen}
    # a null-model particle has no parameter that does nothing in it
    null_rows = post[post["variant"] == "null_model"]
    assert null_rows["returnee_salience"].isna().all()
    for theta, v in zip(two_models.draws(10, 0), two_models.draw_variants(10, 0), strict=True):
        assert theta["return_evidence"] == VARIANTS[v]["return_evidence"]


def test_seasonal_naive_baselines():
    from channelsim.experiments.inference.validation import seasonal_naive

    days = pd.date_range("2023-01-01", "2025-12-31", freq="D")
    daily = pd.Series(np.select([days.year == 2023, days.year == 2024], [1.0, 2.0], 3.0), index=days)
    ahead = pd.period_range("2025-08", "2025-10", freq="M")
    periods = [(m.start_time, m.end_time.normalize()) for m in ahead]
    origin = dt.date(2025, 7, 31)
    # the same months of 2024, at 2 a day
    np.testing.assert_allclose(seasonal_naive(daily, periods, origin, trend=False), [62.0, 60.0, 62.0])
    # the twelve months to July 2025 (Aug-Dec 2024 at 2, Jan-Jul 2025 at 3) against the twelve before
    ratio = (153 * 2 + 212 * 3) / (153 * 1 + 213 * 2)   # 2024 is a leap year: Jan-Jul 2024 has 213 days
    np.testing.assert_allclose(seasonal_naive(daily, periods, origin, trend=True), np.array([62, 60, 62]) * ratio)
    # a February after a leap year reads the 29th; a part month reads the same days; a lead past a year
    # goes back two years (never past the origin), its trend squared
    feb = seasonal_naive(daily, [(pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-28")),
                                 (pd.Timestamp("2025-02-02"), pd.Timestamp("2025-02-10"))], dt.date(2025, 1, 31),
                         trend=False)
    np.testing.assert_allclose(feb, [29 * 2.0, 9 * 2.0])
    far = [(pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-30"))]
    origin = dt.date(2024, 7, 31)
    assert seasonal_naive(daily, far, origin, trend=False)[0] == 30 * 1.0   # September 2023
    # the year to July 2024 (Aug-Dec 2023 at 1, Jan-Jul 2024 at 2) against the year before (Jan-Jul 2023 at 1)
    ratio = (153 * 1 + 213 * 2) / (212 * 1)
    assert seasonal_naive(daily, far, origin, trend=True)[0] == pytest.approx(30 * ratio ** 2)


def test_compare_models_writes_probabilities_and_rolling_origin_scores(two_models, tmp_path, data_dir, capsys):
    out = tmp_path / "mc"
    assert main(["compare-models", "--calibration", str(two_models.folder), "--draws", "3", "--keep", "0.67",
                 "--workers", "2", "--out", str(out), "--data", str(data_dir)]) == 0
    printed = capsys.readouterr().out
    assert "model probabilities" in printed and "Forecast from 2025-07-31" in printed
    scores = pd.read_csv(out / "model_choice.csv")
    assert set(scores["origin"]) == {"2025-07-31", "2025-10-31"}
    assert set(scores["forecaster"]) == {"full", "null_model", "seasonal naive", "trend-adjusted seasonal naive"}
    assert (scores.loc[scores["origin"] == "2025-07-31", "months"] == 6).all()
    assert (scores.loc[scores["origin"] == "2025-10-31", "months"] == 3).all()
    # the seasonal naive's score is its mean absolute error against the Home Office's months
    from channelsim.experiments.inference.targets import read_observed

    obs = read_observed(data_dir).monthly_arrivals(dt.date(2018, 1, 1), dt.date(2026, 2, 1))
    months = pd.period_range("2025-11", "2026-01", freq="M")
    naive = np.mean(np.abs(obs.loc[months].to_numpy() - obs.loc[months - 12].to_numpy()))
    row = scores[(scores["origin"] == "2025-10-31") & (scores["forecaster"] == "seasonal naive")]
    assert row["crps"].iloc[0] == pytest.approx(naive)
    probs = pd.read_csv(out / "model_probabilities.csv")
    assert probs["method"].str.startswith("ABC-SMC").sum() == len(two_models.provenance["model_probabilities"])
    assert np.allclose(probs[["full", "null_model"]].sum(axis=1), 1.0)
    assert (out / "model_choice.png").stat().st_size > 20_000
    report = (out / "model_choice.md").read_text()
    assert "Rolling-origin forecasts" in report and ("cannot tell" in report or "favour" in report)


def test_compare_models_refuses_a_folder_without_a_calibration(tmp_path, capsys):
    assert main(["compare-models", "--draws", "2", "--out", str(tmp_path / "mc"), "--calibration",
                 str(tmp_path / "none")]) == 2
    assert "holds no finished calibration" in capsys.readouterr().err
    assert not (tmp_path / "mc").exists()


# --- the recovery test's machinery (not its verdict: that needs the committed budget) ------------------
def test_recovery_makes_synthetic_series_and_calibrates_on_them(tmp_path, data_dir, capsys):
    out = tmp_path / "rec"
    args = ["recover", "--population", "4", "--max-simulations", "8", "--generations", "2", "--start", "2025-05-01",
            "--draws", "2", "--workers", "2", "--out", str(out), "--data", str(data_dir)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "no_deterrence: true effect" in printed and "strong_deterrence: true effect" in printed
    table = pd.read_csv(out / "recovery.csv").set_index("truth")
    assert list(table.index) == ["no_deterrence", "strong_deterrence"]
    # the truths differ as made: strong deterrence's true effect is a clear fall, the null's about none
    assert table.loc["strong_deterrence", "true_effect_median"] < -0.05
    assert abs(table.loc["no_deterrence", "true_effect_median"]) < 0.05
    assert table["verdict"].str.match(r"(recovered|partly|NOT recovered)").all()
    from channelsim.experiments.inference.targets import read_observed

    synthetic, real = read_observed(out / "no_deterrence" / "data"), read_observed(data_dir)
    assert synthetic.daily["date"].min() == pd.Timestamp("2025-05-01")
    merged = synthetic.daily.merge(real.daily, on="date", suffixes=("_syn", "_real"))
    assert not np.array_equal(merged["migrants_arrived_syn"], merged["migrants_arrived_real"])
    cal = load_calibration(out / "strong_deterrence" / "calibration")
    assert set(cal.provenance["variants"]) == {"full", "null_model"}
    assert cal.provenance["data_files"]["small_boats_daily.csv"] != load_calibration(
        out / "no_deterrence" / "calibration").provenance["data_files"]["small_boats_daily.csv"]
    # resumable: a second call reuses every finished piece and gives the same table
    assert main(args) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "recovery.csv").set_index("truth"), table)


# --- the forecast and the counterfactual's sources -----------------------------------------------------
def test_forecast_by_month_from_the_day_after_the_data(two_models, tmp_path, data_dir, capsys):
    out = tmp_path / "fc"
    assert main(["forecast", "--calibration", str(two_models.folder), "--draws", "3", "--end", "2026-04-30",
                 "--workers", "2", "--out", str(out), "--data", str(data_dir)]) == 0
    assert "2026-02: median" in capsys.readouterr().out
    table = pd.read_csv(out / "forecast.csv").set_index("month")
    assert list(table.index) == ["2026-02", "2026-03", "2026-04"]
    assert (table["q05"] <= table["q25"]).all() and (table["q25"] <= table["median"]).all()
    assert (table["median"] <= table["q75"]).all() and (table["q75"] <= table["q95"]).all()
    years = pd.read_csv(out / "in_sample.csv").set_index("year")
    assert list(years.index) == list(range(2019, 2026))
    raw = pd.read_csv(data_dir / "small_boats_daily.csv", parse_dates=["date"])
    assert years.loc[2024, "observed"] == raw.loc[raw["date"].dt.year == 2024, "migrants_arrived"].sum()
    assert (out / "forecast.png").stat().st_size > 20_000
    beliefs = pd.read_csv(out / "beliefs.csv").set_index("day")
    assert list(beliefs.index) == ["2025-07-09", "2025-12-31", "2026-02-01"]   # the days up to the forecast's end
    assert beliefs["perceived_median"].between(0, 1).all()
    # the Home Office's share returned, September to December 2025: returns over arrivals
    returned = pd.read_csv(data_dir / "one_in_one_out_monthly.csv").set_index("month")["returned_to_france"]
    arrivals = raw.loc[(raw["date"] >= "2025-09-01") & (raw["date"] <= "2025-12-31"), "migrants_arrived"].sum()
    assert beliefs.loc["2025-12-31", "observed_share_returned"] == pytest.approx(
        returned.loc["2025-09":"2025-12"].sum() / arrivals, rel=1e-3)
    assert main(["forecast", "--end", "2026-01-01", "--draws", "1", "--out", str(tmp_path / "bad")]) == 2
    assert "must come after its start" in capsys.readouterr().err


def test_the_counterfactual_sets_prior_against_posterior_effects_for_every_variant(two_models, tmp_path,
                                                                                     data_dir):
    from channelsim.experiments.inference.counterfactual import counterfactual

    out = tmp_path / "cf"
    counterfactual(out, two_models, draws=2, seed=1, arms=("announcement_only",), evidence_draws=2, workers=2,
                   data_dir=data_dir, progress=False)
    table = pd.read_csv(out / "effect_by_source.csv")
    present = {v for v, p in two_models.model_probabilities.items() if p > 0}
    expected = {("prior", "full"), ("prior", "null_model")} | {("posterior", v) for v in present}
    assert set(zip(table["source"], table["variant"], strict=True)) == expected
    assert set(table["arm"]) == {"pilot_published", "announcement_only"}
    prior = table[table["source"] == "prior"].set_index(["variant", "arm", "outcome"])
    # the null model's announcement does nothing: its announcement-only arm is no deal, draw by draw
    row = prior.loc[("null_model", "announcement_only", "arrivals")]
    assert row["change_5"] == row["change_95"] == 0
    assert "How much the data moved the answer" in (out / "summary.md").read_text()


def test_the_upstream_response_is_smooth_with_no_floor():
    from channelsim.agents.coast import upstream_attractiveness

    cap = 2.0

    ref = np.array([2.0, 2.0])
    value = np.linspace(-4.0, 6.0, 201)
    a = np.array([upstream_attractiveness(np.array([v, v]), ref, 1.5, cap)[0] for v in value])
    assert upstream_attractiveness(ref, ref, 1.5, cap) == pytest.approx([1.0, 1.0])
    assert (np.diff(a) >= 0).all() and a.max() == cap
    # a UK worth nothing draws exp(-elasticity) of the reference flow, worth less than nothing less still:
    # smooth through zero, no jump to a floor
    assert upstream_attractiveness(np.array([0.0]), ref[:1], 1.5, cap)[0] == pytest.approx(np.exp(-1.5))
    below = a[value < 0]
    assert (below > 0).all() and np.max(np.abs(np.diff(np.log(a[a < cap])))) < 0.1
    assert upstream_attractiveness(np.array([-4.0]), ref[:1], 0.0, cap)[0] == 1.0   # elasticity 0: no response


def test_parameter_labels_say_what_was_calibrated_and_what_was_set_by_hand():
    from channelsim.core.params import describe
    from channelsim.experiments.inference.settings import PRIOR_SETS

    rows = {r["name"]: r for r in describe()}
    fitted = set(PRIOR_SETS["deterrence"])
    for name in ("value_asylum", "value_work", "returnee_contacts", "announcement_strength"):
        assert name not in fitted
        assert rows[name]["source"].lower().startswith("hand-set"), (name, rows[name]["source"])
    for name in ("announced_return_probability", "returnee_salience", "announcement_credibility"):
        assert name in fitted and "calibrated" in rows[name]["source"].lower(), name
    # "calibrated" only where a calibration prior fits it
    from channelsim.experiments.inference.settings import ALL_FREE_PARAMETERS

    claimed = {n for n, r in rows.items() if r["source"].lower().startswith("calibrated")}
    assert claimed <= set(ALL_FREE_PARAMETERS), sorted(claimed - set(ALL_FREE_PARAMETERS))


def test_a_fractional_weekly_quota_is_carried_so_the_schedule_is_delivered_whole():
    from types import SimpleNamespace

    from channelsim.agents.border_force import BorderForce

    state = SimpleNamespace(_carry={"select": 0.0, "remove": 0.0})
    # 17 returns in a 30-day month: 3.97 a week, not int(3.97) = 3 a week
    weekly = [17 * 7 / 30] * 4 + [17 * 2 / 30]
    whole = [BorderForce._whole(state, "remove", due) for due in weekly]
    assert whole == [3, 4, 4, 4, 2] and sum(whole) == 17
    assert state._carry["remove"] == pytest.approx(0.0, abs=1e-9) and state._carry["select"] == 0.0


def test_the_recovery_verdict_says_which_way_it_went():
    from channelsim.experiments.inference.recovery import verdict

    null = {"truth": "no_deterrence", "true_effect_median": -0.01, "true_effect_min": -0.03, "true_effect_max": 0.01}
    assert verdict({**null, "recovered_effect_5": -0.05, "recovered_effect_95": 0.02,
                    "p_null_model": 0.8}).startswith("recovered")
    assert verdict({**null, "recovered_effect_5": -0.05, "recovered_effect_95": 0.02,
                    "p_null_model": 0.3}).startswith("partly")
    assert verdict({**null, "recovered_effect_5": -0.4, "recovered_effect_95": -0.1,
                    "p_null_model": 0.3}).startswith("NOT recovered")
    strong = {"truth": "strong_deterrence", "true_effect_median": -0.24, "true_effect_min": -0.27,
              "true_effect_max": -0.17, "p_null_model": 0.2}
    assert verdict({**strong, "recovered_effect_median": -0.2, "recovered_effect_5": -0.3,
                    "recovered_effect_95": -0.1}).startswith("recovered")
    assert verdict({**strong, "recovered_effect_median": -0.05, "recovered_effect_5": -0.08,
                    "recovered_effect_95": -0.02}).startswith("partly: the sign")
    assert verdict({**strong, "recovered_effect_median": -0.01, "recovered_effect_5": -0.3,
                    "recovered_effect_95": 0.03}).startswith("NOT recovered")


def test_the_model_choice_verdict_reads_the_probabilities_and_the_scores():
    from channelsim.experiments.inference.model_choice import verdict

    scores = pd.DataFrame({"origin": ["2025-07-31"] * 4,
                           "forecaster": ["full", "null_model", "seasonal naive", "trend-adjusted seasonal naive"],
                           "crps": [300.0, 310.0, 900.0, 2000.0]})
    text = verdict({"full": 0.52, "null_model": 0.48}, scores, ("full", "null_model"))
    assert "cannot tell full from null_model" in text and "about equally well" in text
    assert "Every variant beats the naive forecasts" in text
    scores.loc[1, "crps"] = 1000.0
    text = verdict({"full": 0.9, "null_model": 0.1}, scores, ("full", "null_model"))
    assert "favour full over null_model by 9.0 to 1" in text and "full forecasts best" in text
    assert "Every variant beats" not in text
