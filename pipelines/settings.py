"""The run's settings: ``pipelines/settings.toml`` (or ``covgap run --settings FILE``), loaded into
frozen dataclasses and checked before any stage runs.

Every table and key must be there and no other (a misspelt key is an error, not a default), each
value of its field's type and range; an error names the file, the key and what is wrong. The
``settings`` stage copies the file beside the outputs (``settings.toml``) and the manifest holds
its SHA-256, so a result can always be traced to the settings that made it.

>>> load_settings().prospects.evidence_floor
0.01
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from expectations.thresholds import Thresholds
from matching.linkage import OrgLinkSettings, PersonLinkSettings
from pipelines.catalogue import DEFAULT_SETTINGS_FILE, SETTINGS
from pipelines.exceptions import CovgapError
from pipelines.files import atomic_path, sha256_of

if TYPE_CHECKING:
    from pipelines.context import RunContext

__all__ = ["VERSION", "CheckSettings", "OfficerSettings", "ProspectSettings", "Settings", "SettingsError",
           "load_settings", "record"]

VERSION = 1  # the layout of the file this code reads


class SettingsError(CovgapError):
    """The settings file cannot be used: the message names the file and the key."""

    def __init__(self, path: Path, key: str, problem: str) -> None:
        self.path, self.key, self.problem = path, key, problem
        super().__init__(f"{path}: {key}: {problem}")


@dataclass(frozen=True)
class ProspectSettings:
    evidence_floor: float  # a near-miss record below this probability is noise to an officer, not evidence
    list_probability: float  # a row at least this likely to be a true prospect is listed
    verify_probability: float  # below the list, at least this likely: to verify, not handed out as a prospect
    # uninsured_employee: listed from the most likely row down while the list's precision stays at
    # least this (pipelines.prospects.precision_cut, from the run's own confidences) ...
    employee_list_precision: float
    # ... with this probability, were the confidences right (a margin for chance)
    employee_list_assurance: float
    sure_probability: float  # at least this likely: "sure" (pipelines.feedback: crossing it is new evidence)

    def __post_init__(self) -> None:
        if not 0 <= self.evidence_floor < 1:
            raise ValueError("need 0 <= evidence_floor < 1")
        if not 0 < self.verify_probability <= self.list_probability < 1:
            raise ValueError("need 0 < verify_probability <= list_probability < 1")
        if not self.list_probability <= self.employee_list_precision < 1:
            raise ValueError("need list_probability <= employee_list_precision < 1")
        if not 0.5 <= self.employee_list_assurance < 1:
            raise ValueError("need 0.5 <= employee_list_assurance < 1")
        if not self.list_probability <= self.sure_probability <= 1:
            raise ValueError("need list_probability <= sure_probability <= 1")


@dataclass(frozen=True)
class OfficerSettings:
    contact: str  # the officers' workbooks' cover sheet: whom to call about the lists

    def __post_init__(self) -> None:
        if not self.contact.strip():
            raise ValueError("contact must not be empty")


@dataclass(frozen=True)
class CheckSettings:
    """Checks that stop a run rather than publish nonsense (``pipelines.checks``); raise one on purpose
    (in a copy of this file, named with ``--settings``) to publish anyway."""

    max_value_chars: int  # a value longer than this is no real value (a stray quote glued lines): malformed row
    max_record_lines: int  # most lines one CSV record may take (a quoted address over lines)
    register_quarantine_share: float  # a register with more than this share of its rows quarantined stops the run
    rule_quarantine_share: float  # ... or with more than this share quarantined by one rule
    quarantine_min_rows: int  # ... counted only from this many quarantined rows (4 cooperatives are no share)
    list_shrink: float  # a list shorter than this share of the previous run's stops the run
    as_of_days_ahead: int  # an as-of date more than this many days after today is a mistake

    def __post_init__(self) -> None:
        if self.max_value_chars < 100 or self.max_record_lines < 1 or self.as_of_days_ahead < 0 \
                or self.quarantine_min_rows < 1:
            raise ValueError("need max_value_chars >= 100, max_record_lines >= 1, quarantine_min_rows >= 1, "
                             "as_of_days_ahead >= 0")
        for name in ("register_quarantine_share", "rule_quarantine_share", "list_shrink"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"need 0 <= {name} <= 1")


@dataclass(frozen=True)
class Settings:
    """Everything that changes what a run finds."""

    version: int
    quality: Thresholds
    checks: CheckSettings
    prospects: ProspectSettings
    person_linkage: PersonLinkSettings
    organisation_linkage: OrgLinkSettings
    officers: OfficerSettings


class SettingsRecorded(TypedDict):
    file: str
    version: int
    sha256: str


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key.rsplit(".", 1)[-1])
    if not isinstance(value, dict):
        raise SettingsError(path, key, "table is missing" if value is None else "must be a table")
    return value


def _exact_keys(path: Path, table: dict[str, Any], key: str, wanted: typing.Iterable[str]) -> None:
    wanted = list(wanted)
    unknown = [k for k in table if k not in wanted]
    if unknown:
        raise SettingsError(path, f"{key}.{unknown[0]}", f"unknown key (expected: {', '.join(wanted)})")
    missing = [k for k in wanted if k not in table]
    if missing:
        raise SettingsError(path, f"{key}.{missing[0]}", "key is missing")


def _number(path: Path, key: str, value: Any, kind: Any) -> Any:
    """``value`` as ``kind`` (int or float); a bool or a string is refused, an int is a float. A
    field of names (``tuple[str, ...]``) takes a list of strings."""
    if kind == tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(path, key, f"must be a list of names, not {value!r}")
        return tuple(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and not isinstance(value, int)):
        raise SettingsError(path, key, f"must be {'a whole number' if kind is int else 'a number'}, not {value!r}")
    return kind(value)


def _build[T](path: Path, table: dict[str, Any], key: str, cls: type[T]) -> T:
    """A frozen dataclass of numbers from its table: exactly its fields, each of its type; then the
    dataclass's own checks (``__post_init__``), their message tied to the table."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    _exact_keys(path, table, key, fields)
    hints = typing.get_type_hints(cls)
    values = {name: _number(path, f"{key}.{name}", table[name], hints[name]) for name in fields}
    try:
        return cls(**values)
    except ValueError as error:
        raise SettingsError(path, key, str(error)) from None


def _officers(path: Path, table: dict[str, Any]) -> OfficerSettings:
    _exact_keys(path, table, "officers", [f.name for f in dataclasses.fields(OfficerSettings)])
    if not isinstance(table["contact"], str):
        raise SettingsError(path, "officers.contact", f"must be text, not {table['contact']!r}")
    try:
        return OfficerSettings(contact=table["contact"])
    except ValueError as error:
        raise SettingsError(path, "officers", str(error)) from None


def _thresholds(path: Path, table: dict[str, Any]) -> Thresholds:
    _exact_keys(path, table, "quality", ("volume_warn", "volume_critical", "key_well_formed", "null_rates"))
    rates = _table(path, table, "quality.null_rates")
    null_rates = {register: {column: _number(path, f"quality.null_rates.{register}.{column}", share, float)
                             for column, share in _table(path, rates, f"quality.null_rates.{register}").items()}
                  for register in rates}
    numbers = {k: _number(path, f"quality.{k}", table[k], float)
               for k in ("volume_warn", "volume_critical", "key_well_formed")}
    try:
        return Thresholds(**numbers, null_rates=null_rates)
    except ValueError as error:
        raise SettingsError(path, "quality", str(error)) from None


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and check a settings file (default: the one shipped beside this module)."""
    path = Path(path) if path is not None else DEFAULT_SETTINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(path, "(file)", "settings file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(path, "(file)", f"not a readable TOML file ({error})") from None
    _exact_keys(path, data, "(top level)", ("version", "quality", "checks", "prospects", "linkage", "officers"))
    if data["version"] != VERSION:
        raise SettingsError(path, "version", f"is {data['version']!r}; this covgap reads version {VERSION}")
    linkage = _table(path, data, "linkage")
    _exact_keys(path, linkage, "linkage", ("person", "organisations"))
    return Settings(
        version=VERSION,
        quality=_thresholds(path, _table(path, data, "quality")),
        checks=_build(path, _table(path, data, "checks"), "checks", CheckSettings),
        prospects=_build(path, _table(path, data, "prospects"), "prospects", ProspectSettings),
        person_linkage=_build(path, _table(path, linkage, "linkage.person"), "linkage.person", PersonLinkSettings),
        organisation_linkage=_build(path, _table(path, linkage, "linkage.organisations"), "linkage.organisations",
                                    OrgLinkSettings),
        officers=_officers(path, _table(path, data, "officers")),
    )


def record(ctx: RunContext) -> SettingsRecorded:
    """The first stage: check the run's settings file, then copy it, byte for byte, beside the outputs."""
    source = ctx.settings_file or DEFAULT_SETTINGS_FILE
    settings = load_settings(source)
    with atomic_path(SETTINGS.path(ctx)) as tmp:
        tmp.write_bytes(Path(source).read_bytes())
    return {"file": SETTINGS.relative(), "version": settings.version, "sha256": sha256_of(SETTINGS.path(ctx))}
