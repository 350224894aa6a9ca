"""The quality stage on a generated world with injected faults: each fault is named by its expectation,
required-value faults are quarantined and optional ones kept, and the counts agree with quarantine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines import quality
from pipelines.context import RunContext
from pipelines.exceptions import RegisterErrors
from pipelines.ingest import run as ingest_run
from tests.quality.conftest import AS_OF, _read, _write


def _quality(output: Path) -> dict:
    return json.loads((output / "quality" / "summary.json").read_text(encoding="utf-8"))


def test_run_succeeds_and_writes_docs(faulty_run: dict) -> None:
    out = faulty_run["output"]
    assert faulty_run["status"] == 0
    assert (out / "quality" / "data_docs" / "index.html").is_file()
    for name in ("population", "insured", "employers"):
        result = json.loads((out / "quality" / "validations" / f"{name}.json").read_text(encoding="utf-8"))
        assert result["results"], name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"audit.html", "audit.json"} <= set(manifest["outputs"])
    assert manifest["registers"]["employers"]["encoding"] != "utf-8"


@pytest.mark.parametrize("index", range(11))
def test_each_fault_is_named_and_placed(faulty_run: dict, index: int) -> None:
    fault = faulty_run["injected"][index]
    out, register = faulty_run["output"], fault["register"]
    expectations = _quality(out)["registers"][register]["expectations"]
    about = [e for e in expectations if e["column"] == fault["column"] and not e["success"]]
    assert about, f"{register}.{fault['column']}: no failed expectation reports the fault"
    quarantined = pd.read_csv(out / "quarantine" / f"{register}.csv", dtype=str)
    row = quarantined[quarantined["row_number"] == str(fault["row_number"])]
    if fault["rule"]:
        assert fault["rule"] in {e["rule"] for e in about}
        assert len(row) == 1 and fault["rule"] in row["reason"].iloc[0]
    else:
        assert row.empty, "an unusable optional value must not quarantine its row"
        assert any(e["kind"] == "optional" for e in about)


def test_expectation_counts_agree_with_quarantine(faulty_run: dict) -> None:
    summary = _quality(faulty_run["output"])
    compared = 0
    for name, entry in summary["registers"].items():
        for rule, agreement in entry["rule_agreement"].items():
            if agreement["agrees"] is not None:
                compared += 1
                assert agreement["agrees"], f"{name}: {rule}: {agreement}"
            else:  # a unique key: GX counts every copy, quarantine the later ones
                assert agreement["flagged_by_expectation"] >= agreement["quarantined"]
    assert compared >= 15
    assert not summary["critical_failures"]


def test_ledger_balances_in_the_audit(faulty_run: dict) -> None:
    audit = json.loads((faulty_run["output"] / "audit.json").read_text(encoding="utf-8"))
    for name, entry in audit["ledger"].items():
        assert entry["balances"], name
        assert entry["rows_read"] == entry["rows_used"] + entry["rows_quarantined"]
        if "linking" in entry:
            link = entry["linking"]
            aside = sum(link.get("not_compared", {}).values())  # labour rows that are no person record
            assert link["linked"] + link["sent_to_review"] + link["unlinked"] + aside == entry["rows_used"]
    assert sum(audit["prospects"]["by_group"].values()) == audit["prospects"]["total"] > 0
    assert audit["quality"]["registers"]["population"]["failed"] > 0


def test_structural_faults_stop_the_run(faulty_run: dict, tmp_path: Path) -> None:
    world = tmp_path / "in"
    shutil.copytree(faulty_run["world"], world)
    insured = _read(world, "insured").drop(columns=["si_code"])
    _write(insured, world, "insured")
    data = (world / "managers.csv").read_bytes()
    (world / "managers.csv").write_bytes(data[: len(data) // 2].rstrip(b"\n").rsplit(b",", 1)[0])
    with pytest.raises(RegisterErrors) as caught:
        ingest_run(RunContext(world, tmp_path / "out", AS_OF))
    message = str(caught.value)
    assert "insured.csv, column 'si_code': required column is missing" in message
    assert "managers.csv" in message and "cut off" in message


def test_collapsed_volume_stops_the_run_after_writing_docs(faulty_run: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for stage in ("ingest", "validate"):
        shutil.copytree(faulty_run["output"] / "_stages" / stage, out / "_stages" / stage)
    previous = tmp_path / "previous_manifest.json"
    rows = json.loads((faulty_run["output"] / "manifest.json").read_text(encoding="utf-8"))["registers"]
    rows["insured"]["rows_read"] *= 3  # last night's insured was three times bigger
    previous.write_text(json.dumps({"registers": rows}), encoding="utf-8")
    with pytest.raises(quality.QualityError) as caught:
        quality.run(RunContext(faulty_run["world"], out, AS_OF), previous_manifest=previous)
    message = str(caught.value)
    assert "insured.csv" in message and "expect_table_row_count_to_be_between" in message
    assert "previous run" in message
    assert (out / "quality" / "data_docs" / "index.html").is_file()
    summary = _quality(out)
    assert summary["registers"]["insured"]["previous_rows"] == rows["insured"]["rows_read"]
    assert summary["registers"]["population"]["success"] is False  # warnings only
    assert len(summary["critical_failures"]) == 1


def test_outputs_are_deterministic(faulty_run: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for stage in ("ingest", "validate"):
        shutil.copytree(faulty_run["output"] / "_stages" / stage, out / "_stages" / stage)
    quality.run(RunContext(faulty_run["world"], out, AS_OF))
    first = faulty_run["output"] / "quality"
    for path in sorted(first.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (out / "quality" / path.relative_to(first)).read_bytes(), path


def test_quality_per_commune_accounts_for_every_row(faulty_run: dict) -> None:
    """Every used and quarantined row of a register with a commune is under one commune (or the
    '?' line), every prospect under its commune; the worst commune comes first."""
    audit = json.loads((faulty_run["output"] / "audit.json").read_text(encoding="utf-8"))
    communes, ledger = audit["communes"], audit["ledger"]
    with_ward = [n for n in ledger if n != "managers"]
    assert sum(c["rows_used"] for c in communes) == sum(ledger[n]["rows_used"] for n in with_ward)
    assert sum(c["quarantined"] for c in communes) == sum(ledger[n]["rows_quarantined"] for n in with_ward)
    assert sum(c["prospects"] for c in communes) == audit["prospects"]["total"]
    linked = {n: ledger[n]["linking"]["linked"] for n in ("insured", "household_businesses")}
    assert sum(c["linked_exact"] + c["linked_probabilistic"] for c in communes) == sum(linked.values())
    shares = [c["issue_share"] for c in communes if c["issue_share"] is not None]
    assert shares == sorted(shares, reverse=True) and shares[0] > 0
    assert sum(c["old_mapped"] for c in communes) > 0
    assert all(c["ward_code"] == "?" or len(c["ward_code"]) == 5 for c in communes)
