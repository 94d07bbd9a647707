"""Build hooks: the wheel and the sdist carry a snapshot of the public data files.

The files are not committed; they are copied at build time from the configured data folder
(``$CHANNELSIM_DATA``, else ``../shared/data`` beside the checkout) into ``channelsim/data``, so that an
installed channelsim runs with no data folder. A wheel built from an sdist takes the sdist's copy.
Editable installs copy nothing: they read the data folder itself. Everything else is in pyproject.toml.
"""

import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
PATTERNS = ("*.csv", "README.md")


def configured_data() -> Path:
    configured = os.environ.get("CHANNELSIM_DATA")
    folder = Path(configured) if configured else HERE.parent / "shared" / "data"
    if not (folder / "small_boats_daily.csv").is_file():
        raise SystemExit(f"channelsim's wheel and sdist carry the public data files, but {folder} holds none "
                         "(small_boats_daily.csv missing): set CHANNELSIM_DATA to the data folder.")
    return folder


def copy_data(into: Path) -> None:
    source = configured_data()
    into.mkdir(parents=True, exist_ok=True)
    for pattern in PATTERNS:
        for path in source.glob(pattern):
            shutil.copy2(path, into / path.name)


class BuildWithData(build_py):
    def run(self):
        super().run()
        # from an sdist, the source tree holds the data (package data, copied above); from a checkout it
        # holds none, and the configured folder's files replace whatever an earlier build left in build/
        from_sdist = (HERE / "channelsim" / "data" / "small_boats_daily.csv").is_file()
        if not getattr(self, "editable_mode", False) and not from_sdist:
            copy_data(Path(self.build_lib) / "channelsim" / "data")


class SdistWithData(sdist):
    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        copy_data(Path(base_dir) / "channelsim" / "data")


setup(cmdclass={"build_py": BuildWithData, "sdist": SdistWithData})
