"""channelsim as others receive it: the API reference builds without warnings, the licence and citation
match the package, the README's figures are the code's, and `pip install .` gives a working command."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
README = (REPO / "README.md").read_text()


def test_the_licence_file_matches_pyproject_and_the_citation_file_the_version():
    licence = PYPROJECT["project"]["license"]
    assert licence == "MIT" and PYPROJECT["project"]["license-files"] == ["LICENSE"]
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    citation = (REPO / "CITATION.cff").read_text()
    assert f'version: "{PYPROJECT["project"]["version"]}"' in citation and "license: MIT" in citation
    assert "cff-version: 1.2.0" in citation


def test_the_extras_split_running_from_the_heavy_tools_testing_docs_and_notebooks():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"sweeps", "cluster", "calibration", "explorer", "all", "test", "docs", "notebook"} <= set(extras)
    assert any(r.startswith("jupyterlab") for r in extras["notebook"])
    assert "channelsim[docs]" in extras["test"] and "channelsim[all]" in extras["test"], \
        "CI (the test extra) must have the docs tools and every extra"
    runtime = " ".join(PYPROJECT["project"]["dependencies"])
    for heavy in ("pytest", "mkdocs", "dask", "pyabc", "solara", "SALib", "ema-workbench", "scoringrules"):
        assert heavy not in runtime, f"{heavy} belongs in an extra: a plain install runs a scenario"
    from channelsim.experiments.cli import EXTRAS

    for module, extra in EXTRAS.items():   # the CLI's message names an extra that exists
        assert extra in extras, (module, extra)
    makefile = (REPO / "Makefile").read_text()
    for target in ("run:", "test:", "bench:", "docs:", "notebook:"):
        assert f"\n{target}" in makefile
    assert "-e .\n" in makefile and "ruff check" in makefile and "lint-imports" in makefile


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The wheel and the sdist, built from the checkout by `python -m build` (as CI builds them)."""
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--sdist", "--outdir",
                            str(out), str(REPO)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    return out


def test_the_sdist_and_the_wheel_carry_the_package_its_data_and_scenarios(dist, data_dir):
    import tarfile
    import zipfile

    from channelsim.core.data import DATA_FILES

    archive = zipfile.ZipFile(next(dist.glob("channelsim-*.whl")))
    wheel = archive.namelist()
    sdist = tarfile.open(next(dist.glob("channelsim-*.tar.gz"))).getnames()
    # the data are copied from the configured folder at build time (setup.py), never committed
    assert not [n for n in subprocess.run(["git", "-C", str(REPO), "ls-files", "channelsim/data"],
                                          capture_output=True, text=True).stdout.split() if n.endswith(".csv")]
    for name in DATA_FILES:
        assert archive.read(f"channelsim/data/{name}") == (data_dir / name).read_bytes()
        assert any(n.endswith(f"channelsim/data/{name}") for n in sdist)
    assert "channelsim/core/scenarios/pilot_published.toml" in wheel
    assert "channelsim/experiments/inference/calibration/posterior.csv" in wheel
    # one package: nothing installs as a top-level core, agents, model or experiments
    assert {n.split("/")[0] for n in wheel} <= {"channelsim", next(n.split("/")[0] for n in wheel
                                                                   if n.endswith(".dist-info/METADATA"))}


def test_pip_install_the_wheel_into_a_fresh_venv_then_run_with_no_data_folder(tmp_path, dist):
    """A plain (non-editable) install of the wheel and its dependencies (from the package registry) into
    a new venv, then `channelsim run --days 30` and `channelsim.run(...)` from a folder with no data
    beside it, CHANNELSIM_DATA unset and an empty user data folder: they read the packaged snapshot."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    wheel = next(dist.glob("channelsim-*.whl"))
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                             capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-3000:]
    home = tmp_path / "home"
    work = tmp_path / "work" / "elsewhere"     # ../shared/data does not exist from here
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CHANNELSIM_DATA")} | {
        "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "MPLBACKEND": "Agg"}
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    where = subprocess.run([str(python), "-c", "import channelsim.model, channelsim.core.data as d; "
                            "print(channelsim.model.__file__); print(d.data_dir())"],
                           capture_output=True, text=True, cwd=work, env=env)
    module_file, data_folder = where.stdout.split()
    assert module_file.startswith(site), f"channelsim imported from {where.stdout} {where.stderr}, not the wheel"
    assert data_folder == str(Path(site) / "channelsim" / "data")
    out = work / "run"
    proc = subprocess.run([str(venv / "bin" / "channelsim"), "run", "--days", "30", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, cwd=work, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {"series.csv", "summary.json", "series.png", "params.toml"} <= {p.name for p in out.iterdir()}
    api = subprocess.run([str(python), "-c", "import channelsim; r = channelsim.run('no_deal', days=30); "
                          "print(len(r.series), int(r.series['arrivals'].sum()))"],
                         capture_output=True, text=True, cwd=work, env=env, timeout=600)
    assert api.returncode == 0, api.stderr[-3000:]
    days, arrivals = map(int, api.stdout.split())
    assert days == 30 and arrivals > 0
    # a command whose extra is not installed says which extra, without a traceback
    sweep = subprocess.run([str(venv / "bin" / "channelsim"), "sweep", "sobol", "--out", str(work / "s")],
                           capture_output=True, text=True, cwd=work, env=env, timeout=600)
    assert sweep.returncode != 0 and "Traceback" not in sweep.stderr
    assert "pip install 'channelsim[sweeps]'" in sweep.stderr, sweep.stderr[-2000:]
