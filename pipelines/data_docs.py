"""Great Expectations Data Docs made deterministic and complete offline (the quality stage's last step).

The pages are opened on machines without internet, and personal data must not call out: every
style, font and script they load from a CDN is served from the docs' own ``static/vendor/``
(``pipelines/data_docs_assets.py``: npm packages at pinned versions, with their licences), the GX
logo from ``static/images/``; a CDN tag with no local copy is removed. GX's own scripts stay, so
the index lists the validation results and suites, the tables sort and the icons show. Random
element ids are numbered in order, the batch load time is the run's as-of date, and the index
starts with a plain table of the registers (it reads without JavaScript too, and prints).
"""

from __future__ import annotations

import re
import shutil
from functools import partial
from html import escape
from pathlib import Path
from urllib.parse import quote

from pipelines.data_docs_assets import DROPPED, VENDOR, local_address
from pipelines.summaries import QualitySummary

__all__ = ["offline_docs"]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CDN_TAG = re.compile(r"<(script|link)\b([^>]*?)\b(src|href)=\"(https?://[^\"]+)\"([^>]*)>(\s*</script>)?", re.S)
_STATIC = re.compile(r"\b(href|src)=\"(?:\./|(?:\.\./)+)?static/")
_GX_ASSETS = re.compile(r"https://great-expectations-web-assets\.s3[^\"')]*")
# GX draws the breadcrumb fixed over the page: below it, the page's title was hidden behind it
_LAYOUT_FIX = ("<style id=\"covgap-offline\">.ge-breadcrumbs{position:static!important}"
               "#covgap-quality-summary table{margin-bottom:.5em}</style>")


def _local_tag(match: re.Match[str], up: str) -> str:
    tag, before, attribute, url, after, closing = match.groups()
    if url in DROPPED:
        return ""
    local = local_address(url, up)
    if local is None:
        return ""  # nothing from the network, ever
    # integrity and crossorigin were the CDN's: a file page loads its own copy as is
    rest = re.sub(r"\s(?:integrity|crossorigin)=\"[^\"]*\"", "", before + after).rstrip()
    end = " />" if rest.endswith("/") else ">"
    return f"<{tag}{rest.rstrip('/').rstrip()} {attribute}=\"{local}\"{end}{closing or ''}"


def offline_docs(docs: Path, summary: QualitySummary) -> None:
    """Rewrite every page under ``docs`` (see the module docstring) and copy the vendored assets."""
    shutil.copytree(VENDOR, docs / "static" / "vendor", dirs_exist_ok=True)
    for page in sorted(docs.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        text = _number_ids(text)
        up = "../" * (len(page.relative_to(docs).parts) - 1)
        text = _GX_ASSETS.sub(f"{up}static/images/logo-long.png", text)
        # The batch load time (wall clock) is shown on validation pages: the run's own time instead.
        text = re.sub(r"\b\d{8}T\d{6}\.\d{6}Z\b", summary["as_of"].replace("-", "") + "T000000.000000Z", text)
        text = _CDN_TAG.sub(partial(_local_tag, up=up), text)
        # GX counts the folders of a validation page wrong for its favicon: every static/ link from the root
        text = _STATIC.sub(lambda m: f"{m.group(1)}=\"{up}static/", text)  # noqa: B023 -- used at once
        text = text.replace("</head>", _LAYOUT_FIX + "\n</head>", 1)
        parts = page.relative_to(docs).parts
        if parts[0] == "validations" and parts[1] in summary["registers"]:
            text = _example_rows(text, summary["registers"][parts[1]]["expectations"])
        if page == docs / "index.html":
            text = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + _index_table(summary, docs), text,
                          count=1)
        page.write_text(text, encoding="utf-8")


def _example_rows(text: str, expectations: list[dict]) -> str:
    """Under each failed expectation's "N unexpected values found", the first rows that fail it
    (``row_number``: the row of the register's file, header not counted). GX shows them only with a
    result format that looks every row up one by one, minutes at a million rows; the quality stage
    reads them from the prepared tables' index instead (``pipelines.quality``)."""
    for expectation in expectations:
        if expectation["success"] or not expectation["sample_rows"] or not expectation["description"]:
            continue
        rows = ", ".join(str(r) for r in expectation["sample_rows"])
        note = (f"<p class=\"covgap-rows text-danger\">Example rows (<code>row_number</code> in the file): "
                f"{rows}</p>")
        pattern = re.escape(escape(expectation["description"], quote=False)) + \
            r"\s*</span>\s*<strong[^>]*>\s*<br><br>[^<]*unexpected values? found[^<]*</strong>"
        text = re.sub(pattern, lambda m: m.group(0) + note, text, count=1)  # noqa: B023 -- used at once
    return text


def _number_ids(text: str) -> str:
    """Random uuids (element ids) numbered in order of appearance, the same way every run."""
    ids: dict[str, str] = {}
    return _UUID.sub(lambda m: ids.setdefault(m.group(0), f"id{len(ids) + 1}"), text)


def _index_table(summary: QualitySummary, docs: Path) -> str:
    rows = []
    for name, entry in summary["registers"].items():
        pages = sorted((docs / "validations" / name).rglob("*.html"))
        result = (f"<a href=\"{escape(quote(pages[-1].relative_to(docs).as_posix()))}\">" if pages else "<a>")
        state = "passed" if entry["success"] else ("CRITICAL" if entry["critical_failed"] else "warnings")
        rows.append(f"<tr><td><a href=\"expectations/{escape(name)}.html\">{escape(name)}</a></td>"
                    f"<td>{entry['rows_checked']}</td><td>{entry['evaluated']}</td><td>{entry['failed']}</td>"
                    f"<td>{entry['critical_failed']}</td><td>{result}{state}</a></td></tr>")
    return ("<section id=\"covgap-quality-summary\" style=\"margin:1em;font-family:sans-serif\">"
            f"<h2>covgap data quality, as of {escape(summary['as_of'])}</h2>"
            "<table class=\"table table-sm table-bordered\" style=\"width:auto\"><thead><tr><th>register</th>"
            "<th>rows checked</th><th>expectations</th><th>failed</th><th>critical failed</th><th>result</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table>"
            "<p>Below: Great Expectations' own lists of the validation results and the expectation suites. "
            "Each failed expectation names example <code>row_number</code>s (the row of the register file, "
            "header not counted).</p></section>")
