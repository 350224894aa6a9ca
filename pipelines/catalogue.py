"""Every file a stage reads or writes, named once, with its schema.

Stages never spell a path: they ask an :class:`Artifact` for it (``PERSON_LINKS.path(ctx)``,
``VALIDATED.path(ctx, "insured")``), as Dagster's IO managers build every path in one place.
``docs/architecture.md`` carries the table :func:`markdown` makes (a test keeps them equal), and
a test checks that the files a run writes have the columns listed here.

Pure Python, no third-party imports: the flow (``pipelines/flow.py``) and so the DAG file read
it while Airflow parses the DAG.

>>> PERSON_LINKS.relative()
'_stages/link/person_links.parquet'
>>> QUARANTINE_CSV.relative("insured")
'quarantine/insured.csv'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from contract.groups import PROSPECT_COLUMNS
from contract.registers import ALL_REGISTERS

if TYPE_CHECKING:
    from pipelines.context import RunContext

__all__ = ["ALL_ARTIFACTS", "ARTIFACTS", "DEFAULT_SETTINGS_FILE", "LABOUR_ARTIFACTS",
           "WORKBOOK_FOLDER", "Artifact", "Column", "artifact", "markdown",
           "register_columns", "workbook_path"]

# Column types, as Arrow stores them in Parquet (a column that is empty on every row is stored
# as Arrow's null type; the schema check accepts that for any type).
Kind = Literal["int", "Int", "float", "text", "bool", "timestamp"]
Format = Literal["parquet", "csv", "json", "html", "xlsx", "toml"]
STAGE_ROOT = "_stages"
PER_REGISTER = "{register}"


@dataclass(frozen=True)
class Column:
    """One column: ``name`` (ending in ``*``: one or more columns of that prefix, e.g. ``w_*``, one
    per comparison), its type, and what it is."""

    name: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Artifact:
    """One file (or one file per register, where ``name`` holds ``{register}``) of a run.

    ``stage`` writes it; intermediate files go to ``_stages/<stage>/``, published ones
    (``published=True``) to the output folder itself.
    """

    stage: str
    name: str
    format: Format
    description: str
    columns: tuple[Column, ...] | None = None  # None: not a table, or columns given by its writer
    published: bool = False
    extra_columns: bool = False  # unknown input columns are kept after the listed ones

    @property
    def per_register(self) -> bool:
        return PER_REGISTER in self.name

    def relative(self, register: str | None = None) -> str:
        """Path inside the output folder (``register`` fills ``{register}``)."""
        if self.per_register != (register is not None):
            raise ValueError(f"{self.name}: {'a register is needed' if self.per_register else 'one file only'}")
        name = self.name.replace(PER_REGISTER, register) if register is not None else self.name
        return name if self.published else f"{STAGE_ROOT}/{self.stage}/{name}"

    def path(self, ctx: RunContext, register: str | None = None) -> Path:
        """Where this run keeps it."""
        return ctx.output / self.relative(register)

    def folder(self, output: Path) -> Path:
        """The folder that holds it inside the output folder ``output`` (before a context exists)."""
        return Path(output) / Path(self.relative(PER_REGISTER) if self.per_register else self.relative()).parent


def _columns(*names: str, kind: Kind = "text") -> tuple[Column, ...]:
    return tuple(Column(name, kind) for name in names)


ROW = Column("row_number", "int")


def _register_columns(register: str) -> tuple[Column, ...]:
    return (ROW, *_columns(*ALL_REGISTERS[register].columns))


# Columns every standardised register of people shares (see standardise.person_columns).
_PERSON = (*_columns("person_id", "legacy_id", "person_id_raw", "full_name", "name_folded", "dob"),
           *_columns("dob_year", "dob_month", "dob_day", kind="Int"), Column("dob_swapped", "bool"), Column("sex"))
_WARD = _columns("ward_code", "ward_code_raw", "ward_status", "ward_note", "province_code")

DEFAULT_SETTINGS_FILE = Path(__file__).with_name("settings.toml")  # the shipped settings (a run may name another)
EXTRACTED = Artifact("extract", "{register}.csv", "csv",
                     "the registers copied from the database (nightly runs with a connection id)", None,
                     extra_columns=True)
SETTINGS = Artifact("settings", "settings.toml", "toml", "the settings this run used, byte for byte",
                    published=True)
FEEDBACK_SUMMARY = Artifact("feedback", "summary.json", "json", "workbooks read back, outcomes new tonight, problems")
FEEDBACK_OUTCOMES = Artifact("feedback", "outcomes.parquet", "parquet",
                             "every officer's outcome known tonight: the store's and tonight's new ones (`tonight`)", (
    *_columns("prospect_id", "outcome_date", "read_on", "listed_on", "group", "ward_code", "code", "note",
              "source_file", "sheet"), Column("row_number", "Int"), Column("evidence"), Column("confidence", "float"),
    Column("tonight", "bool")))
FEEDBACK_REPORT_CSV = Artifact("feedback", "feedback_report.csv", "csv",
                               "what in the filled-in workbooks could not be read back, and why (the rest was read)",
                               _columns("file", "sheet", "row", "prospect_id", "check", "problem_vi", "problem_en"),
                               published=True)
FEEDBACK_DECISIONS = Artifact("feedback", "decisions.parquet", "parquet",
                              "every clerk's review decision known tonight: the store's and tonight's new ones "
                              "(`tonight`)", (
    *_columns("record_id", "person_id", "decision", "read_on", "source_file"), Column("row_number", "Int"),
    Column("tonight", "bool")))
INGEST_SUMMARY = Artifact("ingest", "summary.json", "json", "per register: file, format, encoding, SHA-256, rows")
INGESTED = Artifact("ingest", "{register}.parquet", "parquet", "every row as read, every value text",
                    None, extra_columns=True)
MALFORMED = Artifact("ingest", "{register}.malformed.parquet", "parquet",
                     "rows whose field count is not the header's", (ROW, Column("reason"), Column("raw")))
VALIDATE_SUMMARY = Artifact("validate", "summary.json", "json",
                            "per register: rows used and quarantined, reasons, unusable optional values")
VALIDATED = Artifact("validate", "{register}.parquet", "parquet", "the usable rows, as read", None,
                     extra_columns=True)
QUARANTINED = Artifact("validate", "{register}.quarantine.parquet", "parquet",
                       "rejected rows (and malformed ones) with every rule they broke in `reason`", None,
                       extra_columns=True)
QUALITY_STAGE_SUMMARY = Artifact("quality", "summary.json", "json", "the quality summary, as the stage returned it")
QUALITY_SUMMARY = Artifact("quality", "quality/summary.json", "json",
                           "counts per expectation and their agreement with quarantine", published=True)
QUALITY_VALIDATIONS = Artifact("quality", "quality/validations/{register}.json", "json",
                               "Great Expectations validation result", published=True)
DATA_DOCS = Artifact("quality", "quality/data_docs/index.html", "html", "Great Expectations Data Docs, offline",
                     published=True)
STANDARDISE_SUMMARY = Artifact("standardise", "summary.json", "json", "rows and commune-code status per table")
STANDARDISED: dict[str, Artifact] = {
    "population": Artifact("standardise", "population.parquet", "parquet", "residents, typed and normalised", (
        ROW, *_columns("person_id", "full_name", "name_folded", "dob"),
        *_columns("dob_year", "dob_month", "dob_day", kind="Int"), Column("sex"),
        *_columns("household_id", "relation_to_head"), *_WARD, *_columns("address", "phone"),
        Column("death_date", "timestamp"), Column("id_agrees", "bool"))),
    "organisations": Artifact("standardise", "organisations.parquet", "parquet",
                              "enterprises and cooperatives in one table (`kind`)", (
        ROW, *_columns("kind", "tax_code", "name", "name_folded", "legal_form", "status"),
        *_columns("employees", "members", kind="Int"), *_WARD, Column("address"))),
    "managers": Artifact("standardise", "managers.parquet", "parquet", "manager roles", (
        ROW, Column("org_tax_code"), *_PERSON, Column("role"))),
    "household_businesses": Artifact("standardise", "household_businesses.parquet", "parquet",
                                     "household businesses and their owners", (
        ROW, Column("business_id"), *_PERSON, *_columns("business_name", "tax_method", "status"), *_WARD,
        Column("address"), Column("employees", "Int"))),
    "insured": Artifact("standardise", "insured.parquet", "parquet", "participant records", (
        ROW, Column("si_code"), *_PERSON, *_WARD, *_columns("address", "si_type", "si_status", "employer_unit_code"),
        Column("hi_valid_to", "timestamp"), Column("pensioner", "bool"))),
    "employers": Artifact("standardise", "employers.parquet", "parquet", "social security units", (
        ROW, Column("unit_code"), Column("tax_code"), Column("tax_code_checksum_ok", "bool"), Column("tax_code_raw"),
        Column("name"), Column("name_folded"), *_WARD, Column("address"))),
    "labour": Artifact("standardise", "labour.parquet", "parquet",
                       "labour contracts (only when `labour` is given); `ward_code`: the workplace's", (
        ROW, *_columns("contract_id", "employer_tax_code", "employer_tax_code_raw", "employer_name"), *_PERSON,
        Column("contract_type"), *_columns("start_date", "end_date", kind="timestamp"), *_WARD)),
}
LABOUR_EMPLOYERS = Artifact("link", "labour_employers.parquet", "parquet",
                            "per labour contract in force: the enterprise or cooperative its employer is (if any)", (
    ROW, *_columns("tax_code", "method"), Column("probability", "float"), Column("reason")))
LINK_SUMMARY = Artifact("link", "summary.json", "json",
                        "records per source, links per method, blocking counts, thresholds")
PERSON_LINKS = Artifact("link", "person_links.parquet", "parquet", "one row per record linked to a resident", (
    *_columns("record_key", "person_id", "method"), *_columns("match_weight", "match_probability", kind="float"),
    Column("reason"), Column("w_*", "float"), Column("source"), ROW))
_REVIEW = (*_columns("record_key", "record_id", "person_id"), *_columns("weight", "probability", kind="float"),
           Column("reason"), Column("source"), ROW)
REVIEW = Artifact("link", "review.parquet", "parquet",
                  "pairs in the review band (not linked); `record_id` names the record every night "
                  "(`contract.reviews.RECORD_ID_COLUMNS`)", _REVIEW)
BEST_UNLINKED = Artifact("link", "best_unlinked.parquet", "parquet",
                         "per person, the best candidate record not assigned to them", (
    *_columns("person_id", "record_key"), *_columns("match_weight", "match_probability", kind="float"),
    Column("reason"), Column("person_linked", "bool")))
MODEL = Artifact("link", "model.parquet", "parquet",
                 "m (classes summed out, and per latent class), u and weight per record stratum and comparison level", (
    Column("stratum"), Column("comparison"), Column("level", "int"), Column("label"),
    *_columns("m", "u", "weight", "matches", kind="float"), Column("tf_adjusted", "bool"), Column("m_class*", "float")))
CANDIDATES = Artifact("link", "candidates.parquet", "parquet",
                      "every (record, resident) pair at least `evidence_probability` likely, linked or not", (
    *_columns("record_key", "person_id"), Column("match_probability", "float"), Column("linked", "bool")))
ORG_LINKS = Artifact("link", "org_links.parquet", "parquet", "social security units linked to organisations", (
    *_columns("unit_code", "tax_code", "method"), Column("score", "float"), Column("reason")))
ORG_CANDIDATES = Artifact("link", "org_candidates.parquet", "parquet",
                          "every (unit, organisation) pair at least 0.001 likely, linked or not", (
    *_columns("unit_code", "tax_code"), Column("probability", "float"), Column("linked", "bool")))
ORG_MODEL = Artifact("link", "org_model.parquet", "parquet", "the unit model's m and u per comparison level", (
    Column("comparison"), Column("level", "int"), Column("label"), *_columns("m", "u", "unit_share", kind="float")))
PROSPECTS_SUMMARY = Artifact("prospects", "summary.json", "json", "prospects per group")
_PROSPECT_KINDS: dict[str, Kind] = {"confidence": "float", "evidence": "text"}
_PROSPECT = tuple(Column(c, _PROSPECT_KINDS.get(c, "text")) for c in PROSPECT_COLUMNS)
PROSPECTS = Artifact("prospects", "prospects.parquet", "parquet", "the prospect groups, one row per prospect",
                     _PROSPECT)
PROSPECTS_TO_VERIFY = Artifact("prospects", "prospects_to_verify.parquet", "parquet",
                               "rows too unsure to list (confidence below `list_probability`; `uninsured_employee`: "
                               "below its precision cut)", PROSPECTS.columns)
SUPPRESSED = Artifact("prospects", "suppressed.parquet", "parquet",
                      "rows held back from the lists by an officer's outcome (not the right person, insured "
                      "elsewhere) with no new evidence since",
                      (*_PROSPECT, *_columns("outcome", "outcome_date")))
ESTIMATES = Artifact("prospects", "estimates.parquet", "parquet",
                     "per group and commune: listed, expected true among them, expected true left out, to verify", (
    *_columns("group", "ward_code"), Column("listed", "int"), *_columns("expected_true", "expected_missed",
                                                                         kind="float"), Column("to_verify", "int")))
CHANGES_SUMMARY = Artifact("changes", "summary.json", "json", "the previous night compared, open prospects, changes")
OPEN_PROSPECTS = Artifact("changes", "open.parquet", "parquet",
                          "tonight's listed prospects, since when each is listed in its commune, its evidence "
                          "fingerprint and confidence (to the store)", (
    *_columns("prospect_id", "group", "ward_code", "person_id", "tax_code", "business_id", "since", "evidence"),
    Column("confidence", "float")))
_CHANGE = (*_columns("prospect_id", "group", "ward_code", "person_id", "tax_code", "business_id", "change", "reason",
                     "record", "since", "name"),)
CHANGES = Artifact("changes", "changes.parquet", "parquet",
                   "since the previous night in the store: `new`, `resolved` (by `record`), `gone`, `suppressed` "
                   "(by an officer's outcome), why in Vietnamese",
                   _CHANGE)
PROSPECTS_CSV = Artifact("write_lists", "prospects.csv", "csv", "one row per prospect, full IDs",
                         PROSPECTS.columns, published=True)
PROSPECTS_TO_VERIFY_CSV = Artifact("write_lists", "prospects_to_verify.csv", "csv",
                                   "rows too unsure to list: for a clerk to check before an officer visits",
                                   PROSPECTS.columns, published=True)
LINKS_CSV = Artifact("write_lists", "links.csv", "csv", "every link and how it was made", (
    *_columns("source"), ROW, *_columns("source_key", "person_id", "tax_code", "method"),
    *_columns("match_weight", "match_probability", kind="float"), Column("reason"), Column("w_*", "float")),
    published=True)
REVIEW_CSV = Artifact("write_lists", "review.csv", "csv",
                      "candidate pairs for clerical review; `decision` is empty, for the clerk to fill in "
                      "(`match` / `khớp`, `non_match` / `không khớp`) and drop into the feedback folder",
                      (*_REVIEW, Column("decision")), published=True)
QUARANTINE_CSV = Artifact("write_lists", "quarantine/{register}.csv", "csv",
                          "every rejected row, its row number and its reason", None, published=True,
                          extra_columns=True)
CHANGES_CSV = Artifact("write_lists", "changes.csv", "csv",
                       "what changed since the previous night, per prospect: new, resolved, gone, suppressed, and why",
                       _CHANGE,
                       published=True)
SUMMARY_CSV = Artifact("write_lists", "summary.csv", "csv",
                       "prospects per commune and group; new, resolved and gone since the previous night", None,
                       published=True)
WORKBOOK_FOLDER = "by_ward"
WORKBOOK = Artifact("write_province", f"{WORKBOOK_FOLDER}/<province_code>/<ward_code>.xlsx", "xlsx",
                    "one commune's prospects, one sheet per group, IDs masked", published=True)
AUDIT_JSON = Artifact("write_audit", "audit.json", "json", "the audit figures", published=True)
AUDIT_HTML = Artifact("write_audit", "audit.html", "html", "the audit report, one page", published=True)
MANIFEST = Artifact("write_manifest", "manifest.json", "json",
                    "every input row accounted for, every output hashed, the settings' hash", published=True)

ARTIFACTS: tuple[Artifact, ...] = (
    EXTRACTED, SETTINGS, FEEDBACK_SUMMARY, FEEDBACK_OUTCOMES, FEEDBACK_DECISIONS, FEEDBACK_REPORT_CSV,
    INGEST_SUMMARY, INGESTED, MALFORMED, VALIDATE_SUMMARY, VALIDATED, QUARANTINED,
    QUALITY_STAGE_SUMMARY, QUALITY_SUMMARY,
    QUALITY_VALIDATIONS, DATA_DOCS, STANDARDISE_SUMMARY,
    *(a for name, a in STANDARDISED.items() if name != "labour"), LINK_SUMMARY, PERSON_LINKS,
    REVIEW, BEST_UNLINKED, MODEL, CANDIDATES, ORG_LINKS, ORG_CANDIDATES, ORG_MODEL, PROSPECTS_SUMMARY, PROSPECTS,
    PROSPECTS_TO_VERIFY, SUPPRESSED, ESTIMATES, CHANGES_SUMMARY, OPEN_PROSPECTS, CHANGES, PROSPECTS_CSV, CHANGES_CSV,
    PROSPECTS_TO_VERIFY_CSV, LINKS_CSV, REVIEW_CSV,
    QUARANTINE_CSV, SUMMARY_CSV, WORKBOOK, AUDIT_JSON, AUDIT_HTML, MANIFEST,
)
# Written only when the optional `labour` register is given (ARTIFACTS: by every run).
LABOUR_ARTIFACTS: tuple[Artifact, ...] = (STANDARDISED["labour"], LABOUR_EMPLOYERS)
ALL_ARTIFACTS: tuple[Artifact, ...] = (*ARTIFACTS, *LABOUR_ARTIFACTS)
# What each computing stage returned, recorded beside its files (the publishing steps record none).
SUMMARIES: dict[str, Artifact] = {a.stage: a for a in ARTIFACTS if a.name == "summary.json" and not a.published}


def workbook_path(output: Path, province_code: str, ward_code: str) -> Path:
    """One commune's workbook (:data:`WORKBOOK`) in the output folder ``output``."""
    return Path(output) / WORKBOOK_FOLDER / province_code / f"{ward_code}.xlsx"


def artifact(relative: str) -> Artifact:
    """The artifact kept at ``relative`` (as :meth:`Artifact.relative` gives it).

    >>> artifact("_stages/validate/insured.quarantine.parquet").name
    '{register}.quarantine.parquet'
    """
    for item in ALL_ARTIFACTS:
        registers: tuple[str | None, ...] = tuple(ALL_REGISTERS) if item.per_register else (None,)
        if any(item.relative(r) == relative for r in registers):
            return item
    raise KeyError(f"{relative}: not in the catalogue of artifacts")


def register_columns(item: Artifact, register: str) -> tuple[Column, ...]:
    """The listed columns of a per-register artifact (unknown input columns follow them)."""
    if item in (INGESTED, VALIDATED):
        return _register_columns(register)
    if item is QUARANTINED:
        return (ROW, Column("reason"), *_register_columns(register)[1:], Column("raw"))
    if item.columns is None:
        raise ValueError(f"{item.name}: no columns listed")
    return item.columns


def markdown() -> str:
    """The catalogue as the Markdown table in ``docs/architecture.md``."""
    lines = ["| stage | file | format | what | columns |", "|---|---|---|---|---|"]
    for item in ALL_ARTIFACTS:
        if item.columns is not None:
            columns = ", ".join(f"`{c.name}`" + (f" ({c.kind})" if c.kind != "text" else "") for c in item.columns)
        elif item in (INGESTED, VALIDATED, QUARANTINED, QUARANTINE_CSV):
            columns = "`row_number`, " + ("`reason`, " if item in (QUARANTINED, QUARANTINE_CSV) else "") + \
                "the register's columns, then any extra ones"
        else:
            columns = ""
        name = item.relative(PER_REGISTER) if item.per_register else item.relative()
        lines.append(f"| `{item.stage}` | `{name}` | {item.format} | {item.description} | {columns} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m pipelines.catalogue > the table for docs/architecture.md
    print(markdown(), end="")
