"""``covgap run --input DIR --output DIR --as-of YYYY-MM-DD [--settings FILE]`` (see ../shared/contract.md).

The stages and their order: ``pipelines/flow.py``."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
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
    from pipelines.run import run_pipeline
    from pipelines.settings import load_settings

    ctx = RunContext.create(args.input, args.output, args.as_of, args.settings)
    if not ctx.input.is_dir():
        print(f"covgap: {ctx.input}: input folder not found", file=sys.stderr)
        return 2
    try:
        load_settings(ctx.settings_file)  # first: a bad settings file stops the run before any stage
        summaries = run_pipeline(ctx)
    except CovgapError as error:
        print(f"covgap: the run stopped, nothing was published:\n{error}", file=sys.stderr)
        return 1
    counts = summaries["prospects"]["prospects"]
    print(f"covgap: {sum(counts.values())} prospects written to {ctx.output}: "
          + ", ".join(f"{group} {n}" for group, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
