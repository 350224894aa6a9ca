"""The vendored Data Docs assets: every CDN address GX's templates name is served or knowingly
dropped, each file is the one recorded from the registry, each package has its licence."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import great_expectations

from pipelines.data_docs_assets import ASSETS, DROPPED, PACKAGES, VENDOR, local_address

TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"


def test_every_cdn_address_of_the_templates_is_served_or_dropped() -> None:
    named = {url for path in TEMPLATES.rglob("*.j2")
             for url in re.findall(r"<(?:script|link)\b[^>]*?(?:src|href)=\"(https://[^\"]+)\"",
                                   path.read_text(encoding="utf-8"))}
    assert len(named) >= 15  # the templates were read
    missing = sorted(url for url in named if url not in DROPPED and local_address(url, "") is None)
    assert not missing, f"a Great Expectations upgrade loads more from CDNs: vendor {missing}"


def test_vendored_files_are_those_recorded_with_their_licences() -> None:
    record = json.loads((VENDOR / "VENDORED.json").read_text(encoding="utf-8"))
    assert set(record) == {p.folder for p in PACKAGES}
    for package in PACKAGES:
        entry = record[package.folder]
        assert (entry["package"], entry["version"]) == (package.name, package.version)
        assert entry["integrity"].startswith("sha512-")
        assert set(entry["files"]) == {*package.files, package.licence}
        for name, digest in entry["files"].items():
            assert hashlib.sha256((VENDOR / package.folder / name).read_bytes()).hexdigest() == digest, name
        licence = (VENDOR / package.folder / package.licence).read_text(encoding="utf-8")
        assert re.search(r"MIT|Apache License|Font Awesome", licence), package.name
    for asset in ASSETS:
        assert asset.file in asset.package.files, asset.cdn


def test_font_awesome_fonts_are_where_its_stylesheet_looks() -> None:
    css = next(a for a in ASSETS if a.file == "css/all.min.css")
    text = (VENDOR / css.package.folder / css.file).read_text(encoding="utf-8")
    for url in set(re.findall(r"url\(([^)]+)\)", text)):
        assert (VENDOR / css.package.folder / "css" / url).resolve().is_file(), url
