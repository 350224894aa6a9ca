"""Open audit.html and the Data Docs index in headless Chromium: key figures on the page, no broken
image, no script error. Skipped only when Chromium is not installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

from tests.support.cdp import load_page
from tests.support.required import requires

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = requires(CHROMIUM is not None, "chromium is not installed (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,2000"]


def browse(page: Path, tmp_path: Path) -> tuple[str, str]:
    """(DOM after load, console log); also saves a screenshot beside the test's temporary files."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    profile = tmp_path / "profile"
    shot = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={tmp_path / 'page.png'}",
                           page.as_uri()], capture_output=True, text=True, timeout=90, check=False)
    assert (tmp_path / "page.png").stat().st_size > 10_000, shot.stderr[-2000:]
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=90, check=False)
    return dom.stdout, dom.stderr + shot.stderr


def assert_images_load(dom: str, page: Path) -> None:
    for src in re.findall(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", dom):
        url = urlparse(src)
        assert url.scheme in ("", "file", "data"), f"image from the network: {src}"
        if url.scheme != "data":
            target = Path(unquote(url.path)) if url.scheme == "file" else page.parent / unquote(url.path)
            assert target.is_file(), f"broken image {src}"


def assert_loads_offline(page: Path, tmp_path: Path, url_suffix: str = "") -> list[str]:
    """The browser's own account of the page: every request local and none failed, no script error."""
    load = load_page(CHROMIUM, FLAGS, page.as_uri() + url_suffix, tmp_path / "cdp")
    assert load.requested and not load.failed, load.failed
    assert not load.errors, load.errors
    assert all(url.startswith(("file:", "data:", "about:")) for url in load.requested), load.requested
    return load.requested


def test_audit_page_shows_the_figures(faulty_run: dict, tmp_path: Path) -> None:
    page = faulty_run["output"] / "audit.html"
    dom, console = browse(page, tmp_path)
    audit = json.loads((faulty_run["output"] / "audit.json").read_text(encoding="utf-8"))
    assert "Uncaught" not in console
    assert "covgap audit report, as of 2026-07-01" in dom
    for name, entry in audit["ledger"].items():
        assert f"{entry['rows_read']:,}" in dom and entry["sha256"] in dom, name
    assert f"{audit['prospects']['total']:,} prospects" in dom
    assert "person_id: not a 12-digit personal ID" in dom
    assert "<svg" in dom and "source_rows" in dom
    assert_images_load(dom, page)
    assert_loads_offline(page, tmp_path)


def test_data_docs_index_shows_every_register(faulty_run: dict, tmp_path: Path) -> None:
    page = faulty_run["output"] / "quality" / "data_docs" / "index.html"
    dom, console = browse(page, tmp_path)
    assert "Uncaught" not in console
    assert "covgap data quality, as of 2026-07-01" in dom
    registers = ("population", "enterprises", "cooperatives", "managers", "household_businesses", "insured",
                 "employers")
    for name in registers:
        assert f">{name}</a>" in dom, name
        assert f"registers-{name}" in dom, name  # GX's list of validation results, drawn by its scripts
    assert "Expectation Suites" in dom and dom.count("expectations/population.html") >= 2  # and of suites
    assert_images_load(dom, page)
    requested = assert_loads_offline(page, tmp_path)
    assert any(u.endswith("fa-solid-900.woff2") for u in requested)  # the status icons' font
    assert any(u.endswith("bootstrap.min.css") for u in requested) and any(u.endswith("jquery.min.js")
                                                                          for u in requested)
    pages = sorted((page.parent / "validations" / "population").rglob("*.html"))
    dom, console = browse(pages[0], tmp_path / "validation")
    assert "Uncaught" not in console and "date_of_birth (parsed)" in dom
    assert_images_load(dom, pages[0])
    assert_loads_offline(pages[0], tmp_path / "validation")
    # every failed expectation names example rows, the injected faults' among them
    summary = json.loads((faulty_run["output"] / "quality" / "summary.json").read_text(encoding="utf-8"))
    failed = [e for e in summary["registers"]["population"]["expectations"] if not e["success"] and e["sample_rows"]]
    notes = re.findall(r"Example rows \(<code>row_number</code> in the file\): ([\d, ]+)</p>", dom)
    assert len(notes) == len(failed) > 0
    shown = {int(n) for note in notes for n in note.split(", ")}
    injected = {f["row_number"] for f in faulty_run["injected"] if f["register"] == "population" and f["rule"]}
    assert injected <= shown, (injected, shown)


def test_audit_commune_table_filters_and_prints_uncut(faulty_run: dict, tmp_path: Path) -> None:
    page = faulty_run["output"] / "audit.html"
    audit = json.loads(page.with_name("audit.json").read_text(encoding="utf-8"))
    code = next(c["ward_code"] for c in audit["communes"] if c["ward_code"] != "?" and c["rows_used"] > 50)
    profile = tmp_path / "profile"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                          page.as_uri() + f"#filter={code}"], capture_output=True, text=True, timeout=90,
                         check=False).stdout
    table = dom[dom.index("id=\"commune-table\""):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr( style=\"display: none;\")?><td data-v=\"[^\"]*\">[^<]*</td><td data-v=\"(\d+|\?)\"",
                      table)
    assert len(rows) == len(audit["communes"])
    assert [c for hidden, c in rows if not hidden] == [code]  # the filter from the address, applied by the page
    if shutil.which("pdftotext") is None:
        return  # the print check below needs poppler-utils (.ci/run installs it)
    pdf = tmp_path / "audit.pdf"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, timeout=90, check=False)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    printed = text[text.index("7. Quality per commune"):]
    for commune in audit["communes"]:  # every row, and its last column, on the paper
        assert commune["ward_code"] in printed, commune["ward_code"]
    assert "share" in printed and "prospe" in printed
    last = text[text.index("5. Prospects"):text.index("6. How sure")]
    for commune in audit["prospects"]["by_commune"]:  # the prospects table's last column is printed too
        assert re.search(rf"{commune['ward_code']}.*\s{commune['hi_prospect']:,}\s*$", last, re.M), commune
