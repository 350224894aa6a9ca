"""The styles, fonts and scripts Great Expectations' Data Docs load from CDNs, served from the docs'
own folder instead (``static/vendor/``), so that the pages render offline and personal data never
calls out.

Each asset is a file of an npm package at a pinned version, vendored once by
``scripts/vendor_data_docs.py`` into ``pipelines/data_docs_vendor/<package>@<version>/`` with the
package's licence; ``VENDORED.json`` there records each file's SHA-256 and the package tarball's
integrity as the registry gave it (a test checks the files against it). At run time the quality
stage copies the folder beside the pages and points each CDN address at its copy
(:func:`local_address`). Two CDN scripts are not served: Vega, Vega-Lite and Vega-Embed draw
profiling charts, which covgap's suites do not make (their tags are removed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ASSETS", "DROPPED", "VENDOR", "Asset", "Package", "PACKAGES", "local_address"]

VENDOR = Path(__file__).with_name("data_docs_vendor")


@dataclass(frozen=True)
class Package:
    name: str  # as the npm registry names it
    version: str
    licence: str  # the package's own licence file (or, where it ships none, a note written beside it)
    files: tuple[str, ...]  # paths inside the package, kept as they are

    @property
    def folder(self) -> str:
        return f"{self.name.replace('/', '__')}@{self.version}"


@dataclass(frozen=True)
class Asset:
    cdn: str  # the address a Data Docs page names (a prefix: a query or fragment may follow)
    package: Package
    file: str  # which of the package's files it is


_BOOTSTRAP = Package("bootstrap", "4.3.1", "LICENSE", ("dist/css/bootstrap.min.css", "dist/js/bootstrap.min.js"))
_JQUERY = Package("jquery", "3.7.1", "LICENSE.txt", ("dist/jquery.min.js",))
_POPPER = Package("popper.js", "1.12.9", "LICENSE", ("dist/umd/popper.min.js",))
_FONT_AWESOME = Package("@fortawesome/fontawesome-free", "6.6.0", "LICENSE.txt", (
    "css/all.min.css", *(f"webfonts/fa-{f}.{kind}" for f in ("brands-400", "regular-400", "solid-900",
                                                              "v4compatibility") for kind in ("woff2", "ttf"))))
_TABLE = Package("bootstrap-table", "1.19.1", "LICENSE", (
    "dist/bootstrap-table.min.css", "dist/bootstrap-table.min.js",
    "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"))
_DATEPICKER = Package("bootstrap-datepicker", "1.9.0", "LICENSE", (
    "dist/css/bootstrap-datepicker.min.css", "dist/js/bootstrap-datepicker.min.js"))
_DARK = Package("@forevolve/bootstrap-dark", "1.1.0", "LICENSE", ("dist/css/bootstrap-prefers-dark.min.css",))
PACKAGES: tuple[Package, ...] = (_BOOTSTRAP, _JQUERY, _POPPER, _FONT_AWESOME, _TABLE, _DATEPICKER, _DARK)

ASSETS: tuple[Asset, ...] = (
    Asset("https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css", _BOOTSTRAP,
          "dist/css/bootstrap.min.css"),
    Asset("https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js", _BOOTSTRAP,
          "dist/js/bootstrap.min.js"),
    Asset("https://code.jquery.com/jquery-3.7.1.min.js", _JQUERY, "dist/jquery.min.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js", _POPPER,
          "dist/umd/popper.min.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css", _FONT_AWESOME,
          "css/all.min.css"),
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css", _TABLE,
          "dist/bootstrap-table.min.css"),
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js", _TABLE,
          "dist/bootstrap-table.min.js"),
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
          "bootstrap-table-filter-control.min.js", _TABLE,
          "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    # GX's pages name 1.19.0's stylesheet of the extension beside 1.19.1's scripts: 1.19.1's is served
    Asset("https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
          "bootstrap-table-filter-control.min.css", _TABLE,
          "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    Asset("https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
          "bootstrap-table-filter-control.css", _TABLE,
          "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",
          _DATEPICKER, "dist/css/bootstrap-datepicker.min.css"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",
          _DATEPICKER, "dist/js/bootstrap-datepicker.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css", _DARK,
          "dist/css/bootstrap-prefers-dark.min.css"),
)
#: CDN scripts left out (see the module docstring): their tags are removed from the pages.
DROPPED = ("https://cdn.jsdelivr.net/npm/vega@5", "https://cdn.jsdelivr.net/npm/vega-lite@5",
           "https://cdn.jsdelivr.net/npm/vega-embed@6")


def local_address(url: str, up: str) -> str | None:
    """Where a page ``up`` levels below the docs' root finds its copy of ``url`` (None: not vendored).

    >>> local_address("https://code.jquery.com/jquery-3.7.1.min.js", "../../")
    '../../static/vendor/jquery@3.7.1/dist/jquery.min.js'
    >>> local_address("https://example.org/x.js", "") is None
    True
    """
    for asset in ASSETS:
        if re.fullmatch(re.escape(asset.cdn) + r"(?:[?#].*)?", url):
            return f"{up}static/vendor/{asset.package.folder}/{asset.file}"
    return None
