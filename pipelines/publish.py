"""Stage 6, publish: the files officers, engineers and auditors receive.

``prospects.csv`` (machine-readable, full IDs), ``links.csv`` (every link and how it was made),
``quarantine/<register>.csv`` (every rejected row with its reason), ``summary.csv`` and the
per-commune workbooks ``by_ward/<province_code>/<ward_code>.xlsx`` (masked IDs, one commune each),
and last ``manifest.json``, which accounts for every input row.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from matching.admin_units import current_wards
from pipelines.context import RunContext
from pipelines.exceptions import CovgapError
from pipelines.files import atomic_open, sha256_of, write_csv
from pipelines.publish_officer import write_summary, write_ward_workbooks
from pipelines.registers import REGISTERS

__all__ = ["read_stage_summary", "run"]

log = logging.getLogger(__name__)
STAGE = "publish"
_KEY_OF = {"insured": "si_code", "managers": "org_tax_code", "household_businesses": "business_id"}


def read_stage_summary(ctx: RunContext, stage: str) -> dict:
    return json.loads(ctx.stage_path(stage, "summary.json").read_text(encoding="utf-8"))


def _links_table(ctx: RunContext) -> pd.DataFrame:
    """Person and organisation links in one auditable table."""
    person = pd.read_parquet(ctx.stage_path("link", "person_links.parquet"))
    keys = []
    for source, key in _KEY_OF.items():
        table = pd.read_parquet(ctx.stage_path("standardise", f"{source}.parquet"), columns=["row_number", key])
        keys.append(table.rename(columns={key: "source_key"}).assign(source=source))
    person = person.merge(pd.concat(keys), on=["source", "row_number"], how="left")
    person["tax_code"] = None
    org = pd.read_parquet(ctx.stage_path("link", "org_links.parquet"))
    employers = pd.read_parquet(ctx.stage_path("standardise", "employers.parquet"), columns=["row_number", "unit_code"])
    org = org.merge(employers, on="unit_code").rename(columns={"unit_code": "source_key", "score": "match_probability"})
    org["source"], org["person_id"], org["match_weight"] = "employers", None, float("nan")
    columns = ["source", "row_number", "source_key", "person_id", "tax_code", "method", "match_weight",
               "match_probability", "reason", *[c for c in person.columns if c.startswith("w_")]]
    links = pd.concat([person, org], ignore_index=True)
    for column in columns:
        if column not in links:
            links[column] = None
    return links[columns].sort_values(["source", "row_number"], kind="stable").reset_index(drop=True)


def _write_quarantine(ctx: RunContext) -> dict[str, int]:
    counts = {}
    for name in REGISTERS:
        quarantined = pd.read_parquet(ctx.stage_path("validate", f"{name}.quarantine.parquet"))
        write_csv(quarantined, ctx.output / "quarantine" / f"{name}.csv")
        counts[f"quarantine/{name}.csv"] = len(quarantined)
    return counts


def _ledger(ctx: RunContext) -> dict[str, dict]:
    """Per register: rows read = used + quarantined, or the run fails (nothing may vanish)."""
    ingest, validate = read_stage_summary(ctx, "ingest"), read_stage_summary(ctx, "validate")
    ledger = {}
    for name in REGISTERS:
        read, used = ingest[name]["rows_read"], validate[name]["rows_used"]
        quarantined = validate[name]["rows_quarantined"]
        if read != used + quarantined:
            raise CovgapError(f"{ingest[name]['file']}: {read} rows read but {used} used + {quarantined} "
                              "quarantined: rows were lost")
        ledger[name] = {"file": ingest[name]["file"], "format": ingest[name]["format"],
                        "encoding": ingest[name]["encoding"], "sha256": ingest[name]["sha256"],
                        "rows_read": read, "rows_used": used, "rows_quarantined": quarantined,
                        "quarantine_reasons": validate[name]["quarantine_reasons"],
                        "optional_values_unusable": validate[name]["optional_values_unusable"]}
    return ledger


def _code_version() -> str:
    version = metadata.version("covgap")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                                capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version


def run(ctx: RunContext) -> dict:
    """Write every published file, then the manifest that lists them."""
    ledger = _ledger(ctx)
    prospects = pd.read_parquet(ctx.stage_path("prospects", "prospects.parquet"))
    outputs: dict[str, int] = {}
    write_csv(prospects, ctx.output / "prospects.csv")
    outputs["prospects.csv"] = len(prospects)
    links = _links_table(ctx)
    write_csv(links, ctx.output / "links.csv")
    outputs["links.csv"] = len(links)
    outputs.update(_write_quarantine(ctx))
    summary = write_summary(prospects, current_wards(), ctx.output / "summary.csv")
    outputs["summary.csv"] = len(summary)
    for ward_code, rows in sorted(write_ward_workbooks(prospects, ctx.output, ctx.as_of).items()):
        province = prospects.loc[prospects["ward_code"] == ward_code, "province_code"].iloc[0]
        outputs[f"by_ward/{province}/{ward_code}.xlsx"] = rows
    manifest = {
        "as_of": ctx.as_of.isoformat(),
        "code_version": _code_version(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "registers": ledger,
        "stages": {stage: read_stage_summary(ctx, stage) for stage in ("standardise", "link", "prospects")},
        "outputs": {path: {"rows": rows, "sha256": sha256_of(ctx.output / path)} for path, rows in outputs.items()},
    }
    with atomic_open(ctx.output / "manifest.json") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=False)
        handle.write("\n")
    log.info("publish: %d prospects, %d files", len(prospects), len(outputs))
    return {"prospects": len(prospects), "files": len(outputs) + 1}
