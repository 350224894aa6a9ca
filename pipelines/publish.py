"""Stage 6, publish: the files officers, engineers and auditors receive.

``prospects.csv`` (machine-readable, full IDs), ``links.csv`` (every link and how it was made),
``quarantine/<register>.csv`` (every rejected row with its reason), ``summary.csv`` and the
per-commune workbooks ``by_ward/<province_code>/<ward_code>.xlsx`` (masked IDs, one commune each),
and last ``manifest.json``, which accounts for every input row.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import multiprocessing
import os
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path

import pandas as pd

from matching.admin_units import current_wards
from pipelines.audit import write_audit
from pipelines.context import RunContext
from pipelines.exceptions import CovgapError
from pipelines.files import atomic_open, sha256_of, write_csv
from pipelines.publish_officer import write_summary, write_ward_workbooks
from pipelines.registers import REGISTERS

__all__ = ["read_stage_summary", "run", "write_audit"]

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


def _write_quarantine(ctx: RunContext) -> None:
    for name in REGISTERS:
        quarantined = pd.read_parquet(ctx.stage_path("validate", f"{name}.quarantine.parquet"))
        write_csv(quarantined, ctx.output / "quarantine" / f"{name}.csv")


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


def provinces_with_prospects(ctx: RunContext) -> list[str]:
    """Province codes that get commune workbooks (the DAG maps one task over each)."""
    prospects = pd.read_parquet(ctx.stage_path("prospects", "prospects.parquet"), columns=["province_code"])
    return sorted(prospects["province_code"].dropna().unique().tolist())


def write_lists(ctx: RunContext) -> dict:
    """The country-wide files: prospects, links, quarantine, summary. Checks the row ledger first."""
    _ledger(ctx)
    prospects = pd.read_parquet(ctx.stage_path("prospects", "prospects.parquet"))
    write_csv(prospects, ctx.output / "prospects.csv")
    write_csv(_links_table(ctx), ctx.output / "links.csv")
    write_csv(pd.read_parquet(ctx.stage_path("link", "review.parquet")), ctx.output / "review.csv")
    _write_quarantine(ctx)
    write_summary(prospects, current_wards(), ctx.output / "summary.csv")
    return {"prospects": len(prospects)}


def write_province(ctx: RunContext, province_code: str) -> dict:
    """The commune workbooks of one province (removing any stale ones of an earlier run)."""
    prospects = pd.read_parquet(ctx.stage_path("prospects", "prospects.parquet"))
    prospects = prospects[prospects["province_code"] == province_code]
    written = write_ward_workbooks(prospects, ctx.output, ctx.as_of, provinces=[province_code])
    return {"province_code": province_code, "workbooks": len(written), "rows": sum(written.values())}


def write_manifest(ctx: RunContext) -> dict:
    """Last: ``manifest.json``, listing every published file with its rows and SHA-256."""
    prospects = pd.read_parquet(ctx.stage_path("prospects", "prospects.parquet"),
                                columns=["ward_code", "province_code"])
    rows = {"prospects.csv": len(prospects)}
    rows.update({f"by_ward/{p}/{w}.xlsx": int(n) for (p, w), n in
                 prospects.groupby(["province_code", "ward_code"]).size().items()})
    for name in ("links.csv", "review.csv", "summary.csv", *(f"quarantine/{r}.csv" for r in REGISTERS)):
        rows[name] = _csv_rows(ctx.output / name)
    missing = [path for path in rows if not (ctx.output / path).is_file()]
    if missing:
        raise CovgapError(f"{ctx.output}: outputs missing before the manifest: {', '.join(missing[:5])}")
    manifest = {
        "as_of": ctx.as_of.isoformat(),
        "code_version": _code_version(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "registers": _ledger(ctx),
        "stages": {stage: read_stage_summary(ctx, stage) for stage in ("standardise", "link", "prospects")},
        "outputs": {path: {"rows": n, "sha256": sha256_of(ctx.output / path)} for path, n in sorted(rows.items())},
    }
    # Issue 5: the audit report (write_audit, called just before) is listed when it was written.
    for path in ("audit.html", "audit.json"):
        if (ctx.output / path).is_file():
            manifest["outputs"][path] = {"rows": None, "sha256": sha256_of(ctx.output / path)}
    manifest["outputs"] = dict(sorted(manifest["outputs"].items()))
    with atomic_open(ctx.output / "manifest.json") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return {"files": len(rows) + 1}


def _csv_rows(path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def run(ctx: RunContext, workers: int | None = None) -> dict:
    """Everything, in order; commune workbooks of different provinces in parallel processes."""
    summary = write_lists(ctx)
    provinces = provinces_with_prospects(ctx)
    workers = workers or min(len(provinces), os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = list(pool.map(write_province, [ctx] * len(provinces), provinces))
    else:
        done = [write_province(ctx, province) for province in provinces]
    _remove_stale_provinces(ctx, set(provinces))
    summary["workbooks"] = sum(d["workbooks"] for d in done)
    summary.update(write_audit(ctx))  # issue 5: audit.html / audit.json, listed in the manifest
    summary.update(write_manifest(ctx))
    log.info("publish: %d prospects, %d workbooks", summary["prospects"], summary["workbooks"])
    return summary


def _remove_stale_provinces(ctx: RunContext, provinces: set[str]) -> None:
    """A province with no prospects this run keeps no workbook from an earlier run."""
    root = ctx.output / "by_ward"
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in provinces:
                shutil.rmtree(folder)
