"""Writing files so that a reader never finds one half-written, into folders checked first and held by one writer.

Every file channelsim writes as a result goes through [`atomic_path`][channelsim.core.files.atomic_path]:
the content is written to a hidden temporary name beside the target and
renamed onto it (one ``os.replace``, atomic on a POSIX file system). A writer
killed mid-way leaves at most a hidden ``.NAME.tmp-PID.EXT`` file, which
[`remove_leftovers`][channelsim.core.files.remove_leftovers] clears.

[`check_output_folder`][channelsim.core.files.check_output_folder] refuses, before any work starts, a folder that
cannot be created or written; [`FolderLock`][channelsim.core.files.FolderLock] keeps a second process out
of a folder being written (filelock's lock, which the operating system releases
when its holder dies, so a stale lock is taken over; on POSIX and Windows).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from channelsim.core.errors import ChannelsimError

# Kernel file systems: writable-looking to root, but no place for results.
SYSTEM_ROOTS = (Path("/proc"), Path("/sys"))
LOCK_NAME = ".lock"

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


def check_output_folder(path: str | Path, flag: str = "--out") -> Path:
    """``path`` as a folder results can be written into (it may not exist yet); a ChannelsimError if not.

    Checked: not a file, not under a file, not under /proc or /sys, and the
    folder (or its nearest existing parent) takes a new file. Nothing is left behind.
    """
    path = Path(path)
    resolved = path.resolve()
    for root in SYSTEM_ROOTS:
        if resolved == root or root in resolved.parents:
            raise ChannelsimError(f"{flag} {path} is under {root}, a kernel file system: choose a folder of your own.")
    if path.exists() and not path.is_dir():
        raise ChannelsimError(f"{flag} {path} is a file, not a folder: choose a folder (new or holding results).")
    existing = resolved
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ChannelsimError(f"{flag} {path} cannot be created: {existing} is a file, not a folder.")
    try:
        fd, probe = tempfile.mkstemp(prefix=".channelsim-probe-", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ChannelsimError(f"{flag} {path} cannot be written: {existing} refuses new files "
                              f"({exc.strerror}).") from None
    return path


class FolderLock:
    """An exclusive lock on a folder, held by one process (``with FolderLock(folder): ...``).

    The lock is filelock's on ``FOLDER/.lock`` (``flock`` on POSIX, ``LockFileEx`` on Windows), taken
    without waiting: a second process is refused at once, with the holder (pid, host) the file records.
    The operating system releases the lock when its holder dies, so a lock left by a dead process is
    simply taken over.
    """

    def __init__(self, folder: str | Path, what: str = "folder"):
        self.path = Path(folder) / LOCK_NAME
        self.what = what
        self._lock = FileLock(self.path, timeout=0, on_acquired=self._record_holder)

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout:
            raise ChannelsimError(f"{self.path.parent} is in use by another process ({self._holder()}): one "
                                  f"{self.what} at a time writes into a folder. Wait for it to finish, or stop it; "
                                  "a lock of a process that has died is taken over.") from None

    def release(self) -> None:
        self._lock.release()   # the file stays on POSIX (removing it would race); filelock removes it on Windows

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    @staticmethod
    def _record_holder(fd: int) -> None:
        """Write this process into the lock file, through the descriptor that holds the lock."""
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode())
        os.fsync(fd)

    def _holder(self) -> str:
        try:   # unreadable on Windows while locked
            info = json.loads(self.path.read_text() or "{}")
            return f"pid {info['pid']} on {info['host']}"
        except (ValueError, KeyError, OSError):
            return "holder unknown"
