"""What a scheduled run needs around the stages: its folder, its input, ``latest`` and alerts.

The nightly Airflow DAG (``dags/coverage_gap_nightly.py``) calls these; ``covgap run`` does not
need them. A run of date ``D`` writes everything into ``{output}/D/``; only when every stage has
succeeded does ``{output}/latest`` move to it, so ``latest`` always points at a complete run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.exceptions import CovgapError

if TYPE_CHECKING:
    from pipelines.context import RunContext

__all__ = [
    "TIMEZONE",
    "feedback_location",
    "plan_run",
    "prepare_input",
    "promote_latest",
    "publish_night",
    "publish_run",
    "resolve_as_of",
    "send_alert_email",
    "state_location",
    "write_alert",
]

log = logging.getLogger(__name__)
TIMEZONE = "Asia/Ho_Chi_Minh"
LATEST = "latest"
RUNS = ".runs"


def resolve_as_of(requested: str | None, logical_date: dt.datetime | None) -> str:
    """The run's as-of date: the one asked for, else the logical date's day in Viet Nam.

    >>> resolve_as_of("2026-07-01", None)
    '2026-07-01'
    >>> resolve_as_of(None, dt.datetime(2026, 6, 30, 19, 30, tzinfo=dt.UTC))  # 02:30 in Hà Nội
    '2026-07-01'
    """
    if requested:
        return dt.date.fromisoformat(requested).isoformat()
    if logical_date is None:
        raise ValueError("no as_of given and the run has no logical date: pass as_of (YYYY-MM-DD)")
    from zoneinfo import ZoneInfo

    return logical_date.astimezone(ZoneInfo(TIMEZONE)).date().isoformat()


def state_location(output: str, given: str | None = None) -> str:
    """The state store of the runs under ``output``: ``given`` (a file or a database URL), else
    ``{output}/state.sqlite``, beside the dated folders (a rerun of a date swaps its folder, never the store).

    >>> state_location("/runs"), state_location("/runs", "postgresql://covgap@db/covgap")
    ('/runs/state.sqlite', 'postgresql://covgap@db/covgap')
    """
    if given:
        return given if "://" in given else os.path.abspath(os.path.expanduser(given))
    from pipelines.context import STATE_FILE

    return os.path.join(os.path.abspath(os.path.expanduser(output)), STATE_FILE)


def feedback_location(output: str, given: str | None = None) -> str:
    """The folder of filled-in workbooks the runs under ``output`` read: ``given``, else ``{output}/feedback``,
    beside the dated folders and the store (a rerun of a date swaps its folder, never this one).

    >>> feedback_location("/runs"), feedback_location("/runs", "/share/ket-qua")
    ('/runs/feedback', '/share/ket-qua')
    """
    from pipelines.context import FEEDBACK_FOLDER

    return os.path.abspath(os.path.expanduser(given or os.path.join(output, FEEDBACK_FOLDER)))


def plan_run(output: str, as_of: str, run_id: str | None = None) -> Path:
    """The folder a run writes into (``~`` expanded, made absolute).

    Without ``run_id``: ``{output}/{as_of}``, what readers open. With it: a folder of this run's
    own, ``{output}/.runs/{as_of}/{run_id}``, which :func:`publish_run` makes ``{output}/{as_of}``
    and ``latest`` point at once every stage succeeded, so a rerun of a date never shows half-new
    files under either name.

    >>> plan_run("/runs", "2026-07-01").as_posix()
    '/runs/2026-07-01'
    >>> plan_run("/runs", "2026-07-01", "manual__2026-07-01T00:00:00+00:00").as_posix()
    '/runs/.runs/2026-07-01/manual__2026-07-01T00_00_00_00_00'
    """
    root = Path(os.path.abspath(os.path.expanduser(output)))
    day = dt.date.fromisoformat(as_of).isoformat()
    if run_id is None:
        return root / day
    return root / RUNS / day / re.sub(r"[^A-Za-z0-9._-]", "_", run_id)


def publish_run(output: str | Path, run_dir: str | Path, as_of: str) -> Path:
    """Make ``{output}/{as_of}`` and then ``{output}/latest`` point at the finished ``run_dir``, each
    in one atomic step; then remove this date's earlier run folders, which nothing points at now.
    First the run folder is made owner-only and rid of half-written ``.tmp`` files of killed tries."""
    import fcntl

    from pipelines.output_folder import owner_only

    root = Path(os.path.abspath(os.path.expanduser(output)))
    run_dir = Path(run_dir)
    day = dt.date.fromisoformat(as_of).isoformat()
    for leftover in run_dir.rglob(".*.tmp"):  # half-written files of a task killed and retried
        leftover.unlink()
    owner_only(run_dir)
    with open(root / ".publish.lock", "a") as lock:  # two runs publishing at once: one after the other
        fcntl.flock(lock, fcntl.LOCK_EX)
        _switch_link(root, day, run_dir)
        latest = _switch_link(root, LATEST, run_dir)
        for earlier in sorted((root / RUNS / day).iterdir()):
            if earlier.is_dir() and earlier.resolve() != run_dir.resolve():
                shutil.rmtree(earlier)
    return latest


def publish_night(ctx: RunContext, output: str | Path) -> Path:
    """The DAG's last step: publish the finished run (:func:`publish_run`), then record the night in
    the state store (``pipelines.changes.record_night``); the store moves on only once published,
    and recording a night again replaces it, so a retried task records it once."""
    from pipelines.changes import record_night

    latest = publish_run(output, ctx.output, ctx.as_of.isoformat())
    record_night(ctx)
    return latest


def prepare_input(source: str, run_dir: str | Path) -> Path:
    """The folder to ingest: ``source`` itself when it is a folder, else the registers exported from
    the database behind Airflow connection ``source`` into ``run_dir/_stages/extract/``."""
    folder = Path(os.path.expanduser(source))
    if folder.is_dir():
        return folder.absolute()
    if os.sep in source or source.startswith(("~", ".")):  # a connection id has no slash
        raise CovgapError(f"{source}: input folder not found (nor is it an Airflow connection id)")
    from pipelines.catalogue import EXTRACTED
    from pipelines.sources import export_registers

    target = EXTRACTED.folder(Path(run_dir))
    export_registers(source, target)
    return target


def promote_latest(output: str | Path, run_dir: str | Path) -> Path:
    """Point ``{output}/latest`` at ``run_dir`` in one atomic step."""
    return _switch_link(Path(os.path.abspath(os.path.expanduser(output))), LATEST, Path(run_dir))


def _switch_link(root: Path, name: str, run_dir: Path) -> Path:
    """``root/name`` becomes a relative symlink to ``run_dir`` (so the tree can be moved): made
    under a temporary name, then ``os.replace``d over the old link."""
    if not (run_dir / "manifest.json").is_file():
        raise FileNotFoundError(f"{run_dir}: no manifest.json, the run is not complete; {name} not moved")
    link = root / name
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} is a real file or folder, not a symlink: move it away")
    temporary = root / f".{name}.{os.getpid()}.tmp"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(os.path.relpath(run_dir, root), target_is_directory=True)
    os.replace(temporary, link)
    log.info("%s -> %s", link, run_dir)
    return link


def write_alert(run_dir: str | Path, record: dict) -> Path:
    """Write one failure record as ``run_dir/alerts/<task>[-<map index>]-try<n>.json``, atomically."""
    from pipelines.files import atomic_open

    name = str(record.get("task_id", "unknown"))
    if record.get("map_index") not in (None, -1):
        name += f"-{record['map_index']}"
    target = Path(run_dir) / "alerts" / f"{name}-try{record.get('try_number', 0)}.json"
    with atomic_open(target) as handle:
        json.dump(record, handle, ensure_ascii=False, indent=2, default=str)
        handle.write("\n")
    return target


def send_alert_email(record: dict, recipients: str | None = None, conn_id: str = "smtp_default") -> bool:
    """E-mail a failure record to ``recipients`` (default: env ``COVGAP_ALERT_EMAIL``, comma
    separated) through the Airflow SMTP connection ``conn_id``. Returns False, without sending,
    when no recipient is configured."""
    recipients = recipients or os.environ.get("COVGAP_ALERT_EMAIL", "")
    if not recipients.strip():
        return False
    from html import escape

    from airflow.providers.smtp.hooks.smtp import SmtpHook

    subject = f"covgap: {record.get('dag_id')}.{record.get('task_id')} failed for as_of {record.get('as_of')}"
    body = "".join(f"<tr><th align=left>{escape(str(k))}</th><td><pre>{escape(str(v))}</pre></td></tr>"
                   for k, v in record.items())
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        hook.send_email_smtp(to=recipients, subject=subject, html_content=f"<table>{body}</table>")
    return True
