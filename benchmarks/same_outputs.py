"""Are two runs' output folders the same, byte for byte? Every file under both, by SHA-256.

    python benchmarks/same_outputs.py REFERENCE_DIR NEW_DIR [--published]

For checking that a change (a speed-up) leaves every output as it was. Two things legitimately
differ between runs of different commits and are set aside: ``manifest.json``'s ``generated_at``
(the wall clock) and the code version (``<version>+<commit>``, in ``manifest.json``, ``audit.json``
and ``audit.html``, and so the audit files' hashes in the manifest). ``--published``: leave out
the stage files (``_stages/``). Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

_VERSION = re.compile(rb"(\d+\.\d+\.\d+[^\"'<\s]*?)\+[0-9a-f]{7,40}")
_AUDIT = ("audit.html", "audit.json")


def normalised(path: Path) -> bytes:
    """The file's bytes with the run's clock and the code's commit set aside."""
    data = path.read_bytes()
    if path.name == "manifest.json":
        manifest = json.loads(data)
        manifest.pop("generated_at", None)
        manifest["code_version"] = "<code version>"
        for name in _AUDIT:
            manifest.get("outputs", {}).get(name, {}).pop("sha256", None)
        return json.dumps(manifest, sort_keys=True).encode()
    if path.name in _AUDIT:
        return _VERSION.sub(rb"\1+<commit>", data)
    return data


def digests(root: Path, published: bool) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(normalised(path)).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()
            and not (published and path.relative_to(root).parts[0] == "_stages")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reference", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--published", action="store_true", help="published files only (not _stages/)")
    args = parser.parse_args()
    old, new = digests(args.reference, args.published), digests(args.new, args.published)
    missing, extra = sorted(set(old) - set(new)), sorted(set(new) - set(old))
    changed = sorted(name for name in set(old) & set(new) if old[name] != new[name])
    print(f"{len(old)} files in the reference, {len(new)} in the new run: {len(missing)} missing, "
          f"{len(extra)} extra, {len(changed)} differ")
    for label, names in (("missing", missing), ("extra", extra), ("differs", changed)):
        for name in names[:20]:
            print(f"  {label}: {name}")
    return 1 if missing or extra or changed else 0


if __name__ == "__main__":
    sys.exit(main())
