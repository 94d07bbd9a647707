"""Pages and tables of the docs site made from the code and the committed results (mkdocs-gen-files).

Nothing here is typed twice: the parameter table is `channelsim.core.params.describe()` (what
`channelsim params` prints) beside the calibration's priors; the output columns are
`channelsim.model.outputs.COLUMNS`; the command line is the parser's own help; the calibration
results are the committed reports in `channelsim/experiments/inference/calibration/`, with their
figures copied into the site; the first two notebooks are copied in as tutorials. A hand-written
page holds a marker (`<!-- generated: NAME -->`) where its table goes. The functions return
markdown, so tests can call them without building the site.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CALIBRATION = ROOT / "channelsim" / "experiments" / "inference" / "calibration"
# the committed reports of the calibration results page, in the order shown
RESULT_REPORTS = ("counterfactual_summary", "model_choice", "recovery", "forecast", "identification")
FIGURES = "figures"   # the site folder the calibration's PNGs are copied into
# the tutorials rendered from the notebooks as committed (copied in: a symlink under docs/ would make
# `ruff check .` lint the notebooks, which pyproject excludes by their folder)
TUTORIALS = ("01_quick_start", "02_policy_scenarios")
MARKER = "<!-- generated: {} -->"


def cell(value) -> str:
    """A value fit for a markdown table cell."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def parameter_table() -> str:
    """Every parameter: section, name, default, unit, range, source, meaning, and the calibration prior."""
    from channelsim.core.params import describe
    from channelsim.experiments.inference.settings import PRIOR_SETS

    priors: dict[str, dict[tuple[float, float], list[str]]] = {}   # name -> (low, high) -> the sets
    for set_name, prior_set in PRIOR_SETS.items():
        for name, bounds in prior_set.items():
            priors.setdefault(name, {}).setdefault(tuple(bounds), []).append(set_name)
    lines = []
    section = None
    for row in describe():
        if row["section"] != section:
            section = row["section"]
            lines += ["", f"### `[{section}]`", "",
                      "| parameter | default | unit | range | prior (set) | source | meaning |",
                      "|---|---|---|---|---|---|---|"]
        prior = "; ".join(f"U({low:g}, {high:g}) ({', '.join(sets)})"
                          for (low, high), sets in priors.get(row["name"], {}).items())
        default = row["default"]
        shown = default.isoformat() if hasattr(default, "isoformat") else repr(default)
        lines.append(f"| `{row['name']}` | `{cell(shown)}` | {cell(row['unit'])} | {cell(row['range'])} | "
                     f"{cell(prior)} | {cell(row['source'])} | {cell(row['doc'])} |")
    return "\n".join(lines).strip()


def nationality_table() -> str:
    """The fields of a nationality group (`[[nationalities]]`), and the shipped groups."""
    from channelsim.core.params import Nationality, Params

    lines = ["| field | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {cell(field.description or '')} |" for name, field in Nationality.model_fields.items()]
    groups = Params().nationalities
    lines += ["", "The shipped groups:", "",
              "| group | inflow share | grant rate | legal-route priority | own returns from | own returns share |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {g.name} | {g.inflow_share:g} | {g.grant_rate:g} | {g.legal_route_priority:g} | "
              f"{cell(g.own_returns_from or '')} | {g.own_returns_share:g} |" for g in groups]
    return "\n".join(lines)


def column_table() -> str:
    """The daily series' columns, with their units and meanings."""
    from channelsim.model.outputs import COLUMNS

    lines = ["| column | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {cell(unit)} | {cell(meaning)} |" for name, (unit, meaning) in COLUMNS.items()]
    return "\n".join(lines)


def cli_reference() -> str:
    """`channelsim --help` and each subcommand's help, as the parser prints them."""
    import argparse

    from channelsim.experiments.cli import build_parser

    os.environ["COLUMNS"] = "100"   # argparse wraps at the terminal's width
    parser = build_parser()
    parser.prog = "channelsim"
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parts = ["### `channelsim`", "", "```text", parser.format_help().rstrip(), "```"]
    for name, command in sub.choices.items():
        parts += ["", f"### `channelsim {name}`", "", "```text", command.format_help().rstrip(), "```"]
    return "\n".join(parts)


def demoted(markdown: str, figures: str) -> str:
    """A committed report inside a page: headings one level down, figures from the site's copy."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,5} ", line):
            line = "#" + line
        out.append(re.sub(r"!\[([^\]]*)\]\(([^)/]+\.png)\)", rf"![\1]({figures}/\2)", line))
    return "\n".join(out)


def calibration_results() -> str:
    """The committed calibration reports, one section each."""
    parts = ["# Calibration results, as committed", "",
             "The reports below are the files committed in `channelsim/experiments/inference/calibration/`, "
             "included as they are (headings one level down). How they were made, and what they say, is on "
             "[Calibration](calibration.md).", ""]
    for name in RESULT_REPORTS:
        parts += [f"<!-- {name}.md -->", demoted((CALIBRATION / f"{name}.md").read_text(), FIGURES), ""]
    return "\n".join(parts)


GENERATED = {"parameters": parameter_table, "nationalities": nationality_table, "columns": column_table,
             "cli": cli_reference}


def filled(page: str) -> str:
    """A hand-written page with each of its markers followed by what it names."""
    text = (DOCS / page).read_text()
    for name, make in GENERATED.items():
        marker = MARKER.format(name)
        if marker in text:
            text = text.replace(marker, f"{marker}\n\n{make()}\n")
    return text


def write_site() -> None:
    import mkdocs_gen_files

    for page in ("parameters.md", "outputs.md", "cli.md"):
        with mkdocs_gen_files.open(page, "w") as f:
            f.write(filled(page))
    with mkdocs_gen_files.open("calibration-results.md", "w") as f:
        f.write(calibration_results())
    for png in sorted(CALIBRATION.glob("*.png")):
        with mkdocs_gen_files.open(f"{FIGURES}/{png.name}", "wb") as f:
            f.write(png.read_bytes())
    for name in TUTORIALS:
        with mkdocs_gen_files.open(f"tutorials/{name}.ipynb", "wb") as f:
            f.write((ROOT / "notebooks" / f"{name}.ipynb").read_bytes())
    with mkdocs_gen_files.open("changelog.md", "w") as f:
        f.write((ROOT / "CHANGELOG.md").read_text())


if __name__ in ("<run_path>", "__main__"):   # mkdocs-gen-files runs this file with runpy.run_path
    write_site()
