"""Validation against the published arrivals by nationality: the rows' bands and the natural experiment."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from channelsim.experiments.inference.nationality_checks import coverage, episode_checks, row_checks


def _monthly(albanians_2022: list[float], albanians_2023: list[float], others: float = 1000.0) -> pd.DataFrame:
    """An ensemble of runs over 2022-2023: each run's Albanians spread evenly over the months."""
    rows = []
    for run, (a22, a23) in enumerate(zip(albanians_2022, albanians_2023, strict=True)):
        for month in pd.date_range("2022-01-01", "2023-12-01", freq="MS"):
            albanians = (a22 if month.year == 2022 else a23) / 12
            rows.append({"run_id": f"r{run}", "month": month, "nationality": "Albania", "arrivals": albanians})
            rows.append({"run_id": f"r{run}", "month": month, "nationality": "Iran", "arrivals": others})
    return pd.DataFrame(rows)


def _published(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period_start", "period_end", "nationality", "people", "share_of_known"])
    for c in ("period_start", "period_end"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


PUBLISHED = _published([
    ("2022-01-01", "2022-12-31", "Albania", 12000.0, 0.5),
    ("2023-01-01", "2023-12-31", "Albania", 900.0, 0.07),
    ("2023-01-01", "2023-12-31", "Iran", np.nan, 0.93),
    ("2023-01-01", "2023-12-31", "Turkey", 3000.0, 0.11),      # not a model group: left out
    ("2024-01-01", "2024-06-30", "Albania", 10.0, 0.01),       # outside the window: left out
])


def test_rows_inside_and_outside_their_bands():
    ensemble = _monthly([11000, 12000, 13000, 12500, 11500], [800, 900, 1000, 950, 850])
    checks = row_checks(ensemble, PUBLISHED, ["Albania", "Iran"], dt.date(2022, 1, 1), dt.date(2023, 12, 31))
    assert list(checks["nationality"]) == ["Albania", "Albania", "Iran"]
    first = checks.iloc[0]
    assert first["count_inside"] and first["people_5"] < 12000 < first["people_95"]
    # the model's Albanian share of 2022 is about 12000 / 24000 = 0.5: inside
    assert first["share_inside"] and first["share_median"] == pytest.approx(0.5, abs=0.01)
    assert np.isnan(checks.iloc[2]["count_inside"])   # no count published for Iran
    cov = coverage(checks)
    assert cov["rows"] == 3 and cov["count_rows"] == 2

    far = _monthly([2000] * 5, [800, 900, 1000, 950, 850])
    missed = row_checks(far, PUBLISHED, ["Albania", "Iran"], dt.date(2022, 1, 1), dt.date(2023, 12, 31))
    assert not missed.iloc[0]["count_inside"] and not missed.iloc[0]["share_inside"]
    assert coverage(missed)["count_coverage"] == pytest.approx(0.5)


def test_the_episode_bands_the_two_years_and_the_fall():
    ensemble = _monthly([11000, 12000, 13000, 12500, 11500], [800, 900, 1000, 950, 850])
    table = episode_checks(ensemble, PUBLISHED, "Albania", dt.date(2022, 12, 13), dt.date(2018, 1, 1),
                           dt.date(2025, 7, 31))
    assert table.loc["2022", "inside"] and table.loc["2023", "inside"]
    assert table.loc["change 2022 to 2023 (%)", "observed"] == pytest.approx(100 * (900 / 12000 - 1))
    assert table.loc["change 2022 to 2023 (%)", "inside"]

    no_fall = _monthly([11000, 12000, 13000, 12500, 11500], [11000, 12000, 13000, 12500, 11500])
    table = episode_checks(no_fall, PUBLISHED, "Albania", dt.date(2022, 12, 13), dt.date(2018, 1, 1),
                           dt.date(2025, 7, 31))
    assert not table.loc["2023", "inside"] and not table.loc["change 2022 to 2023 (%)", "inside"]


def test_no_episode_check_without_both_years_in_the_window_or_the_data():
    ensemble = _monthly([12000] * 3, [900] * 3)
    assert episode_checks(ensemble, PUBLISHED, "Albania", dt.date(2022, 12, 13), dt.date(2023, 1, 1),
                          dt.date(2025, 7, 31)) is None
    assert episode_checks(ensemble, PUBLISHED[PUBLISHED["period_start"].dt.year != 2023], "Albania",
                          dt.date(2022, 12, 13), dt.date(2018, 1, 1), dt.date(2025, 7, 31)) is None
