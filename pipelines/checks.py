"""Critical checks: a run that would publish nonsense stops, saying why and what to look at.

Each check returns the problems it found (empty: none); the stages raise them as a
:class:`~pipelines.exceptions.CovgapError` before anything is published. Thresholds:
``[checks]`` in the settings (``pipelines.settings.CheckSettings``).

- :func:`as_of_problems` (``settings``, the first stage): an as-of before the two-tier communes
  (1 July 2025: every ``ward_code`` is a two-tier code) or further ahead of today than a run can be.
- :func:`quarantine_problems` (``quality``): a register, or one rule, that quarantines far more rows
  than a register ever does, with the most common reasons and a hint read from the values.
- :func:`list_shrink_problems` (``write_lists``): a prospect list that fell far below the previous run's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from contract.rules import ROW_RULES
from pipelines.exceptions import CovgapError
from pipelines.summaries import IngestSummary, ValidateSummary

if TYPE_CHECKING:
    from pipelines.context import RunContext
    from pipelines.settings import CheckSettings

__all__ = ["TWO_TIER_SINCE", "CheckFailed", "as_of_problems", "check_as_of", "hint", "list_shrink_problems",
           "previous_prospects", "quarantine_problems"]

# Decision 19/2025/QĐ-TTg: the two-tier communes in force (contract, "Commune codes").
TWO_TIER_SINCE = dt.date(2025, 7, 1)
# Value shapes that explain a failing rule, and what to do about them.
_HINTS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("date", re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), "dates look like DD/MM/YYYY; the contract asks for YYYY-MM-DD: "
                                                   "export the column in ISO format"),
    ("date", re.compile(r"\d{1,2}-\d{1,2}-\d{4}"), "dates look like DD-MM-YYYY; the contract asks for YYYY-MM-DD"),
    ("date", re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"), "dates look like DD.MM.YYYY; the contract asks for YYYY-MM-DD"),
    ("date", re.compile(r"\d{5}(\.0)?"), "dates look like spreadsheet serial numbers: export them as YYYY-MM-DD"),
    ("ward_code", re.compile(r"\d{4}"), "commune codes have 4 digits: the leading zero was lost (the file went "
                                        "through a spreadsheet?); keep codes as text"),
    ("id", re.compile(r"\d{11}|\d{9}"), "IDs are one digit short: leading zeros were lost; keep IDs as text"),
    ("id", re.compile(r"\d+\.0"), "IDs end in .0: they were stored as numbers; keep IDs as text"),
)


class CheckFailed(CovgapError):
    """A critical check failed: publishing would hand out nonsense."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("critical check failed; nothing was published:\n" + "\n".join(problems))


def check_as_of(ctx: RunContext) -> None:
    """Stop on an implausible as-of date (part of the first stage, ``settings``)."""
    problems = as_of_problems(ctx.as_of, ctx.settings.checks, dt.date.today())  # today only ever refuses
    if problems:
        raise CheckFailed(problems)


def as_of_problems(as_of: dt.date, checks: CheckSettings, today: dt.date) -> list[str]:
    """What is implausible about ``as_of`` (``today``: the machine's date, only ever used to refuse).

    >>> from pipelines.settings import load_settings
    >>> as_of_problems(dt.date(1900, 1, 1), load_settings().checks, dt.date(2026, 7, 1))[0][:44]
    '--as-of 1900-01-01 is before 1 July 2025, wh'
    >>> as_of_problems(dt.date(2026, 7, 1), load_settings().checks, dt.date(2026, 7, 1))
    []
    """
    if as_of < TWO_TIER_SINCE:
        return [f"--as-of {as_of} is before 1 July 2025, when the two-tier communes the registers use came into "
                "force: every resident's commune code would be unknown. Give the date the extracts were taken"]
    if as_of > today + dt.timedelta(days=checks.as_of_days_ahead):
        return [f"--as-of {as_of} is more than {checks.as_of_days_ahead} days after today ({today}): a register "
                "extract cannot come from the future. Give the date the extracts were taken "
                "(or raise checks.as_of_days_ahead in the settings)"]
    return []


def _kind(column: str) -> str:
    if "date" in column or column in ("hi_valid_to", "registered_on"):
        return "date"
    if column == "ward_code":
        return "ward_code"
    return "id" if column.endswith(("_id", "_code")) else ""


def hint(column: str, values: pd.Series) -> str | None:
    """What the failing values of ``column`` look like, when most share one telling shape.

    >>> hint("date_of_birth", pd.Series(["15/07/1980", "01/02/1975", "1980-13-01"]))
    'dates look like DD/MM/YYYY; the contract asks for YYYY-MM-DD: export the column in ISO format'
    >>> hint("full_name", pd.Series(["", None])) is None
    True
    """
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    for kind, shape, message in _HINTS:
        if kind == _kind(column) and text.str.fullmatch(shape).mean() >= 0.5:
            return message
    return None


def quarantine_problems(ingest: IngestSummary, validate: ValidateSummary, quarantined: dict[str, pd.DataFrame],
                        checks: CheckSettings, as_of: dt.date) -> list[str]:
    """Registers (and rules) whose quarantine is far beyond what a usable extract has.

    ``quarantined``: per register, the quarantined rows (with ``reason`` and the columns), for hints.
    """
    problems = []
    for name, counts in validate.items():
        read = ingest[name]["rows_read"]
        quarantined_rows = counts["rows_quarantined"]
        if not read or quarantined_rows < checks.quarantine_min_rows:
            continue
        file = ingest[name]["file"]
        reasons = sorted(counts["quarantine_reasons"].items(), key=lambda item: (-item[1], item[0]))
        rules = {rule.text: rule for rule in ROW_RULES[name]}
        share = quarantined_rows / read
        over = [(text, n) for text, n in reasons if n / read > checks.rule_quarantine_share]
        if share <= checks.register_quarantine_share and not over:
            continue
        lines = [f"{file}: {quarantined_rows:,} of {read:,} rows quarantined ({share:.0%}; the run stops above "
                 f"{checks.register_quarantine_share:.0%} of a register, or {checks.rule_quarantine_share:.0%} "
                 "for one rule). Most common reasons:"]
        for text, n in reasons[:3]:
            line = f"  - {text}: {n:,} row{'s' if n != 1 else ''} ({n / read:.0%})"
            rule = rules.get(text)
            frame = quarantined.get(name)
            if rule is not None and frame is not None and rule.column in frame:
                failing = frame.loc[frame["reason"].str.contains(text, regex=False), rule.column]
                found = hint(rule.column, failing)
                if rule.check == "not_future" and found is None:
                    found = f"is --as-of {as_of} right? most of these dates are after it"
                if found:
                    line += f"; hint: {found}"
            lines.append(line)
        problems.append("\n".join(lines))
    return problems


def previous_prospects(manifest: Path | None) -> int | None:
    """Prospects the previous run listed (its manifest's ``prospects.csv`` rows), or None."""
    if manifest is None or not manifest.is_file():
        return None
    try:
        outputs = json.loads(manifest.read_text(encoding="utf-8")).get("outputs", {})
        return int(outputs["prospects.csv"]["rows"])
    except (KeyError, TypeError, ValueError):
        return None


def list_shrink_problems(listed: int, previous: int | None, checks: CheckSettings, manifest: Path | None) -> list[str]:
    """A list far shorter than the previous run's (a broken extract, a wrong as-of), as a problem.

    >>> from pipelines.settings import load_settings
    >>> list_shrink_problems(10, 1500, load_settings().checks, Path("/runs/manifest.json"))[0][:40]
    'the prospect list has 10 rows, 1% of the'
    >>> list_shrink_problems(1400, 1500, load_settings().checks, None)
    []
    """
    if not previous or listed >= checks.list_shrink * previous:
        return []
    return [f"the prospect list has {listed:,} rows, {listed / previous:.0%} of the {previous:,} of the previous run "
            f"({manifest}); the run stops below {checks.list_shrink:.0%}. Check the registers (a partial extract?) "
            "and --as-of; if the fall is real, raise checks.list_shrink in a copy of the settings (--settings)"]
