"""``covgap run --input DIR --output DIR --as-of YYYY-MM-DD [--settings FILE] [--state FILE|URL] [--feedback DIR]``
(see ../shared/contract.md),
``covgap check --input DIR`` (will these registers be read, and which rows would be quarantined?) and
``covgap --version``.

The stages and their order: ``pipelines/flow.py``. Quiet by default: one line per stage on standard
error (a bar on a terminal), the result on standard output; ``-v`` adds covgap's own log lines.
The run builds apart and replaces ``--output`` in one step when it succeeds
(``pipelines/output_folder.py``). Exit status: 0 published; 1 the run stopped (a register that cannot
be used, a critical check, an OS error naming the path), nothing published; 2 bad arguments or no
input folder; 3 another run holds the output folder."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["CHECK_STAGES", "main"]

#: What ``covgap check`` runs: reading, the contract's rules and the Great Expectations suites.
CHECK_STAGES = ("settings", "ingest", "validate", "quality")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _version() -> str:
    from pipelines.version import code_version

    return code_version()


class _Version(argparse.Action):
    """``--version``, worked out only when asked for (it asks git for the commit)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"covgap {_version()}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="covgap", description="Find who social and health insurance "
                                     "do not yet cover, and list them per commune.")
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and the commit, and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the whole pipeline on one input folder")
    run.add_argument("--input", required=True, help="folder with the registers (.csv or .parquet)")
    run.add_argument("--output", required=True, help="folder to write the lists and reports into")
    run.add_argument("--as-of", required=True, type=_date, help="reference date, YYYY-MM-DD")
    run.add_argument("--settings", help="settings file (TOML; default: the shipped pipelines/settings.toml)")
    run.add_argument("--state", help="state store: an SQLite file, or a database URL (postgresql://user@host/db); "
                     "default: state.sqlite in .DIR.covgap/ beside --output DIR")
    run.add_argument("--feedback", help="folder of filled-in workbooks to read back (officers' outcomes); "
                     "default: feedback/ in .DIR.covgap/ beside --output DIR")
    run.add_argument("--verbose", "-v", action="store_true", help="log what each stage does")
    check = commands.add_parser("check", help="read and validate the registers only: which rows would be "
                                "quarantined, which expectations fail (nothing is published)")
    check.add_argument("--input", required=True, help="folder with the registers (.csv or .parquet)")
    check.add_argument("--as-of", type=_date, default=None, help="reference date, YYYY-MM-DD (default: today)")
    check.add_argument("--settings", help="settings file (TOML; default: the shipped pipelines/settings.toml)")
    check.add_argument("--output", help="keep the stage files and Data Docs in this folder (default: "
                       "a temporary folder, removed afterwards)")
    check.add_argument("--verbose", "-v", action="store_true", help="log what each stage does")
    return parser


def _logging(verbose: bool) -> None:
    from pipelines.progress import quiet_third_party

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pipelines").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("matching").setLevel(logging.INFO if verbose else logging.WARNING)
    quiet_third_party()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _logging(args.verbose)
    if not Path(args.input).expanduser().is_dir():
        print(f"covgap: {args.input}: input folder not found", file=sys.stderr)
        return 2
    if args.command == "check":
        if args.output:
            return _check(args, Path(args.output))
        with tempfile.TemporaryDirectory(prefix="covgap-check-") as folder:
            return _check(args, Path(folder))
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from pipelines.changes import record_night
    from pipelines.context import RunContext
    from pipelines.exceptions import CovgapError
    from pipelines.flow import STAGE_NAMES
    from pipelines.output_folder import FolderBusy, build_folder, failed_folder, switch
    from pipelines.progress import Progress
    from pipelines.run import run_pipeline
    from pipelines.settings import load_settings
    from pipelines.state_store import StateStoreError

    target = RunContext.create(args.input, args.output, args.as_of, args.settings, state=args.state,
                               feedback=args.feedback)
    os.umask(0o077)  # everything the run writes holds personal data: owner-only
    try:
        load_settings(target.settings_file)  # first: a bad settings file stops the run before any stage
        with build_folder(target.output, target.as_of) as build:
            ctx = RunContext.create(target.input, build, target.as_of, target.settings_file, published=target.output,
                                    state=target.state_location, feedback=target.feedback_folder)
            summaries = run_pipeline(ctx, progress=Progress(list(STAGE_NAMES)))
            switch(build, target.output)
            try:  # only now that the night is published; still under the folder's lock
                record_night(target)
            except StateStoreError as error:
                print(f"covgap: the night was published to {target.output} but not recorded: {error}; run the "
                      "same date again once the store can be used", file=sys.stderr)
                return 1
    except FolderBusy as error:
        print(f"covgap: {error}", file=sys.stderr)
        return 3
    except CovgapError as error:
        kept = failed_folder(target.output)
        where = f"\nThis run's data-quality report: {kept / 'quality'}" if (kept / "quality").is_dir() else ""
        print(f"covgap: the run stopped, nothing was published:\n{error}{where}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"covgap: {os_error_message(error)}; nothing was published", file=sys.stderr)
        return 1
    counts = summaries["prospects"]["prospects"]
    print(f"covgap: {sum(counts.values())} prospects written to {target.output}: "
          + ", ".join(f"{group} {n}" for group, n in counts.items()))
    return 0


def _check(args: argparse.Namespace, output: Path) -> int:
    """Ingest, validate and quality only; print, per register, the rows that would be quarantined
    (by rule, with their first row numbers) and the failed expectations. Exit 0 when every register
    can be used (rows may still be quarantined), 1 when one cannot."""
    from pipelines.catalogue import QUARANTINED
    from pipelines.context import RunContext
    from pipelines.exceptions import CovgapError
    from pipelines.progress import Progress
    from pipelines.quality import QualityError
    from pipelines.run import run_pipeline
    from pipelines.settings import load_settings
    from pipelines.summaries import read_ingest, read_validate

    ctx = RunContext.create(args.input, output, args.as_of or dt.date.today(), args.settings)
    critical: list[str] = []
    try:
        load_settings(ctx.settings_file)
        run_pipeline(ctx, progress=Progress(list(CHECK_STAGES)), stages=CHECK_STAGES)
    except QualityError as error:  # the summary is written first: report everything, then the verdict
        critical = error.failures
    except CovgapError as error:
        print(f"covgap check: the registers cannot be used:\n{error}", file=sys.stderr)
        return 1
    import pandas as pd

    from pipelines.catalogue import QUALITY_SUMMARY

    ingest, validate = read_ingest(ctx), read_validate(ctx)
    quality = json.loads(QUALITY_SUMMARY.path(ctx).read_text(encoding="utf-8"))
    lines = [f"covgap check of {ctx.input} (as of {ctx.as_of.isoformat()}):"]
    for name, read in ingest.items():
        used, quarantined = validate[name]["rows_used"], validate[name]["rows_quarantined"]
        failed = quality["registers"].get(name, {}).get("failed", 0)
        lines.append(f"  {read['file']}: {read['rows_read']} rows read, {used} usable, {quarantined} would be "
                     f"quarantined; {failed} expectation(s) failed")
        if quarantined:
            rows = pd.read_parquet(QUARANTINED.path(ctx, name), columns=["row_number", "reason"])
            rows["reason"] = rows["reason"].str.split("; ")  # every rule a row broke (pipelines.validate)
            rows = rows.explode("reason")
            rows["reason"] = rows["reason"].str.replace(r" \(first kept at row \d+\)$", "", regex=True)
            for reason, part in rows.groupby("reason", sort=True):
                numbers = sorted(part["row_number"].astype(int))
                shown = ", ".join(map(str, numbers[:5])) + (", ..." if len(numbers) > 5 else "")
                lines.append(f"      {len(numbers)} × {reason} ({'row' if len(numbers) == 1 else 'rows'} {shown})")
    for failure in critical:
        lines.append(f"  CRITICAL: {failure}")
    if args.output:
        lines.append(f"  Data Docs: {ctx.output / 'quality' / 'data_docs' / 'index.html'}")
    print("\n".join(lines))
    return 1 if critical else 0
def os_error_message(error: OSError) -> str:
    """What failed, on which path, and what to do (an OS error is never shown as a traceback).

    >>> os_error_message(PermissionError(13, "Permission denied", "/data/out"))
    '/data/out: permission denied: give the user running covgap the right to read (inputs) or write (output) there'
    """
    import errno

    path = error.filename or "(unknown path)"
    if error.filename2:
        path = f"{path} -> {error.filename2}"
    advice = {
        errno.EACCES: "give the user running covgap the right to read (inputs) or write (output) there",
        errno.EPERM: "give the user running covgap the right to read (inputs) or write (output) there",
        errno.ENOSPC: "no space left on the device: free some space and run again",
        errno.EDQUOT: "the disk quota is used up: free some space and run again",
        errno.EROFS: "the file system is read-only: name an output folder on a writable disk",
        errno.ENOTDIR: "a part of the path is a file, not a folder: name a folder",
        errno.EISDIR: "a folder stands where a file was expected: move it away",
        errno.EXDEV: "the output folder is a mount point: name a folder inside it",
    }.get(error.errno or 0, "check the path and run again")
    return f"{path}: {(error.strerror or str(error)).lower()}: {advice}"


if __name__ == "__main__":
    sys.exit(main())
