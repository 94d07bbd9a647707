"""channelsim as others receive it: the API reference builds without warnings, the licence and citation
match the package, the README's figures are the code's, and `pip install .` gives a working command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
README = (REPO / "README.md").read_text()


def test_the_api_reference_builds_without_warnings(tmp_path):
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]'; the test extra has it)")
    mkdocs = Path(sys.executable).parent / "mkdocs"
    proc = subprocess.run([str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-3000:]
    model_page = (tmp_path / "site" / "api" / "model" / "index.html").read_text()
    assert "ChannelModel" in model_page and "Result" in model_page


def test_the_licence_file_matches_pyproject_and_the_citation_file_the_version():
    licence = PYPROJECT["project"]["license"]["text"]
    assert licence == "MIT" and (REPO / "LICENSE").read_text().startswith("MIT License")
    citation = (REPO / "CITATION.cff").read_text()
    assert f'version: "{PYPROJECT["project"]["version"]}"' in citation and "license: MIT" in citation
    assert "cff-version: 1.2.0" in citation


def test_the_readme_sobol_run_count_is_the_shipped_files():
    from experiments.sweeps.design import load_sweep

    sweep = load_sweep("sobol")
    n, d = sweep.spec.samples, len(sweep.parameter_names)
    points = n * (d + 2) if not sweep.spec.second_order else n * (2 * d + 2)
    assert len(sweep.points) == points
    stated = re.search(r"`sobol` sweep is ([\d,]+) design points", README)
    assert stated and int(stated.group(1).replace(",", "")) == points, "the README's Sobol run count is stale"
    assert f"{n} x ({d} + 2)" in README
    references = len(sweep.runs()) - len(sweep.points) * sweep.spec.replicates
    assert references == 1 and "plus one\nreference run" in README


def test_the_extras_split_running_from_testing_docs_and_notebooks():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"test", "docs", "notebook"} <= set(extras)
    assert any(r.startswith("jupyterlab") for r in extras["notebook"])
    assert set(extras["docs"]) <= set(extras["test"]), "CI (the test extra) must have the docs tools"
    runtime = " ".join(PYPROJECT["project"]["dependencies"])
    assert "pytest" not in runtime and "mkdocs" not in runtime
    makefile = (REPO / "Makefile").read_text()
    for target in ("run:", "test:", "bench:", "docs:", "notebook:"):
        assert f"\n{target}" in makefile
    assert "-e .\n" in makefile and "ruff check" in makefile and "lint-imports" in makefile


def test_pip_install_dot_into_a_fresh_venv_then_channelsim_run(tmp_path, data_dir):
    """A wheel built from the checkout, installed (not editable) into a new venv; the dependencies are
    borrowed from this venv (its site-packages on the path through a .pth file, whose own .pth files, the
    editable install among them, are not read), so the package's own files come from the wheel."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "borrowed.pth").write_text("\n".join(ours) + "\n")
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                            str(wheels), str(REPO)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(wheels.glob("channelsim-*.whl"))
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"CHANNELSIM_DATA": str(data_dir)}
    where = subprocess.run([str(python), "-c", "import model, core.scenarios; print(model.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    assert where.stdout.startswith(site), f"channelsim imported from {where.stdout} {where.stderr}, not the wheel"
    out = tmp_path / "run"
    proc = subprocess.run([str(venv / "bin" / "channelsim"), "run", "--days", "30", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {"series.csv", "summary.json", "series.png", "params.toml"} <= {p.name for p in out.iterdir()}
