"""Rendering the audit report: ``audit.html``, one self-contained page (inline SVG, prints on A4).

It renders the figures :func:`pipelines.audit.audit_figures` gathers, section by section; a
section whose figures are absent says so in a note. No names or IDs: counts only.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["render_html"]

_CSS = """body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.6em}h2{border-bottom:2px solid #345;padding-bottom:.2em;margin-top:1.6em;page-break-after:avoid}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #999;padding:3px 7px;
text-align:left;vertical-align:top}td.n,th.n{text-align:right}thead{display:table-header-group}
tr{page-break-inside:avoid}.bad{color:#a00;font-weight:bold}.ok{color:#060}.note{color:#555;font-size:.9em}
svg{max-width:100%;height:auto;page-break-inside:avoid}code{background:#eee;padding:0 3px}
table.wide{font-size:.8em}table.sortable th{cursor:pointer}table.sortable th:after{content:" \\2195";color:#999}
.filter{margin:.4em 0;padding:3px 6px;width:24em}#commune-table th:nth-child(3){width:14%}
@media print{body{margin:0;max-width:none}a{color:#000}@page{size:A4;margin:12mm}
table{width:100%;table-layout:fixed}th,td{overflow-wrap:anywhere;padding:1px 3px}table.wide{font-size:7pt}
.filter,table.sortable th:after{display:none}}"""


def _table(header: list[str], rows: list[list[Any]], numeric: set[int] | None = None, attributes: str = "",
           sort_values: bool = False) -> str:
    """An HTML table; ``sort_values``: each cell carries its raw value (``data-v``) for sorting."""
    numeric = numeric or set()
    head = "".join(f"<th{' class=n' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(header))

    def cell(i: int, v: Any) -> str:
        raw = f" data-v='{escape('' if v is None else str(v))}'" if sort_values else ""
        return f"<td{' class=n' if i in numeric else ''}{raw}>{_cell(v)}</td>"

    body = "".join("<tr>" + "".join(cell(i, v) for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table{attributes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return escape(str(value))


def _bars(title: str, items: list[tuple[str, float]], width: int = 900) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    row, label_w = 22, 260
    height = row * len(items) + 30
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' role='img' "
             f"aria-label='{escape(title)}'><title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        y = 20 + i * row
        w = (width - label_w - 90) * value / top
        parts.append(f"<text x='{label_w - 6}' y='{y + 14}' text-anchor='end' font-size='12'>{escape(label)}</text>"
                     f"<rect x='{label_w}' y='{y + 2}' width='{w:.1f}' height='{row - 6}' fill='#3b6ea5'/>"
                     f"<text x='{label_w + w + 4:.1f}' y='{y + 14}' font-size='12'>{value:,.0f}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _histogram_svg(hist: dict, thresholds: dict | None, width: int = 900, height: int = 260) -> str:
    """Bars of the match weights; each threshold a dashed line at its own value, inside the axis
    (the axis is widened to take in a threshold beyond the weights), its label stacked under the
    ones before so that no two overlap."""
    edges, counts = hist.get("edges", []), hist.get("counts", [])
    if not counts:
        return "<p class=note>No probabilistic match weights in this run.</p>"
    marks = sorted((float(v), str(k)) for k, v in (thresholds or {}).items()
                   if "weight" in k and "prior" not in k and isinstance(v, int | float) and not isinstance(v, bool))
    lo, hi, top = min([edges[0], *(v for v, _ in marks)]), max([edges[-1], *(v for v, _ in marks)]), max(counts) or 1
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.02 * span, hi + 0.02 * span
    span = hi - lo
    left, bottom = 50, height - 30
    plot_w, plot_h = width - 70, height - 50 - 14 * len(marks)
    top_y = bottom - plot_h

    def x(value: float) -> float:
        return left + plot_w * (value - lo) / span

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' role='img' "
             "aria-label='match weight distribution'><title>match weight distribution</title>",
             f"<line x1='{left}' y1='{bottom}' x2='{left + plot_w}' y2='{bottom}' stroke='#000'/>"]
    for i, count in enumerate(counts):
        h = plot_h * count / top
        bar = max(x(edges[i + 1]) - x(edges[i]) - 1, 1)
        parts.append(f"<rect x='{x(edges[i]):.1f}' y='{bottom - h:.1f}' width='{bar:.1f}' "
                     f"height='{h:.1f}' fill='#6a8fbf'><title>{edges[i]:.2f} to {edges[i + 1]:.2f}: "
                     f"{count}</title></rect>")
    for value in sorted({edges[0], edges[-1], *(t for t in range(int(lo) // 10 * 10, int(hi) + 1, 10) if lo < t < hi)}):
        parts.append(f"<text x='{x(value):.1f}' y='{bottom + 16}' font-size='11' text-anchor='middle'>"
                     f"{value:.1f}</text>")
    parts.append(f"<text x='{left - 6}' y='{top_y + 4}' font-size='11' text-anchor='end'>{top:,}</text>")
    for i, (value, name) in enumerate(marks):
        xv = x(value)
        label_y = 14 + 14 * i  # above the bars, one line per threshold
        anchor, dx = ("end", -3) if xv > left + plot_w * 0.6 else ("start", 3)
        parts.append(f"<line class='threshold' x1='{xv:.1f}' y1='{bottom}' x2='{xv:.1f}' y2='{label_y - 10}' "
                     f"stroke='#c00' stroke-dasharray='4 3'/><text x='{xv + dx:.1f}' y='{label_y}' "
                     f"text-anchor='{anchor}' font-size='11' fill='#c00'>{escape(name)} = {value:.2f}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _inputs_and_ledger(ident: dict[str, Any], ledger: dict[str, Any]) -> list[str]:
    """Sections 1 and 2: the files read, and where every row went."""
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>covgap audit, as of "
           f"{escape(ident['as_of'])}</title><style>{_CSS}</style></head><body>",
           f"<h1>covgap audit report, as of {escape(ident['as_of'])}</h1>",
           f"<p>Code version <code>{escape(ident['code_version'])}</code>. The same figures are in "
           "<code>audit.json</code>; every published file, with its SHA-256, is listed in "
           "<code>manifest.json</code>.</p>",
           "<h2 id='inputs'>1. What came in</h2>",
           _table(["register", "file", "format", "encoding", "rows read", "SHA-256"],
                  [[n, i["file"], i["format"], i["encoding"], i["rows_read"], i["sha256"]]
                   for n, i in ident["inputs"].items()], {4}),
           "<h2 id='ledger'>2. Row ledger: where every row went</h2>",
           "<p>For each register, <b>rows read = rows used + rows quarantined</b>. Quarantined rows are in "
           "<code>quarantine/&lt;register&gt;.csv</code> with their <code>reason</code>.</p>"]
    out.append(_table(["register", "rows read", "used", "quarantined", "of which malformed", "balances"],
                      [[n, e["rows_read"], e["rows_used"], e["rows_quarantined"], e["rows_malformed"],
                        "yes" if e.get("balances") else "NO"] for n, e in ledger.items()], {1, 2, 3, 4}))
    reasons = [[n, rule, count] for n, e in ledger.items() for rule, count in sorted(e["quarantine_reasons"].items())]
    out.append("<h3>Quarantine reasons</h3>" + (_table(["register", "rule", "rows"], reasons, {2}) if reasons else
                                                "<p>No row was quarantined.</p>"))
    optional = [[n, c, k] for n, e in ledger.items() for c, k in sorted(e["optional_values_unusable"].items())]
    out.append("<h3>Unusable optional values (read as missing, rows kept)</h3>" +
               (_table(["register", "column", "values"], optional, {2}) if optional else "<p>None.</p>"))
    linking = [[n, e["rows_used"], e["linking"]["linked"],
                ", ".join(f"{m}: {c:,}" for m, c in e["linking"]["linked_by_method"].items()),
                e["linking"]["sent_to_review"], e["linking"]["unlinked"]] for n, e in ledger.items() if "linking" in e]
    out.append("<h3>Linking of used rows to residents</h3>" +
               (_table(["register", "rows used", "linked", "by method", "sent to review", "unlinked"], linking,
                       {1, 2, 4, 5}) if linking else "<p class=note>No link stage output in this run.</p>"))
    aside = [[n, k["not_in_force"], k["no_enterprise_or_cooperative"]] for n, e in ledger.items()
             if (k := e.get("linking", {}).get("not_compared"))]
    if aside:  # only with labour: its rows that are no person record
        out.append("<p>Labour rows that are not person records (neither linked nor unlinked):</p>" +
                   _table(["register", "not a contract in force", "in force, employer no enterprise or cooperative"],
                          aside, {1, 2}))

    return out


def _quality_section(quality: dict[str, Any] | None) -> list[str]:
    """Section 3: the registers against their Great Expectations suites."""
    out: list[str] = []
    out.append("<h2 id='quality'>3. Data quality (Great Expectations)</h2>")
    if quality:
        out.append("<p>Data Docs: <a href='quality/data_docs/index.html'>quality/data_docs/index.html</a>; "
                   "validation results: <code>quality/validations/&lt;register&gt;.json</code>. Critical expectations "
                   "stop the run; the others are warnings listed here. Each row rule names the quarantine reason it "
                   "stands for, and the counts agree (a unique key: the expectation counts every copy, quarantine the "
                   "later ones).</p>")
        out.append(_table(["register", "rows checked", "previous run", "expectations", "failed", "result"],
                          [[n, q["rows_checked"], q["previous_rows"], q["evaluated"], q["failed"],
                            "passed" if q["success"] else "warnings"] for n, q in quality["registers"].items()],
                          {1, 2, 3, 4}))
        failed = [[n, e["severity"], e["column"], e["expectation"], e["description"], e["rule"], e["unexpected_count"],
                   ", ".join(map(str, e["sample_rows"]))] for n, q in quality["registers"].items()
                  for e in q["failed_expectations"]]
        if failed:
            out.append("<h3>Failed expectations</h3>" + _table(
                ["register", "severity", "column", "expectation", "what", "quarantine rule", "rows", "example rows"],
                failed, {6}))
        agree = [[n, rule, a["flagged_by_expectation"], a["quarantined"],
                  "n/a (copies)" if a["agrees"] is None else ("yes" if a["agrees"] else "NO")]
                 for n, q in quality["registers"].items() for rule, a in q["rule_agreement"].items()]
        out.append("<h3>Expectations and quarantine agree</h3>" +
                   _table(["register", "rule", "rows flagged by the expectation", "rows quarantined", "agree"], agree,
                          {2, 3}))
    else:
        out.append("<p class=note>The quality stage did not run for this output.</p>")

    return out


def _workplace_paragraph(agreement: dict[str, float]) -> str:
    """What an insured record from the employer a resident has a labour contract with said."""
    if not agreement.get("pairs_raised"):
        return ("<p>Employer agreement (labour register): not used tonight; too few sure pairs to learn it from "
                f"({int(agreement.get('matches', 0)):,} sure pairs, {int(agreement.get('non_matches', 0)):,} sure "
                "non-pairs).</p>")
    return ("<p>Employer agreement (labour register): the odds that an active compulsory record is a resident's "
            "are multiplied by "
            f"{agreement['likelihood_ratio']:,} when its employer is one they have a contract in force with "
            f"(m {agreement['m']}, u {agreement['u']}, "
            f"learnt from {int(agreement['matches']):,} sure pairs and {int(agreement['non_matches']):,} sure "
            f"non-pairs tonight); {int(agreement['pairs_raised']):,} candidate pairs raised. The prospects' "
            "confidences count it; <code>links.csv</code> does not.</p>")


def _labels_paragraph(labels: dict[str, int]) -> list[str]:
    """How many clerks' review decisions the linkage used as labels, and how."""
    used = labels.get("match", 0) + labels.get("non_match", 0)
    return ["<h3>Labelled pairs (review decisions)</h3>",
            f"<p>{labels.get('decisions', 0):,} review decision(s) known (<code>review.csv</code> read back), "
            f"{used:,} used as labels tonight: {labels.get('match', 0):,} match(es), linked with method "
            f"<code>review</code>, and {labels.get('non_match', 0):,} non-match(es), never linked; "
            f"{labels.get('not_applied', 0):,} not applied (the record or the resident is not in tonight's "
            "registers, two records share the key, or one record was decided a match with two residents). "
            "In the EM a labelled pair's posterior is held at 1 "
            "(match; its record's other candidates at 0), so its comparison vector adds a whole count to m and "
            "to the record match share; a non-match is no candidate at all. Officers' outcomes are not used as "
            "labels: <em>không đúng người</em> says the listing was wrong, not which record was the person's.</p>"]


def _matching_section(matching: dict[str, Any]) -> list[str]:
    """Section 4: links per method, match weights, thresholds, m and u."""
    out: list[str] = []
    out.append("<h2 id='matching'>4. Matching quality</h2>")
    out.append(_table(["links", "count"], [[m, c] for m, c in (matching.get("links_by_method") or {}).items()] +
                      [[f"units to organisations: {m}", c]
                       for m, c in (matching.get("org_links_by_method") or {}).items()],
                      {1}))
    out.append("<h3>Distribution of match weights (probabilistic links; dashed: thresholds)</h3>" +
               _histogram_svg(matching.get("weights") or {}, matching.get("thresholds")))
    if matching.get("thresholds"):
        out.append(_table(["threshold", "value"], [[k, v] for k, v in sorted(matching["thresholds"].items())]))
    if matching.get("error_rates"):
        out.append("<h3>Estimated error rates</h3>" +
                   _table(["estimate", "value"], [[k, v] for k, v in sorted(matching["error_rates"].items())], {1}))
    else:
        out.append("<p class=note>The model gave no false-match or missed-match estimates in this run.</p>")
    if matching.get("labels"):
        out.extend(_labels_paragraph(matching["labels"]))
    if matching.get("workplace_agreement"):
        out.append(_workplace_paragraph(matching["workplace_agreement"]))
    if matching.get("blocking_counts"):
        out.append("<h3>Candidate pairs per blocking rule</h3>" + _table(
            ["rule", "pairs"], [[k, v] for k, v in matching["blocking_counts"].items()], {1}))
    if matching.get("model"):
        rows = _main_strata(matching["model"])
        header = list(rows[0])
        out.append("<h3>Comparison levels: m, u and weight</h3><p class=note>m is estimated per record stratum "
                   "(source / ID / date of birth kind) and latent class; shown here for each source's largest "
                   "stratum, every stratum in <code>audit.json</code>.</p>" +
                   _table(header, [[row[h] for h in header] for row in rows]))
    else:
        out.append("<p class=note>No probabilistic model parameters in this run (exact links only).</p>")

    return out


def _main_strata(model: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The model rows of each source's stratum with the most matches (all rows when unstratified)."""
    if not model or "stratum" not in model[0]:
        return model
    matches: dict[str, float] = {}
    for row in model:
        matches[row["stratum"]] = matches.get(row["stratum"], 0.0) + float(row.get("matches") or 0.0)
    best: dict[str, str] = {}
    for stratum, count in sorted(matches.items()):
        source = stratum.split("/")[0]
        if source not in best or count > matches[best[source]]:
            best[source] = stratum
    return [row for row in model if row["stratum"] in set(best.values())]


def _estimates_section(estimates: dict[str, Any] | None) -> list[str]:
    """Section 6: how sure the lists are (expected precision and recall, no truth involved)."""
    out = ["<h2 id='estimates'>6. How sure the lists are</h2>"]
    if not estimates:
        return [*out, "<p class=note>No estimates in this run.</p>"]
    out.append("<p>Each listed row's <code>confidence</code> is the probability that it is a true prospect, "
               "computed from the links' probabilities (a person is uncovered with probability "
               "&prod;(1 &minus; P(record is theirs)) over the records that would cover them). A list's expected "
               "precision is the mean confidence of its rows; its expected recall, the expected true prospects "
               "listed over those listed and those left out (rows below 50% go to "
               "<code>prospects_to_verify.csv</code>, not to the officers' lists as prospects).</p>")
    links = estimates.get("links") or {}
    out.append(_table(["links", "value"], [[k, v] for k, v in links.items() if v is not None], {1}))
    header = ["group", "listed", "to verify", "expected true", "expected left out", "expected precision",
              "expected recall"]
    out.append(_table(header, [[g, q["listed"], q["to_verify"], q["expected_true"], q["expected_missed"],
                                q["expected_precision"], q["expected_recall"]]
                               for g, q in estimates["groups"].items()], set(range(1, 7))))
    weakest = sorted((c for c in estimates["by_commune"] if c["listed"] >= 5),
                     key=lambda c: (c["expected_precision"] or 1.0, c["ward_code"], c["group"]))[:25]
    if weakest:
        out.append("<h3>The 25 commune lists the model is least sure of (5 rows or more)</h3>" + _table(
            ["commune", "name", "group", "listed", "to verify", "expected precision", "expected recall"],
            [[c["ward_code"], c["ward_name"], c["group"], c["listed"], c["to_verify"], c["expected_precision"],
              c["expected_recall"]] for c in weakest], {3, 4, 5, 6}))
    return out


def _prospects_section(prospects: dict[str, Any] | None) -> list[str]:
    """Section 5: prospects per group, province and commune."""
    out: list[str] = []
    out.append("<h2 id='prospects'>5. Prospects</h2>")
    if prospects:
        out.append(f"<p>{prospects['total']:,} prospects in <code>prospects.csv</code>.</p>")
        out.append(_bars("prospects per group", list(prospects["by_group"].items())))
        out.append(_table(["group", "prospects"], [[g, n] for g, n in prospects["by_group"].items()], {1}))
        out.append("<h3>Per province</h3>" + _bars("prospects per province", list(prospects["by_province"].items())))
        out.append(_table(["province", "prospects"], [[p, n] for p, n in prospects["by_province"].items()], {1}))
        top = sorted(prospects["by_commune"], key=lambda c: (-c["total"], c["ward_code"]))[:25]
        out.append("<h3>Per commune</h3>" + _bars("the 25 communes with most prospects",
                                                  [(f"{c['ward_code']} {c['ward_name']}", c["total"]) for c in top]))
        groups = list(prospects["by_group"])
        out.append(_table(["province", "commune", "name", "total", *groups],
                          [[c["province_code"], c["ward_code"], c["ward_name"], c["total"], *[c[g] for g in groups]]
                           for c in prospects["by_commune"]], set(range(3, 4 + len(groups))), " class=wide"))
    else:
        out.append("<p class=note>No prospects stage output in this run.</p>")
    out += _changes_part(prospects.get("changes") if prospects else None)
    return out


def _changes_part(changes: dict[str, Any] | None) -> list[str]:
    """Section 5, continued: new, resolved and gone since the previous night in the state store."""
    if not changes:
        return ["<p class=note>No changes stage output in this run.</p>"]
    since = changes["previous_night"]
    out = ["<h3 id='changes'>Since the previous night</h3>",
           f"<p>Compared with the night of {since} in the state store" if since else
           "<p>No earlier night in the state store: every prospect is new",
           f" (<code>changes.csv</code>): {changes['new']:,} new, {changes['still_open']:,} still open, "
           f"{changes['resolved']:,} resolved (now covered), "
           f"{changes['gone']:,} gone (died, moved away, organisation no longer active...); "
           f"{changes['open']:,} listed tonight.</p>"]
    kinds = ("new", "still_open", "resolved", "gone")
    out.append(_table(["group", "new", "still open", "resolved", "gone"],
                      [[g, *(c[k] for k in kinds)] for g, c in changes["by_group"].items()], {1, 2, 3, 4}))
    reasons = changes["gone_reasons"]
    if reasons:
        out.append(_table(["why gone", "prospects"], [[r, n] for r, n in reasons.items()], {1}))
    return out


_COMMUNE_HEADER = {"province_code": "province", "ward_code": "commune", "ward_name": "name", "rows_used": "rows used",
                   "quarantined": "quarantined", "old_mapped": "old code mapped", "split_resolved": "split: resolved",
                   "split_flagged": "split: flagged", "records": "person records", "linked_exact": "linked by ID",
                   "linked_probabilistic": "linked by model", "unlinked": "unlinked", "link_rate": "link rate",
                   "prospects": "prospects", "issue_share": "quarantined + flagged share"}
# Sort on a header click, filter as one types (or from the page address: audit.html#filter=Tân An).
_SORT_AND_FILTER = """<script>(function(){var t=document.getElementById('commune-table'),b=t.tBodies[0],
f=document.getElementById('commune-filter');
t.tHead.addEventListener('click',function(e){var h=e.target.closest('th');if(!h)return;var i=h.cellIndex,
d=h.getAttribute('data-dir')==='asc'?'desc':'asc';h.setAttribute('data-dir',d);var r=[].slice.call(b.rows);
r.sort(function(x,y){var a=x.cells[i].getAttribute('data-v'),c=y.cells[i].getAttribute('data-v'),
p=parseFloat(a),q=parseFloat(c),o=(isNaN(p)||isNaN(q))?a.localeCompare(c,'vi'):p-q;return d==='asc'?o:-o;});
r.forEach(function(x){b.appendChild(x);});});
function apply(){var q=f.value.toLowerCase();[].forEach.call(b.rows,function(x){
x.style.display=x.textContent.toLowerCase().indexOf(q)<0?'none':'';});}
f.addEventListener('input',apply);var m=/filter=([^&]*)/.exec(location.hash);
if(m){f.value=decodeURIComponent(m[1]);apply();}})();</script>"""


def _communes_section(communes: list[dict[str, Any]] | None) -> list[str]:
    """Section 7: where each commune's rows went, worst first; sortable and filterable."""
    out = ["<h2 id='communes'>7. Quality per commune</h2>"]
    if not communes:
        return [*out, "<p class=note>No standardise stage output in this run.</p>"]
    out.append("<p>Per current commune: the rows of every register listed under it, the rows quarantined "
               "(by the commune code typed in them, where it can be read), the pre-July-2025 codes mapped to it, "
               "the split old communes resolved from the address or flagged (listed under the lowest candidate), "
               "the person records (insured, household businesses) linked to a resident by ID or by the model, "
               "and the prospects. Worst first: the share of its rows quarantined or flagged, then the lowest link "
               "rate. Click a column to sort; type to filter.</p>")
    worst = [c for c in communes if c["issue_share"]][:25]
    if worst:
        out.append(_bars("communes with the largest share of quarantined or flagged rows (per 10,000 rows)",
                         [(f"{c['ward_code']} {c['ward_name']}", round(10_000 * c["issue_share"])) for c in worst]))
    columns = list(_COMMUNE_HEADER)
    out.append("<input id='commune-filter' class=filter type=search placeholder='filter: commune, code, province' "
               "aria-label='filter the communes'>")
    out.append(_table([_COMMUNE_HEADER[c] for c in columns], [[c[k] for k in columns] for c in communes],
                      set(range(3, len(columns))), " id='commune-table' class='wide sortable'", sort_values=True))
    out.append(_SORT_AND_FILTER)
    return out


_TRACE = """<h2 id='trace'>9. How to trace a prospect to its input rows</h2>
<ol><li>Every input row is identified by <code>(register, row_number)</code>: <code>row_number</code> 1 is the first
data row of the file (the header is not counted; a register read from a database uses its <code>row_number</code>
column).</li>
<li>In <code>prospects.csv</code>, <code>source_rows</code> lists the input rows a prospect was derived from, e.g.
<code>enterprises:12;managers:40</code>: row 12 of <code>enterprises.csv</code> and row 40 of \
<code>managers.csv</code>.</li>
<li>In <code>links.csv</code>, each link has <code>source,row_number</code> (the insured, manager, household or employer
row), the resident's <code>person_id</code> (or the organisation's <code>tax_code</code>), the <code>method</code>
(<code>exact_id</code>, <code>probabilistic</code>, ...), the weight and the Vietnamese reason.</li>
<li>A row that is in neither was rejected: find it by <code>row_number</code> in
<code>quarantine/&lt;register&gt;.csv</code>, with its <code>reason</code> (the rule names above).</li>
<li>The input files themselves are identified by the SHA-256 in section 1 and in <code>manifest.json</code>;
the Data Docs list example <code>row_number</code>s for every failed expectation.</li></ol>
<p class=note>This page holds counts only: no names or IDs.</p></body></html>
"""


def render_html(figures: dict[str, Any]) -> str:
    """The whole page; every section degrades to a note when its figures are absent."""
    return "\n".join([*_inputs_and_ledger(figures["identity"], figures["ledger"]),
                      *_quality_section(figures["quality"]), *_matching_section(figures["matching"]),
                      *_prospects_section(figures["prospects"]), *_estimates_section(figures.get("estimates")),
                      *_communes_section(figures.get("communes")), *_outcomes_section(figures.get("outcomes")),
                      _TRACE])


def _outcomes_section(outcomes: dict[str, Any] | None) -> list[str]:
    """Section 8: what officers reported back, and the precision it measures beside the model's estimate."""
    out = ["<h2 id='outcomes'>8. Officers' outcomes</h2>"]
    if not outcomes:
        return [*out, "<p class=note>No feedback stage output in this run.</p>"]
    problems = sum((outcomes.get("problems") or {}).values())
    out.append(f"<p>{outcomes['files']:,} filled-in workbook(s) read, {outcomes['new_tonight']:,} outcome(s) new "
               f"tonight, {problems:,} row(s) not used (<code>feedback_report.csv</code>); "
               f"{outcomes['suppressed'] or 0:,} prospect(s) held back tonight (not the right person, or insured "
               "elsewhere, with no new evidence since). Precision counts a listing right when the officer met the "
               "person and they joined or agreed to come back, wrong when not the right person or already insured "
               "elsewhere; other outcomes decide nothing. The interval is Wilson's, 95 %; the model's estimate is "
               "the mean confidence of the same prospects when listed.</p>")
    header = ["group", "outcomes", "decisive", "right", "precision", "95 % low", "95 % high", "model estimate"]

    def line(name: list[str], f: dict[str, Any]) -> list[Any]:
        return [*name, f["outcomes"], f["decisive"], f["right"], f["precision"], f["precision_low"],
                f["precision_high"], f["model_estimate"]]

    out.append(_table(header, [line([g], f) for g, f in outcomes["by_group"].items()] + [
        line(["all"], outcomes["total"])], set(range(1, 8))))
    if outcomes["by_commune_and_group"]:
        out.append("<h3>Per commune and group</h3>" + _table(
            ["commune", *header], [line([c["ward_code"], c["group"]], c) for c in outcomes["by_commune_and_group"]],
            set(range(2, 9))))
    return out
