"""The output folder of ``covgap run``: one run at a time, built apart, published in one step.

A run never writes into the folder readers open (``--output``). It takes the folder's lock, builds
everything in a folder of its own beside it, and only when every stage has succeeded switches the
two in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``): a reader sees the old complete set or
the new complete set, never a mix, and a run that fails or is killed leaves the published set,
``quality/`` included, as it was. The nightly DAG does the same with its ``latest`` link
(``pipelines.nightly``).

Beside ``DIR`` lives ``.DIR.covgap/`` (owner-only):

- ``lock``: held (``flock``) by the run in progress, with who holds it; the kernel releases it
  whatever kills the run, so a second run is refused only while the first is alive;
- ``build-<pid>/``: the run being built; ``failed/``: the last run that stopped, kept so that its
  ``quality/`` report can be read; leftovers of killed runs are removed by the next run.

Every file and folder a run makes is owner-only (umask 077; :func:`owner_only` once more before the
switch), since nearly all of them hold personal data.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines import faults
from pipelines.exceptions import CovgapError

__all__ = ["FolderBusy", "OutputFolderError", "build_folder", "exchange", "failed_folder", "owner_only", "switch",
           "workspace_of"]

_MARKERS = ("manifest.json", "_stages", "settings.toml", "prospects.csv", "quality")


class OutputFolderError(CovgapError):
    """The output folder cannot be used as it is; the message names it and what to do."""


class FolderBusy(OutputFolderError):
    """Another run holds the output folder."""


def workspace_of(target: Path) -> Path:
    """``.DIR.covgap`` beside ``DIR``: on the same file system, so the switch is a rename.

    >>> workspace_of(Path("/runs/out")).as_posix()
    '/runs/.out.covgap'
    """
    return target.parent / f".{target.name}.covgap"


def failed_folder(target: Path) -> Path:
    return workspace_of(target) / "failed"


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise OutputFolderError(f"{target}: the output path is a file, not a folder: name a folder (it is created "
                                "if missing)")
    if target.is_dir() and any(target.iterdir()) and not any((target / m).exists() for m in _MARKERS):
        raise OutputFolderError(f"{target}: the folder holds files that are not a covgap run; a run replaces the "
                                "whole folder: name an empty or new folder")


def _holder(lock: Path) -> str:
    try:
        info = json.loads(lock.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another covgap run"
    return (f"covgap run pid {info.get('pid')} on {info.get('host')}, started {info.get('started')}, "
            f"as-of {info.get('as_of')}")


@contextmanager
def build_folder(target: Path, as_of: dt.date) -> Iterator[Path]:
    """Hold ``target``'s lock and yield a new, empty, owner-only folder to build the run in.

    Raises :class:`FolderBusy` while another run holds the lock. Leftovers of killed runs go first
    (a switch cut between its two steps is undone). When the block raises, the folder is kept as
    ``failed/`` and the published set is not touched.
    """
    target = Path(target)
    _check_target(target)
    workspace = workspace_of(target)
    workspace.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = workspace / "lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(f"{target}: in use by {_holder(lock)}; one run per output folder at a time: wait "
                             "for it to finish, or name another --output") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "as_of": as_of.isoformat(),
                                 "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}).encode())
        _clean_leftovers(target, workspace)
        build = workspace / f"build-{os.getpid()}"
        build.mkdir(mode=0o700)
        try:
            yield build
        except BaseException:
            if build.is_dir():
                shutil.rmtree(failed_folder(target), ignore_errors=True)
                os.rename(build, failed_folder(target))
            raise
    finally:
        os.close(fd)  # releases the lock; the file stays (unlinking a lock file races with the next run)


def _clean_leftovers(target: Path, workspace: Path) -> None:
    """Under the lock, nobody else is running: what a killed run left goes (``old-*`` is put back
    first where the switch was cut after moving the published set aside)."""
    leftovers = sorted(p for p in workspace.iterdir() if p.name.startswith(("build-", "old-")))
    for old in (p for p in leftovers if p.name.startswith("old-")):
        if not target.exists() and (old / "manifest.json").is_file():
            os.rename(old, target)
    for path in leftovers:
        if path.exists():
            shutil.rmtree(path)


def owner_only(root: Path) -> None:
    """Every file under ``root`` ``0600``, every folder ``0700`` (Great Expectations writes Data Docs
    with the process's umask; a copied file keeps its mode)."""
    os.chmod(root, 0o700)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o700, follow_symlinks=False)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o600)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    kernel or file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _sync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def switch(build: Path, target: Path) -> None:
    """Publish the finished ``build`` as ``target`` in one step; the set it replaces is removed."""
    owner_only(build)
    faults.point("publish:before-switch")
    if not target.exists():
        os.rename(build, target)
    elif exchange(build, target):
        faults.point("publish:after-exchange")
        shutil.rmtree(build)  # now the replaced set
    else:  # no exchange here: two renames; a run killed between them is put back by the next run
        old = build.with_name(f"old-{os.getpid()}")
        os.rename(target, old)
        faults.point("publish:between-renames")
        os.rename(build, target)
        shutil.rmtree(old)
    _sync(target.parent)
