"""The README and the docs stay true: every output column, scenario and parameter is documented where
a reader looks for it, and every figure quoted is rendered from what was measured or committed.

The README is the front page (short); the prose it used to hold lives in docs/, so each check reads the
page that now carries the text. The built site is checked in test_docs.py.
"""

import importlib.util
import re
from pathlib import Path

import pandas as pd

from channelsim.core.population import STATES
from channelsim.core.scenarios import available
from channelsim.model.outputs import COLUMNS

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
DOCS = REPO / "docs"
COUNTERFACTUAL = re.compile(r"<!-- counterfactual: rendered from [^>]*-->\n(.*?)\n<!-- end of counterfactual -->",
                            flags=re.S)


def page(name: str) -> str:
    return (DOCS / name).read_text()


def module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def gen_pages():
    """docs/gen_pages.py as a module (it writes pages only when mkdocs-gen-files runs it)."""
    return module(DOCS / "gen_pages.py", "gen_pages")


def test_the_readme_keeps_the_quick_start_and_stays_short():
    assert len(README.splitlines()) <= 200
    quick = re.search(r"## Quick start\n(.*?)\n## ", README, flags=re.S).group(1)
    assert "make run " in quick and "make test " in quick
    assert "make docs" in README and "site/" in README, "the README must say where to read on"


def test_the_outputs_page_documents_every_output_column():
    text = page("outputs.md")
    assert "<!-- generated: columns -->" in text, "docs/outputs.md lost the marker of its column table"
    table = gen_pages().column_table()
    for column, (unit, meaning) in COLUMNS.items():
        assert f"| `{column}` | {unit} | {meaning} |" in table, column
    assert all(f"`{s}`" in text for s in STATES), "the outputs page must name every state"


def test_the_scenarios_page_documents_every_shipped_scenario():
    text = page("scenarios.md")
    missing = [name for name in available() if f"| `{name}`" not in text]
    assert not missing, f"scenarios missing from docs/scenarios.md: {missing}"


def test_the_parameter_page_is_generated_from_every_parameter_with_its_prior():
    from channelsim.core.params import describe
    from channelsim.experiments.inference.settings import PRIOR_SETS

    assert "<!-- generated: parameters -->" in page("parameters.md")
    table = gen_pages().parameter_table()
    for row in describe():
        assert f"| `{row['name']}` |" in table, row["name"]
    for name, (low, high) in PRIOR_SETS["deterrence"].items():
        line = next(line for line in table.splitlines() if line.startswith(f"| `{name}` |"))
        assert f"U({low:g}, {high:g})" in line, f"the prior of {name} is missing from the parameter table"


def test_the_performance_page_benchmark_table_is_rendered_from_the_recorded_figures():
    figures = module(REPO / "benchmarks" / "figures.py", "benchmark_figures")
    assert figures.PAGE == DOCS / "performance.md"
    block = figures.rendered_block(page("performance.md"))
    assert block is not None, "docs/performance.md lost its benchmark table markers"
    assert block == figures.table(), "the benchmark table differs from benchmarks/measured/: " \
                                     "run `python benchmarks/figures.py --write`"


def test_the_counterfactual_in_the_readme_and_the_calibration_page_is_rendered_from_the_committed_table():
    from channelsim.experiments.inference.counterfactual import COMMITTED_TABLE, readme_summary

    expected = readme_summary(pd.read_csv(COMMITTED_TABLE))
    for where, text in (("README.md", README), ("docs/calibration.md", page("calibration.md"))):
        match = COUNTERFACTUAL.search(text)
        assert match, f"{where} lost its counterfactual markers"
        assert match.group(1) == expected, f"{where}'s counterfactual differs from the committed counterfactual.csv"


def test_the_calibration_page_keeps_the_whole_do_returns_deter_section():
    text = page("calibration.md")
    assert "## Do returns deter? What the data to 1 February 2026 say" in text
    for question in ("which variant do the data favour?", "how big is the effect, and how much did the data move it?",
                     "does the pipeline find what is there?", "do beliefs run ahead of what people can see?",
                     "what next?"):
        assert f"| {question} |" in text, question


def test_the_experiments_page_sobol_run_count_is_the_shipped_files():
    from channelsim.experiments.sweeps.design import load_sweep

    text = " ".join(page("experiments.md").split())   # the prose wraps anywhere
    sweep = load_sweep("sobol")
    n, d = sweep.spec.samples, len(sweep.parameter_names)
    points = n * (d + 2) if not sweep.spec.second_order else n * (2 * d + 2)
    assert len(sweep.points) == points
    stated = re.search(r"`sobol` sweep is ([\d,]+) design points", text)
    assert stated and int(stated.group(1).replace(",", "")) == points, "docs/experiments.md's Sobol run count is stale"
    assert f"{n} x ({d} + 2)" in text
    references = len(sweep.runs()) - len(sweep.points) * sweep.spec.replicates
    assert references == 1 and "plus one reference run" in text


def test_the_model_page_names_a_file_that_exists_for_every_mechanism():
    text = page("model.md")
    files = re.findall(r"`(channelsim/[\w/]+\.py)`", text)
    assert len(files) >= 15, "the model page lost its table of where the mechanisms are"
    missing = [f for f in files if not (REPO / f).is_file()]
    assert not missing, f"docs/model.md names files that do not exist: {missing}"
