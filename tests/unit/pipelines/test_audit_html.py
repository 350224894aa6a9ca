"""The audit page's drawings: thresholds inside their axis, labels apart; the commune table sortable."""

from __future__ import annotations

import re

from pipelines.audit_html import _communes_section, _histogram_svg

HIST = {"edges": [-3.9, 10.0, 25.0, 43.7], "counts": [3, 40, 700]}
THRESHOLDS = {"link_weight": 0.0, "review_weight": -4.25, "none_weight:insured": -6.97,
              "none_weight:managers": -9.96, "prior_weight:insured": -11.56, "link_probability": 0.5}


def test_thresholds_are_drawn_inside_the_axis_at_their_value() -> None:
    svg = _histogram_svg(HIST, THRESHOLDS)
    axis = re.search(r"<line x1='(\d+)' y1='\d+' x2='([\d.]+)'", svg)
    assert axis is not None
    left, right = float(axis.group(1)), float(axis.group(2))
    lines = [float(x) for x in re.findall(r"<line class='threshold' x1='([\d.]+)'", svg)]
    assert len(lines) == 4  # weights only, the prior (a starting point, not a threshold) left out
    assert all(left < x < right for x in lines)
    assert lines == sorted(lines) and len(set(lines)) == 4  # each at its own value, -9.96 leftmost
    labels = re.findall(r"<text x='[\d.]+' y='(\d+)' text-anchor='(?:start|end)' font-size='11' fill='#c00'>([^<]+)",
                        svg)
    assert len({y for y, _ in labels}) == 4  # one line each: no two labels overlap
    assert [text for _, text in labels][0] == "none_weight:managers = -9.96"


def test_commune_table_is_sortable_and_filterable_worst_first() -> None:
    communes = [{"province_code": "66", "ward_code": code, "ward_name": name, "rows_used": 500, "quarantined": q,
                 "old_mapped": 3, "split_resolved": 0, "split_flagged": 0, "records": 200, "linked_exact": 150,
                 "linked_probabilistic": 40, "unlinked": 10, "link_rate": 0.95, "prospects": 90,
                 "issue_share": round(q / (500 + q), 4)}
                for code, name, q in (("24305", "Phường Buôn Hồ", 9), ("24163", "Phường Tân An", 1))]
    html = "".join(_communes_section(communes))
    assert "id='commune-table' class='wide sortable'" in html and "id='commune-filter'" in html
    assert html.index("Phường Buôn Hồ") < html.index("Phường Tân An")
    assert "data-v='0.0177'" in html  # raw values to sort on
    assert "No standardise stage output" in "".join(_communes_section(None))
