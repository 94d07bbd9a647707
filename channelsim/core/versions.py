"""The version of the code that runs: recorded beside every stored result."""

from __future__ import annotations

import functools
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]   # channelsim/core/versions.py -> the checkout


@functools.cache
def code_version() -> dict[str, str]:
    """The package version and the git commit of the checkout this process runs ("unknown" where there is none)."""
    try:
        package = version("channelsim")
    except PackageNotFoundError:  # pragma: no cover - running from a plain copy
        package = "unknown"
    try:
        commit = subprocess.run(["git", "-C", str(CHECKOUT), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return {"package_version": package, "git_commit": commit}
