"""Write src/chartspec/static/fonts/font-metrics.json from the bundled font and its fallbacks.

Usage: python tools/font_metrics.py
(needs `apt-get install fonts-dejavu-core fonts-liberation`)

For every character of the bundled Fira Sans subset, the advance width and the vertical extent of
its glyph in Fira Sans and in each fallback face, in font units: what label placement measures
text with, and reserves room for when a reader's machine draws a spec without Fira Sans. Reading
them here rather than from the fonts at run time spares each process parsing the glyphs. The
output depends only on the font files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from chartspec.fonts import FONT_FAMILY, FONT_FILES, FONT_METRICS, read_font_metrics  # noqa: E402

FACES = {
    FONT_FAMILY: {"regular": FONT_FILES[False], "bold": FONT_FILES[True]},
    "DejaVu Sans": {
        "regular": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    },
    "Liberation Sans": {
        "regular": "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "bold": "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    },
}


def main() -> int:
    """Measure each face on the bundled subset's characters and write the JSON."""
    subset = {
        w: set(read_font_metrics(FONT_FILES[w == "bold"]).advances) for w in ("regular", "bold")
    }
    out: dict[str, dict[str, object]] = {}
    for family, weights in FACES.items():
        out[family] = {}
        for weight, path in weights.items():
            metrics = read_font_metrics(Path(path), subset[weight])
            glyphs = [
                [code, advance, *metrics.ink.get(code, (0, 0))]
                for code, advance in sorted(metrics.advances.items())
            ]
            out[family][weight] = {
                "units_per_em": metrics.units_per_em,
                "ascent": metrics.ascent,
                "descent": metrics.descent,
                "glyphs": glyphs,
            }
    text = json.dumps(out, sort_keys=True, separators=(",", ":"))
    FONT_METRICS.write_text(text + "\n", encoding="utf-8")
    print(f"{FONT_METRICS.name}: {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
