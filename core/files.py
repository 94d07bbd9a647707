"""Writing files so that a reader never finds one half-written.

Every file channelsim writes as a result goes through :func:`atomic_path`:
the content is written to a hidden temporary name beside the target and
renamed onto it (one ``os.replace``, atomic on a POSIX file system). A writer
killed mid-way leaves at most a hidden ``.NAME.tmp-PID.EXT`` file, which
:func:`remove_leftovers` clears.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LEFTOVER_PATTERN = ".*.tmp-*"   # what atomic_path's temporary names look like


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` if the block ends without error.

    The temporary name keeps the suffix, so that writers which choose a format
    by it (matplotlib's ``savefig``) write the same thing.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        _remove(tmp)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def remove_leftovers(folder: str | Path) -> None:
    """Remove the temporary files a killed writer may have left in ``folder``."""
    folder = Path(folder)
    if folder.is_dir():
        for path in folder.glob(LEFTOVER_PATTERN):
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
