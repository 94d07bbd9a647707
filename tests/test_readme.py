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
