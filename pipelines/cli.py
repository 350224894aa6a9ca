"""``covgap run --input DIR --output DIR --as-of YYYY-MM-DD [--settings FILE]`` (see ../shared/contract.md).

The stages and their order: ``pipelines/flow.py``. The run builds apart and replaces ``--output`` in
one step when it succeeds (``pipelines/output_folder.py``). Exit status: 0 published; 1 the run
stopped (a register that cannot be used, a critical check, an OS error naming the path), nothing
published; 2 bad arguments or no input folder; 3 another run holds the output folder."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys

__all__ = ["main"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="covgap", description="Find who social and health insurance "
                                     "do not yet cover, and list them per commune.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the whole pipeline on one input folder")
    run.add_argument("--input", required=True, help="folder with the seven registers (.csv or .parquet)")
    run.add_argument("--output", required=True, help="folder to write the lists and reports into")
    run.add_argument("--as-of", required=True, type=_date, help="reference date, YYYY-MM-DD")
    run.add_argument("--settings", help="settings file (TOML; default: the shipped pipelines/settings.toml)")
    run.add_argument("--verbose", "-v", action="store_true", help="log each stage")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from pipelines.context import RunContext
    from pipelines.exceptions import CovgapError
    from pipelines.output_folder import FolderBusy, build_folder, failed_folder, switch
    from pipelines.run import run_pipeline
    from pipelines.settings import load_settings

    target = RunContext.create(args.input, args.output, args.as_of, args.settings)
    if not target.input.is_dir():
        print(f"covgap: {target.input}: input folder not found", file=sys.stderr)
        return 2
    os.umask(0o077)  # everything the run writes holds personal data: owner-only
    try:
        load_settings(target.settings_file)  # first: a bad settings file stops the run before any stage
        with build_folder(target.output, target.as_of) as build:
            ctx = RunContext.create(target.input, build, target.as_of, target.settings_file, published=target.output)
            summaries = run_pipeline(ctx)
            switch(build, target.output)
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
