"""Vendor the Data Docs' CDN assets from the npm registry (``pipelines/data_docs_assets.PACKAGES``):
``npm pack`` each pinned package, keep its listed files and its licence, and record every file's
SHA-256 and the tarball's integrity in ``pipelines/data_docs_vendor/VENDORED.json``.

Run it only to change a version (the vendored files are committed):
    .venv/bin/python scripts/vendor_data_docs.py
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.data_docs_assets import PACKAGES, VENDOR  # noqa: E402

# popper.js 1.12.9 ships no licence file; its package.json and the header of popper.min.js say MIT.
_POPPER_LICENCE = """popper.js 1.12.9 ships no licence file. Its package.json declares "license": "MIT",
and the header of dist/umd/popper.min.js reads:

 Copyright (C) Federico Zivolo 2017
 Distributed under the MIT License (license terms are at http://opensource.org/licenses/MIT).

MIT License

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def main() -> None:
    record = {}
    shutil.rmtree(VENDOR, ignore_errors=True)
    with tempfile.TemporaryDirectory() as work:
        for package in PACKAGES:
            spec = f"{package.name}@{package.version}"
            packed = json.loads(subprocess.run(["npm", "pack", "--json", spec], cwd=work, capture_output=True,
                                               text=True, check=True).stdout)[0]
            with tarfile.open(Path(work) / packed["filename"]) as archive:
                archive.extractall(Path(work) / package.folder, filter="data")
            source, target = Path(work) / package.folder / "package", VENDOR / package.folder
            files = {}
            for name in (*package.files, package.licence):
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                if name == package.licence and not (source / name).is_file():
                    (target / name).write_text(_POPPER_LICENCE, encoding="utf-8")
                else:
                    shutil.copyfile(source / name, target / name)
                files[name] = hashlib.sha256((target / name).read_bytes()).hexdigest()
            record[package.folder] = {"package": package.name, "version": package.version,
                                      "integrity": packed["integrity"], "shasum": packed["shasum"],
                                      "licence": package.licence, "files": files}
    (VENDOR / "VENDORED.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"vendored {len(record)} packages into {VENDOR}")


if __name__ == "__main__":
    main()
