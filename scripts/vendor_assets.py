#!/usr/bin/env python3
"""Copy the front-end assets Wegweiser serves itself from node_modules/ into static/vendor/.

Wegweiser loads no script, style sheet or image from a CDN: Leaflet,
leaflet.markercluster and axe-core come from the npm registry (versions
pinned in package.json / package-lock.json) and are served from
static/vendor/. Both node_modules/ and static/vendor/ are git-ignored.

Usage (from the project root, or anywhere):

    npm ci --ignore-scripts
    python scripts/vendor_assets.py

The script uses the standard library only, copies exactly the files listed in
ASSETS, removes nothing else and is idempotent (running it twice gives the
same tree; unchanged files are not rewritten).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (package in node_modules, path inside the package, path below static/vendor/)
# A source ending in "/*" copies every file of that directory (not recursive).
ASSETS: list[tuple[str, str, str]] = [
    ("leaflet", "dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet", "dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet", "dist/images/*", "leaflet/images/"),
    ("leaflet", "LICENSE", "leaflet/LICENSE"),
    (
        "leaflet.markercluster",
        "dist/leaflet.markercluster.js",
        "leaflet.markercluster/leaflet.markercluster.js",
    ),
    (
        "leaflet.markercluster",
        "dist/MarkerCluster.css",
        "leaflet.markercluster/MarkerCluster.css",
    ),
    (
        "leaflet.markercluster",
        "dist/MarkerCluster.Default.css",
        "leaflet.markercluster/MarkerCluster.Default.css",
    ),
    ("leaflet.markercluster", "MIT-LICENCE.txt", "leaflet.markercluster/MIT-LICENCE.txt"),
    # fonts for scripts a phone may lack (Tigrinya: Ethiopic; Arabic, Persian, Pashto, Urdu, Kurdish):
    # only the script's own subset, regular and bold (css/fonts.css loads them by unicode-range)
    ("@fontsource/noto-sans-ethiopic", "files/noto-sans-ethiopic-ethiopic-400-normal.woff2",
     "fonts/noto-sans-ethiopic-400.woff2"),
    ("@fontsource/noto-sans-ethiopic", "files/noto-sans-ethiopic-ethiopic-700-normal.woff2",
     "fonts/noto-sans-ethiopic-700.woff2"),
    ("@fontsource/noto-sans-ethiopic", "LICENSE", "fonts/LICENSE-noto-sans-ethiopic"),
    ("@fontsource/noto-sans-arabic", "files/noto-sans-arabic-arabic-400-normal.woff2",
     "fonts/noto-sans-arabic-400.woff2"),
    ("@fontsource/noto-sans-arabic", "files/noto-sans-arabic-arabic-700-normal.woff2",
     "fonts/noto-sans-arabic-700.woff2"),
    ("@fontsource/noto-sans-arabic", "LICENSE", "fonts/LICENSE-noto-sans-arabic"),
    ("axe-core", "axe.min.js", "axe-core/axe.min.js"),
    ("axe-core", "LICENSE", "axe-core/LICENSE"),
]

# Licence files are copied when the package ships them; everything else is required.
OPTIONAL_SUFFIXES = ("LICENSE", "LICENCE.txt")


def _copy(src: Path, dst: Path) -> bool:
    """Copy src to dst unless dst already has the same content. Return True if written."""
    if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dst)
    return True


def vendor(node_modules: Path, dest: Path, verbose: bool = True) -> int:
    if not node_modules.is_dir():
        print(
            f"error: {node_modules} does not exist.\n"
            "Run `npm ci --ignore-scripts` (or `npm install`) in the project root "
            "first, then run this script again.",
            file=sys.stderr,
        )
        return 2

    missing: list[str] = []
    written = unchanged = 0
    for package, src_rel, dst_rel in ASSETS:
        pkg_dir = node_modules / package
        if not pkg_dir.is_dir():
            missing.append(f"{package} (package not installed)")
            continue
        if src_rel.endswith("/*"):
            src_dir = pkg_dir / src_rel[:-2]
            files = sorted(p for p in src_dir.glob("*") if p.is_file()) if src_dir.is_dir() else []
            if not files:
                missing.append(f"{package}/{src_rel}")
                continue
            pairs = [(p, dest / dst_rel / p.name) for p in files]
        else:
            src = pkg_dir / src_rel
            if not src.is_file():
                if not src_rel.endswith(OPTIONAL_SUFFIXES):
                    missing.append(f"{package}/{src_rel}")
                continue
            pairs = [(src, dest / dst_rel)]
        for src, dst in pairs:
            if _copy(src, dst):
                written += 1
                if verbose:
                    print(f"copied {src.relative_to(node_modules)} -> {dst.relative_to(dest.parent)}")
            else:
                unchanged += 1

    if missing:
        print(
            "error: these files are missing from node_modules:\n  "
            + "\n  ".join(missing)
            + "\nRun `npm ci --ignore-scripts` in the project root and try again.",
            file=sys.stderr,
        )
        return 1
    if verbose:
        print(f"static/vendor: {written} file(s) written, {unchanged} unchanged.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--node-modules",
        type=Path,
        default=ROOT / "node_modules",
        help="node_modules directory to copy from (default: %(default)s)",
    )
    parser.add_argument(
        "--dest",
        type=Path,
        default=ROOT / "static" / "vendor",
        help="target directory (default: %(default)s)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    args = parser.parse_args(argv)
    return vendor(args.node_modules.resolve(), args.dest.resolve(), verbose=not args.quiet)


if __name__ == "__main__":
    sys.exit(main())
