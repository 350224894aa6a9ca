"""Reading registers: encodings, Parquet, and files that must stop the run."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from pipelines.catalogue import INGESTED
from pipelines.context import RunContext
from pipelines.exceptions import RegisterErrors
from pipelines.run import run_stage
from tests.support.legacy_encodings import encode_cp1258, encode_legacy_font
from tests.support.world import World

NAME = "Nguyễn Thị Hương"


def folder_with_one_person(tmp_path: Path) -> Path:
    world = World()
    world.person(1, full_name=NAME, address="Thôn Đông Hòa")
    return world.write(tmp_path / "in")


def read_population(folder: Path, tmp_path: Path) -> tuple[pd.DataFrame, dict]:
    ctx = RunContext(folder, tmp_path / "out", dt.date(2026, 7, 1))
    summary = run_stage(ctx, "ingest")
    return pd.read_parquet(INGESTED.path(ctx, "population")), summary["population"]


@pytest.mark.parametrize(("encode", "label"), [
    (lambda text: ("\ufeff" + text).encode("utf-8"), "utf-8-sig"),
    (lambda text: unicodedata.normalize("NFD", text).encode("utf-8"), "utf-8"),
    (encode_cp1258, "cp1258"),
    (lambda text: encode_legacy_font(text, "vni").encode("latin-1"), "vni"),
    (lambda text: encode_legacy_font(text, "tcvn3").encode("utf-8"), "utf-8+tcvn3"),
])
def test_encodings_are_detected_and_converted(tmp_path: Path, encode, label: str) -> None:  # type: ignore[no-untyped-def]
    folder = folder_with_one_person(tmp_path)
    path = folder / "population.csv"
    path.write_bytes(encode(path.read_text(encoding="utf-8")))
    rows, summary = read_population(folder, tmp_path)
    assert summary["encoding"] == label
    assert unicodedata.normalize("NFC", rows.loc[0, "full_name"]) == NAME


def test_unrecognisable_bytes_stop_the_run_naming_the_file(tmp_path: Path) -> None:
    folder = folder_with_one_person(tmp_path)
    (folder / "insured.csv").write_bytes(b"si_code,full_name,date_of_birth\n" + bytes(range(0x80, 0x100)) * 3)
    with pytest.raises(RegisterErrors, match=r"insured\.csv: text is not UTF-8"):
        read_population(folder, tmp_path)


@pytest.mark.parametrize(("content", "message"), [
    ("si_code,full_name\n", r"insured\.csv, column 'date_of_birth': required column is missing"),
    ("si_code,full_name,date_of_birth\n0123456789,Nguy", r"insured\.csv, row 1: file is cut off mid-row"),
    ('si_code,full_name,date_of_birth\n0123456789,"A,1985\n', r"insured\.csv.*cut off or badly quoted"),
])
def test_structural_faults_stop_the_run(tmp_path: Path, content: str, message: str) -> None:
    folder = folder_with_one_person(tmp_path)
    (folder / "insured.csv").write_text(content, encoding="utf-8")
    with pytest.raises(RegisterErrors, match=message):
        read_population(folder, tmp_path)


def test_missing_register_names_the_file(tmp_path: Path) -> None:
    folder = folder_with_one_person(tmp_path)
    (folder / "employers.csv").unlink()
    with pytest.raises(RegisterErrors, match=r"employers\.csv: register 'employers' not found"):
        read_population(folder, tmp_path)


def test_parquet_register_keeps_leading_zeros(tmp_path: Path) -> None:
    folder = folder_with_one_person(tmp_path)
    frame = pd.read_csv(folder / "population.csv", dtype=str)
    frame["ward_code"] = frame["ward_code"].astype(int)  # a careless export
    frame.to_parquet(folder / "population.parquet", index=False)
    (folder / "population.csv").unlink()
    rows, summary = read_population(folder, tmp_path)
    assert summary["format"] == "parquet" and rows.loc[0, "ward_code"] == "00004"


def test_extra_columns_are_kept_and_absent_optional_columns_added(tmp_path: Path) -> None:
    folder = folder_with_one_person(tmp_path)
    frame = pd.read_csv(folder / "population.csv", dtype=str, keep_default_na=False)
    frame.drop(columns=["phone"]).assign(ethnicity="Kinh").to_csv(folder / "population.csv", index=False)
    rows, _ = read_population(folder, tmp_path)
    assert rows.columns[-1] == "ethnicity" and rows["phone"].isna().all()
