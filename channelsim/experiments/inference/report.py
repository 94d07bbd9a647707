"""Markdown for the reports of the posterior-predictive ensembles (validation, counterfactual)."""

from __future__ import annotations

import pandas as pd


def percent(x: float) -> str:
    """A share as a whole percentage, "n/a" for NaN."""
    return "n/a" if x != x else f"{x * 100:.0f}%"


def markdown_table(frame: pd.DataFrame, index_name: str = "") -> str:
    """A DataFrame as a Markdown table (index first)."""
    head = [index_name, *map(str, frame.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, row in frame.iterrows():
        lines.append("| " + " | ".join([str(key), *(_cell(v) for v in row)]) + " |")
    return "\n".join(lines)


def _cell(v) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)
