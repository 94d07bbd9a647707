"""The README stays true: every output column and every shipped scenario is documented."""

from pathlib import Path

from core.population import STATES
from core.scenarios import available
from model.outputs import COLUMNS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_documents_every_output_column():
    state_columns = {f"state_{s}" for s in STATES}
    missing = [c for c in COLUMNS if c not in state_columns and f"`{c}`" not in README]
    assert not missing, f"columns missing from the README: {missing}"
    assert all(s in README for s in STATES)


def test_readme_documents_every_shipped_scenario():
    missing = [name for name in available() if f"`{name}`" not in README]
    assert not missing, f"scenarios missing from the README: {missing}"


def test_readme_benchmark_table_is_rendered_from_the_recorded_figures():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "figures.py"
    spec = importlib.util.spec_from_file_location("benchmark_figures", path)
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    block = figures.readme_block(README)
    assert block is not None, "the README lost its benchmark table markers"
    assert block == figures.table(), "the README's benchmark table differs from benchmarks/measured/: " \
                                     "run `python benchmarks/figures.py --write`"


def test_readme_counterfactual_is_rendered_from_the_committed_table():
    import re

    import pandas as pd

    from experiments.inference.counterfactual import COMMITTED_TABLE, readme_summary

    match = re.search(r"<!-- counterfactual: rendered from [^>]*-->\n(.*?)\n<!-- end of counterfactual -->",
                      README, flags=re.S)
    assert match, "the README lost its counterfactual markers"
    assert match.group(1) == readme_summary(pd.read_csv(COMMITTED_TABLE)), \
        "the README's counterfactual differs from experiments/inference/calibration/counterfactual.csv"
