"""The docs site builds cleanly, renders its cross-references as links, and documents every parameter.

The site is built once for the module (`mkdocs build --strict`, as `make docs` does); the README stays
the short front page that points to it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPHINX_ROLES = re.compile(r":(class|func|mod|meth|attr|data|exc):`")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    mkdocs = Path(sys.executable).parent / "mkdocs"
    if not mkdocs.exists() and shutil.which("mkdocs") is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]'; the test extra has it)")
    out = tmp_path_factory.mktemp("site") / "tmp"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    proc = subprocess.run([str(mkdocs if mkdocs.exists() else shutil.which("mkdocs")), "build", "--strict",
                           "--site-dir", str(out)], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    return proc, out


def built(site, page: str) -> str:
    proc, out = site
    assert proc.returncode == 0, proc.stderr[-3000:]
    return (out / page / "index.html").read_text()


def test_the_site_builds_strictly(site):
    proc, out = site
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "index.html").is_file()


def test_no_page_shows_a_raw_sphinx_role(site):
    proc, out = site
    assert proc.returncode == 0, proc.stderr[-3000:]
    raw = {str(p.relative_to(out)): sorted(set(SPHINX_ROLES.findall(p.read_text())))
           for p in out.rglob("*.html") if SPHINX_ROLES.search(p.read_text())}
    assert not raw, f"raw Sphinx roles in the built pages: {raw}"


def test_the_api_pages_render_google_sections_not_raw_args(site):
    proc, out = site
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("core", "agents", "model", "experiments"):
        html = (out / "api" / name / "index.html").read_text()
        text = re.sub(r"<[^>]+>", " ", html)
        assert not re.search(r"\bArgs:", text), f"a raw 'Args:' on the {name} API page"
    model = (out / "api" / "model" / "index.html").read_text()
    assert "ChannelModel" in model and "Result" in model
    assert "Parameters" in model   # the Google "Args:" rendered as mkdocstrings' parameter table


def test_cross_references_render_as_links(site):
    model_api = built(site, "api/model")
    assert re.search(r'<a [^>]*href="[^"]*#channelsim\.core\.params\.Params"', model_api), \
        "the model API page does not link to Params"
    model_page = built(site, "model")
    assert re.search(r'<a [^>]*href="[^"]*api/agents/#channelsim\.agents\.coast\.Coast"', model_page)


def test_the_parameter_page_lists_every_parameter(site):
    from channelsim.core.params import SECTIONS, Nationality

    html = built(site, "parameters")
    names = [name for cls in SECTIONS.values() for name in cls.model_fields] + list(Nationality.model_fields)
    missing = [name for name in names if f"<code>{name}</code>" not in html]
    assert not missing, f"parameters missing from the built parameter page: {missing}"


def test_the_outputs_page_lists_every_column(site):
    from channelsim.model.outputs import COLUMNS

    html = built(site, "outputs")
    missing = [c for c in COLUMNS if f"<code>{c}</code>" not in html]
    assert not missing, f"columns missing from the built outputs page: {missing}"


def test_the_cli_page_has_every_subcommand(site):
    import argparse

    from channelsim.experiments.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    html = built(site, "cli")
    missing = [name for name in sub.choices if f"usage: channelsim {name}" not in html]
    assert not missing, f"subcommands missing from the built CLI page: {missing}"


def test_the_calibration_results_include_the_committed_reports_and_figures(site):
    proc, out = site
    html = unescape(built(site, "calibration-results"))
    calibration = REPO / "channelsim" / "experiments" / "inference" / "calibration"
    for report in ("counterfactual_summary", "model_choice", "recovery", "forecast", "identification"):
        title = (calibration / f"{report}.md").read_text().splitlines()[0].lstrip("# ").strip()
        assert title in html, f"{report}.md is not on the results page"
    for png in calibration.glob("*.png"):
        assert (out / "figures" / png.name).read_bytes() == png.read_bytes()
    for src in re.findall(r'<img [^>]*src="([^"]+)"', html):
        assert (out / "calibration-results" / src).resolve().is_file(), src


def test_the_tutorials_are_rendered_from_the_notebooks(site):
    for name in ("01_quick_start", "02_policy_scenarios"):
        html = unescape(built(site, f"tutorials/{name}"))
        first = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text())["cells"][0]["source"]
        title = "".join(first).splitlines()[0]
        assert title.lstrip("# ").strip() in html, f"the {name} tutorial is not rendered from its notebook"


def test_the_readme_is_short_and_keeps_the_quick_start():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    assert "make run" in readme and "make test" in readme


def test_the_extending_page_shows_the_worked_examples_that_the_tests_run(site):
    text = unescape(re.sub(r"<[^>]+>", "", built(site, "extending")))
    source = (REPO / "channelsim" / "experiments" / "examples" / "extensions.py").read_text()
    for line in ("class ObservedRate(BeliefRule):", "class CampClearances(Mechanism):",
                 'name = "observed_rate"'):
        assert line in source and line in text, line
    assert "--8<--" not in text   # the snippet was included, not shown
