"""The settings file: every key there and no other, checked first, recorded and hashed."""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from pathlib import Path

import pytest

from matching.linkage import OrgLinkSettings, PersonLinkSettings
from pipelines.catalogue import DEFAULT_SETTINGS_FILE
from pipelines.cli import main
from pipelines.context import RunContext
from pipelines.settings import SettingsError, load_settings, record

SHIPPED = DEFAULT_SETTINGS_FILE.read_text(encoding="utf-8")


def _with(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SHIPPED
    path = tmp_path / "settings.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return path


def test_linkage_tables_have_exactly_the_fields_of_the_linkage_settings() -> None:
    data = tomllib.loads(SHIPPED)
    assert list(data["linkage"]["person"]) == [f.name for f in dataclasses.fields(PersonLinkSettings)]
    assert list(data["linkage"]["organisations"]) == [f.name for f in dataclasses.fields(OrgLinkSettings)]


def test_the_shipped_file_loads_into_the_dataclasses_the_stages_use() -> None:
    settings = load_settings()
    assert settings.version == 1
    assert settings.person_linkage == PersonLinkSettings(**tomllib.loads(SHIPPED)["linkage"]["person"])
    assert settings.organisation_linkage.link_probability == 0.5
    assert settings.quality.null_rates["population"]["phone"] == 0.9
    assert settings.prospects.evidence_floor == 0.01
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.prospects.evidence_floor = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(("old", "new", "key", "problem"), [
    ("seed = 20260701", "sede = 20260701", "linkage.person.sede", "unknown key"),
    ("threads = 2\n\n# matching.linkage.OrgLinkSettings", "\n# matching.linkage.OrgLinkSettings",
     "linkage.person.threads", "key is missing"),
    ("u_pairs = 1000000", 'u_pairs = "many"', "linkage.person.u_pairs", "must be a whole number"),
    ("em_iterations = 200", "em_iterations = 200.5", "linkage.person.em_iterations", "must be a whole number"),
    ("review_probability = 0.05", "review_probability = 0.9", "linkage.person", "review_probability"),
    ("volume_critical = 0.5", "volume_critical = 0.1", "quality", "volume_warn < volume_critical"),
    ("phone = 0.9", "fax = 0.9", "quality", "'fax' is not an optional column"),
    ("evidence_floor = 0.01", "evidence_floor = true", "prospects.evidence_floor", "must be a number"),
    ('name_m_by_source = ["labour"]', 'name_m_by_source = "labour"', "linkage.person.name_m_by_source",
     "must be a list of names"),
    ("employee_list_precision = 0.99", "employee_list_precision = 0.4", "prospects", "employee_list_precision"),
    ("version = 1", "version = 2", "version", "this covgap reads version 1"),
    ("[prospects]", "[prospect]", "(top level).prospect", "unknown key"),
])
def test_a_bad_file_is_refused_naming_the_file_and_the_key(tmp_path: Path, old: str, new: str, key: str,
                                                          problem: str) -> None:
    path = _with(tmp_path, old, new)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}: {key}"), caught.value
    assert problem in str(caught.value)


def test_covgap_run_stops_on_bad_settings_before_any_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    path = _with(tmp_path, "seed = 20260701", "seed = -")
    code = main(["run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--as-of", "2026-07-01",
                 "--settings", str(path)])
    assert code == 1
    assert f"{path}: (file): not a readable TOML file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_settings_stage_copies_the_file_byte_for_byte(tmp_path: Path) -> None:
    path = _with(tmp_path, "evidence_floor = 0.01", "evidence_floor = 0.02")
    ctx = RunContext.create(tmp_path / "in", tmp_path / "out", "2026-07-01", path)
    recorded = record(ctx)
    copy = tmp_path / "out" / "settings.toml"
    assert copy.read_bytes() == path.read_bytes()
    assert recorded == {"file": "settings.toml", "version": 1, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert ctx.settings.prospects.evidence_floor == 0.02


def test_the_officers_contact_line_is_text(tmp_path: Path) -> None:
    assert "BHXH" in load_settings().officers.contact
    with pytest.raises(SettingsError, match="officers.contact: must be text"):
        load_settings(_with(tmp_path, 'contact = "', 'contact = 5\n# "'))
    with pytest.raises(SettingsError, match="officers: contact must not be empty"):
        load_settings(_with(tmp_path, 'contact = "cán bộ', 'contact = " "\n# "'))
