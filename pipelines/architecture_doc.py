"""The generated parts of ``docs/architecture.md``: the flow (``pipelines.flow``) and the
catalogue of artifacts (``pipelines.catalogue``), each between its two marker comments.

    python -m pipelines.architecture_doc    # rewrite them in place; a test fails while they differ
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pipelines import catalogue, flow

__all__ = ["DOC", "render"]

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
SECTIONS = {"flow": flow.markdown, "catalogue": catalogue.markdown}


def render(text: str) -> str:
    """``text`` with every generated section made anew (KeyError names a section with no markers)."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:begin[^>]*-->\n).*?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise KeyError(f"{DOC.name}: no <!-- {name}:begin --> ... <!-- {name}:end --> section")
        text = _replace(pattern, make(), text)
    return text


def _replace(pattern: re.Pattern[str], made: str, text: str) -> str:
    return pattern.sub(lambda m: m.group(1) + made + m.group(2), text)


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
