"""The Home Office series: read from the shared CSVs or the publication's ODS workbook; targets from data or model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from channelsim.core.data import DataError, convert, download, read_small_boats
from channelsim.experiments.inference.targets import PUBLIC_FIGURES, layout_of, observed, targets

REPO = Path(__file__).resolve().parents[1]


def workbook(path: Path, daily: pd.DataFrame, weekly: pd.DataFrame, drop_sheet: str | None = None) -> Path:
    """A workbook in the publication's layout: cover and contents sheets, title rows, its own wording."""
    def sheet(frame: pd.DataFrame, header: list[str]) -> pd.DataFrame:
        body = frame.copy()
        first = body.columns[0]
        body[first] = pd.to_datetime(body[first]).dt.strftime("%d/%m/%Y").astype(object)  # the workbook's form
        for col in body.columns[1:]:
            body[col] = ["-" if np.isnan(v) else int(v) for v in body[col]]
        rows = [["Migrants detected crossing the English Channel in small boats"] + [""] * (len(header) - 1),
                ["Source: Home Office"] + [""] * (len(header) - 1), header]
        return pd.DataFrame(rows + body.values.tolist())

    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame([["Cover"]]).to_excel(writer, sheet_name="Cover", header=False, index=False)
        pd.DataFrame([["Contents"]]).to_excel(writer, sheet_name="Contents", header=False, index=False)
        if drop_sheet != "SB_01":
            sheet(daily, ["Date", "Migrants arrived", "Boats arrived",
                          "Boats arrived - involved in uncontrolled landings"]).to_excel(
                writer, sheet_name="SB_01", header=False, index=False)
        if drop_sheet != "SB_02":
            sheet(weekly, ["Week ending", "Migrants arrived", "Boats arrived",
                           "Boats arrived - involved in uncontrolled landings", "Migrants prevented",
                           "Events prevented"]).to_excel(writer, sheet_name="SB_02", header=False, index=False)
    return path


@pytest.fixture(scope="module")
def shared(data_dir):
    return (read_small_boats(data_dir / "small_boats_daily.csv", "daily"),
            read_small_boats(data_dir / "small_boats_weekly.csv", "weekly"))


def test_the_ods_workbook_reads_exactly_as_the_shared_csvs(tmp_path, shared):
    daily, weekly = shared[0].iloc[-120:].reset_index(drop=True), shared[1].iloc[-30:].reset_index(drop=True)
    path = workbook(tmp_path / "small_boats.ods", daily, weekly)
    pd.testing.assert_frame_equal(read_small_boats(path, "daily"), daily, check_dtype=False)
    pd.testing.assert_frame_equal(read_small_boats(path, "weekly"), weekly, check_dtype=False)
    written = convert(path, tmp_path / "out")
    again = read_small_boats(written[0], "daily")
    pd.testing.assert_frame_equal(again, daily, check_dtype=False)


@pytest.mark.parametrize("change, message", [
    ("no_sheet", "no sheet SB_01"),
    ("bad_number", "'many' in column 'migrants_arrived' is not a number"),
    ("bad_date", "'31/02/2025' in column 'date' is not a date"),
    ("no_header", "no header row"),
])
def test_malformed_workbooks_are_named_and_explained(tmp_path, shared, change, message):
    daily, weekly = shared[0].iloc[-10:].reset_index(drop=True), shared[1].iloc[-3:].reset_index(drop=True)
    path = tmp_path / "bad.ods"
    if change == "no_sheet":
        workbook(path, daily, weekly, drop_sheet="SB_01")
    else:
        workbook(path, daily, weekly)
        raw = pd.read_excel(path, sheet_name=None, header=None, engine="odf")
        if change == "bad_number":
            raw["SB_01"].iloc[5, 1] = "many"
        elif change == "bad_date":
            raw["SB_01"].iloc[5, 0] = "31/02/2025"
        else:
            raw["SB_01"].iloc[2, 1] = "Something else"
        with pd.ExcelWriter(path, engine="odf") as writer:
            for name, frame in raw.items():
                frame.to_excel(writer, sheet_name=name, header=False, index=False)
    with pytest.raises(DataError, match=message) as err:
        read_small_boats(path, "daily")
    assert str(path) in str(err.value)


def test_malformed_csvs_are_explained(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text("date,migrants_arrived,boats_arrived\n2025-01-01,5,1\n2025-01-01,6,1\n")
    with pytest.raises(DataError, match="appears twice"):
        read_small_boats(path)
    path.write_text("date,migrants_arrived\n2025-01-01,5\n")
    with pytest.raises(DataError, match="missing column.*boats_arrived"):
        read_small_boats(path)
    path.write_text("date,migrants_arrived,boats_arrived\n2025-01-01,-5,1\n")
    with pytest.raises(DataError, match="negative"):
        read_small_boats(path)


def test_download_failure_is_a_clear_error_and_writes_nothing(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "data"
    proc = subprocess.run([sys.executable, "-m", "channelsim", "data", "download", "--url",
                           f"http://127.0.0.1:{port}/publication", "--out", str(out)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2 and "cannot download" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
    with pytest.raises(DataError, match="cannot download"):
        download(out, url=f"http://127.0.0.1:{port}/")


def test_download_refreshes_the_user_data_folder_and_completes_it_from_the_folder_in_use(tmp_path, shared,
                                                                                         data_dir, monkeypatch):
    from channelsim.core.data import DATA_FILES, user_data_dir

    daily, weekly = shared[0].iloc[-60:].reset_index(drop=True), shared[1].iloc[-10:].reset_index(drop=True)
    path = workbook(tmp_path / "small_boats.ods", daily, weekly)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("CHANNELSIM_DATA", str(data_dir))
    written = download(url=path.as_uri())
    folder = user_data_dir()
    assert folder.is_relative_to(tmp_path / "xdg")
    assert {p.name for p in written} == set(DATA_FILES) == {p.name for p in folder.iterdir()}
    # the workbook's two series are the download's; the rest come from the folder in use, unchanged
    pd.testing.assert_frame_equal(read_small_boats(folder / "small_boats_daily.csv", "daily"), daily,
                                  check_dtype=False)
    for name in ("nationality_arrivals.csv", "one_in_one_out_monthly.csv"):
        assert (folder / name).read_bytes() == (data_dir / name).read_bytes()


def test_without_a_folder_given_the_refreshed_copy_comes_before_the_packaged_snapshot(tmp_path, data_dir,
                                                                                     monkeypatch):
    """The lookup order when nothing names a folder: ../shared/data beside the checkout or the working
    folder, then the copy `channelsim data download` refreshed, then the snapshot shipped in the package."""
    import shutil

    from channelsim.core import data

    def filled(folder):
        shutil.copytree(data_dir, folder)
        return folder

    monkeypatch.delenv("CHANNELSIM_DATA", raising=False)
    monkeypatch.setattr(data, "checkout_dir", lambda: tmp_path / "site" / "packages")
    (tmp_path / "work" / "here").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work" / "here")
    user, packaged = tmp_path / "user" / "data", filled(tmp_path / "packaged")
    monkeypatch.setattr(data, "user_data_dir", lambda: user)
    monkeypatch.setattr(data, "packaged_data_dir", lambda: packaged)
    assert data.data_dir() == packaged           # no refreshed copy yet
    user.mkdir(parents=True)
    assert data.data_dir() == packaged           # an empty one does not count
    filled(user / "copy")
    for f in (user / "copy").iterdir():
        f.rename(user / f.name)
    assert data.data_dir() == user
    shared = filled(tmp_path / "work" / "shared" / "data")
    assert data.data_dir() == shared             # ../shared/data from the working folder
    beside = filled(tmp_path / "site" / "shared" / "data")
    assert data.data_dir() == beside             # ../shared/data beside the checkout comes first
    assert data.data_dir(tmp_path / "packaged") == tmp_path / "packaged"   # a folder given is used as it is
    monkeypatch.setenv("CHANNELSIM_DATA", str(user))
    assert data.data_dir() == user


def test_cli_convert_refuses_a_malformed_file_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,migrants_arrived,boats_arrived\nyesterday,1,1\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "channelsim", "data", "convert", str(bad), "--out", str(out)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2 and "not a date" in proc.stderr
    assert not out.exists() or not list(out.glob("*.csv"))


def test_observed_targets_match_the_published_figures(data_dir):
    t = observed(data_dir)
    assert t.arrivals_by_year[2022] == 45_755 and t.boats_by_year[2022] == 1_110
    assert t.people_per_boat_by_year[2020] == pytest.approx(13.2, abs=0.05)
    assert t.people_per_boat_by_year[2024] == pytest.approx(53.0, abs=0.05)
    assert t.share_of_days_with_arrivals[2022] == pytest.approx(162 / 365)
    assert t.prevented_share_by_year[2024] == pytest.approx(0.418, abs=0.001)   # May-Dec 2024
    assert t.prevented_share_by_year[2025] == pytest.approx(0.351, abs=0.001)   # all 2025 (38.0% before 10 July)
    assert t.seasonal_profile.sum() == pytest.approx(1.0)
    assert t.monthly_arrivals.sum() == t.arrivals_by_year.sum()
    assert set(t.table()["statistic"]) >= {"monthly_arrivals", "people_per_boat_by_year", "prevented_share_by_year"}
    assert PUBLIC_FIGURES["albanian_arrivals"][0][2023] == 924


def test_the_same_targets_summarise_a_model_run(pilot_2025):
    t = targets(*layout_of(pilot_2025.series))
    assert t.arrivals_by_year[2025] == pilot_2025.series["arrivals"].sum()
    assert 0 < t.prevented_share_by_year[2025] < 1
    assert len(t.monthly_arrivals) == 12


def test_files_as_a_real_download_may_come_are_read_as_the_shared_ones(tmp_path, data_dir):
    """A byte-order mark, Windows line ends and thousands separators change nothing."""
    shared = data_dir
    from channelsim.core.data import read_one_in_one_out
    from channelsim.core.nationality_data import read_nationality_arrivals

    monthly = (shared / "one_in_one_out_monthly.csv").read_text()
    (tmp_path / "monthly.csv").write_bytes(b"\xef\xbb\xbf" + monthly.replace("\n", "\r\n").encode())
    as_published = read_one_in_one_out(shared / "one_in_one_out_monthly.csv")
    assert read_one_in_one_out(tmp_path / "monthly.csv").equals(as_published)
    table = pd.read_csv(shared / "nationality_arrivals.csv", dtype=str)
    table["people"] = table["people"].map(lambda v: f"{int(v):,}" if isinstance(v, str) else v)
    assert table["people"].str.contains(",", na=False).any()
    table.to_csv(tmp_path / "nationalities.csv", index=False)
    pd.testing.assert_frame_equal(read_nationality_arrivals(tmp_path / "nationalities.csv"),
                                  read_nationality_arrivals(shared / "nationality_arrivals.csv"))


def test_a_series_with_a_day_missing_is_refused_rather_than_read_as_none_crossing(tmp_path, data_dir):
    shared = data_dir
    lines = (shared / "small_boats_daily.csv").read_text().splitlines(keepends=True)
    march = [i for i, line in enumerate(lines) if line.startswith("2022-03-")]
    (tmp_path / "daily.csv").write_text("".join(lines[:march[0]] + lines[march[-1] + 1:]))
    with pytest.raises(DataError, match="2022-04-01 follows 2022-02-28; the series needs every day in between"):
        read_small_boats(tmp_path / "daily.csv")
