"""Rebuild the bundled Fira Sans subset in src/chartspec/static/fonts from the PyPI release.

Usage: python tools/subset_fonts.py [fontpkg_fira_sans-4.203-py3-none-any.whl]

Without an argument the wheel is fetched with `pip download fontpkg-fira-sans==4.203`.
Each subset is written as TTF (for vl-convert) and WOFF2 (for web pages; needs `brotli`).
The output is byte-identical for the same source wheel, fontTools and brotli versions.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE_PACKAGE = "fontpkg-fira-sans==4.203"
OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "chartspec" / "static" / "fonts"
FILES = {"FiraSans-Regular.ttf": "FiraSans-Regular.ttf", "FiraSans-Bold.ttf": "FiraSans-Bold.ttf"}

# Code point ranges kept: what chart titles, axis labels and model names need.
RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement (× ² ³ µ °)
    (0x0100, 0x017F),  # Latin Extended-A
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x2000, 0x206F),  # General Punctuation (– — … ‰ ′)
    (0x2070, 0x209F),  # Superscripts and Subscripts
    (0x20A0, 0x20CF),  # Currency Symbols
    (0x2100, 0x214F),  # Letterlike Symbols
    (0x2190, 0x21FF),  # Arrows
    (0x2200, 0x22FF),  # Mathematical Operators (− ≤ ≈)
    (0x25A0, 0x25FF),  # Geometric Shapes
]


def subset_font(src: Path, dst: Path) -> None:
    """Write a subset of `src` with no layout tables, so widths are plain advance sums."""
    options = subset.Options()
    # No GSUB/GPOS: no kerning or ligatures anywhere, so the advance widths that
    # chartspec.fonts.text_width adds up are exactly what every renderer draws.
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = TTFont(src, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    font.save(dst)
    font.flavor = "woff2"
    font.save(dst.with_suffix(".woff2"))


def main(argv: list[str]) -> int:
    """Extract the source TTFs and licence from the wheel and write the subsets."""
    with tempfile.TemporaryDirectory() as tmp:
        if argv:
            wheel = Path(argv[0])
        else:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp, SOURCE_PACKAGE],
                check=True,
            )
            wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(tmp)
        pkg = Path(tmp) / "fontpkg_fira_sans"
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        for src_name, dst_name in FILES.items():
            subset_font(pkg / "files" / src_name, OUT_DIR / dst_name)
        (OUT_DIR / "OFL.txt").write_bytes((pkg / "LICENSE").read_bytes())
    for path in sorted([*OUT_DIR.glob("*.ttf"), *OUT_DIR.glob("*.woff2")]):
        print(f"{path.name}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
