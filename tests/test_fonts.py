from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from chartspec.fonts import (
    FONT_DIR,
    FONT_FAMILY,
    FONT_FILES,
    MEASURED_FAMILIES,
    font_ascent,
    font_descent,
    font_metrics,
    register_fonts,
    svg_with_font,
    text_bounds,
    text_height,
    text_ink,
    text_width,
)

SAMPLES = [
    "Memory³-2B-SFT",
    "Qwen1.5-1.8B-Chat",
    "Llama2-7B-Chat",
    "AVATAR Type fi fl",
    "Tokens/s × 10³ → α≤β",
    "Wo Te Va",
]


def _bounds_spec(texts: list[str], *, size: float, bold: bool, align: str, baseline: str) -> dict:
    """Return a Vega spec whose second mark reports each label's bounds as its text."""
    return {
        "$schema": "https://vega.github.io/schema/vega/v6.json",
        "width": 400,
        "height": 200,
        "data": [{"name": "t", "values": [{"t": t} for t in texts]}],
        "marks": [
            {
                "type": "text",
                "name": "label",
                "from": {"data": "t"},
                "encode": {
                    "enter": {
                        "x": {"value": 50.25},
                        "y": {"value": 100.5},
                        "text": {"field": "t"},
                        "font": {"value": FONT_FAMILY},
                        "fontSize": {"value": size},
                        "fontWeight": {"value": "bold" if bold else "normal"},
                        "align": {"value": align},
                        "baseline": {"value": baseline},
                    }
                },
            },
            {
                # Reactive geometry: one item per label item, carrying its bounds.
                "type": "text",
                "name": "bounds",
                "from": {"data": "label"},
                "encode": {
                    "enter": {
                        "text": {
                            "signal": "[datum.bounds.x1, datum.bounds.y1,"
                            " datum.bounds.x2, datum.bounds.y2] + ''"
                        }
                    }
                },
            },
        ],
    }


def _bounds_texts(node: object) -> list[str]:
    """Collect the texts of the `bounds` mark's items from a scenegraph."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("name") == "bounds":
            found.extend(item["text"] for item in node["items"])
        for value in node.values():
            found.extend(_bounds_texts(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_bounds_texts(value))
    return found


def measure(texts: list[str], *, size: float, bold: bool, align: str, baseline: str) -> list:
    """Return vl-convert's (x0, y0, x1, y1) bounds of each text, using fonts known so far."""
    import vl_convert

    spec = _bounds_spec(texts, size=size, bold=bold, align=align, baseline=baseline)
    scenegraph = vl_convert.vega_to_scenegraph(spec)
    return [[float(v) for v in t.split(",")] for t in _bounds_texts(scenegraph)]


def _vl_convert_bounds(
    texts: list[str],
    *,
    size: float = 13,
    bold: bool = False,
    align: str = "left",
    baseline: str = "alphabetic",
    register: bool = True,
) -> list[list[float]]:
    """Measure texts with vl-convert here after register_fonts, or in a fresh process without."""
    options = {"size": size, "bold": bold, "align": align, "baseline": baseline}
    if register:
        register_fonts()
        return measure(texts, **options)
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from test_fonts import measure; "
        "print(json.dumps(measure(json.loads(sys.argv[2]), **json.loads(sys.argv[3]))))"
    )
    args = [str(Path(__file__).parent), json.dumps(texts), json.dumps(options)]
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_font_files_are_bundled_with_licence() -> None:
    assert FONT_FILES[False].parent == FONT_DIR
    assert (FONT_DIR / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") >= 1
    for bold, path in FONT_FILES.items():
        font = TTFont(path)
        names = {r.nameID: r.toUnicode() for r in font["name"].names if r.platformID == 3}
        assert names[1] == FONT_FAMILY
        assert names[2] == ("Bold" if bold else "Regular")
        assert "GPOS" not in font and "GSUB" not in font
        assert path.stat().st_size < 100_000


def test_font_covers_required_ranges() -> None:
    required = "AZaz09 ¡ÿ×÷ĀſΑΩαω–—…‰²³⁰₉←→↑−≤≥≈∞€"
    for bold in (False, True):
        assert font_metrics(bold=bold).missing(required) == ""


def test_font_is_not_a_system_font() -> None:
    # The fallback widths below only prove something if the system cannot supply the font.
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True)
    assert FONT_FAMILY not in out.stdout


@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("size", [11, 13, 20])
def test_text_width_matches_vl_convert(bold: bool, size: int) -> None:
    measured = _vl_convert_bounds(SAMPLES, size=size, bold=bold)
    for text, (x0, _, x1, _) in zip(SAMPLES, measured, strict=True):
        assert x1 - x0 == pytest.approx(text_width(text, size=size, bold=bold), abs=0.05), text


@pytest.mark.parametrize("align", ["left", "center", "right"])
@pytest.mark.parametrize("baseline", ["alphabetic", "top", "middle", "bottom"])
def test_text_bounds_match_vega(align: str, baseline: str) -> None:
    texts = SAMPLES[:2]
    measured = _vl_convert_bounds(texts, size=13, align=align, baseline=baseline)
    for text, box in zip(texts, measured, strict=True):
        mine = text_bounds(text, x=50.25, y=100.5, size=13, align=align, baseline=baseline)
        assert mine == pytest.approx(box, abs=0.05)


def test_unregistered_font_measures_differently() -> None:
    # Without register_fonts vl-convert falls back to a system face with other widths.
    measured = _vl_convert_bounds(SAMPLES, size=13, register=False)
    differences = [
        abs((x1 - x0) - text_width(t, size=13))
        for t, (x0, _, x1, _) in zip(SAMPLES, measured, strict=True)
    ]
    assert max(differences) > 2


def test_svg_names_the_bundled_family() -> None:
    import vl_convert

    register_fonts()
    spec = {
        "data": {"values": [{"t": "Memory³-2B-SFT"}]},
        "mark": {"type": "text", "font": FONT_FAMILY},
        "encoding": {"text": {"field": "t"}},
    }
    svg = vl_convert.vegalite_to_svg(spec)
    assert f'font-family="{FONT_FAMILY}"' in svg


def test_text_width_basics() -> None:
    assert text_width("", size=13) == 0
    assert text_width("ab", size=26) == pytest.approx(2 * text_width("ab", size=13))
    assert text_width("Memory³", size=13, bold=True) > text_width("Memory³", size=13)
    # A character the font lacks counts as one em.
    assert text_width("中", size=13) == pytest.approx(13)
    assert text_height(13) == 13
    assert font_ascent(10) + font_descent(10) == pytest.approx(12)


def test_register_fonts_is_idempotent() -> None:
    register_fonts()
    register_fonts()
    assert Path(FONT_DIR).is_dir()


def test_web_fonts_are_the_same_subsets_as_the_rendering_fonts() -> None:
    """Pages draw with the WOFF2 files, exports with the TTFs: the glyphs and widths must agree."""
    ttfs = sorted(FONT_DIR.glob("*.ttf"))
    assert ttfs
    for ttf in ttfs:
        web, ref = TTFont(ttf.with_suffix(".woff2")), TTFont(ttf)
        assert web.flavor == "woff2"
        assert web.getBestCmap() == ref.getBestCmap()
        assert web["hmtx"].metrics == ref["hmtx"].metrics


def test_bundled_metrics_are_what_the_tool_reads_from_the_fonts() -> None:
    """The bundled metrics are what tools/font_metrics.py reads from the bundled font and the
    installed fallbacks, and measuring with them is measuring with the bundled font itself."""
    from chartspec.fonts import FONT_FILES, FONT_METRICS, font_metrics, read_font_metrics

    before = FONT_METRICS.read_bytes()
    tool = Path(__file__).resolve().parents[1] / "tools" / "font_metrics.py"
    try:
        subprocess.run([sys.executable, str(tool)], check=True, capture_output=True)
        assert FONT_METRICS.read_bytes() == before
    finally:
        FONT_METRICS.write_bytes(before)
    for bold in (False, True):
        assert font_metrics(bold=bold) == read_font_metrics(FONT_FILES[bold])


@pytest.mark.parametrize("family", MEASURED_FAMILIES)
def test_every_measured_family_knows_the_samples(family: str) -> None:
    for bold in (False, True):
        metrics = font_metrics(bold=bold, family=family)
        assert metrics.missing("".join(SAMPLES[:3])) == ""
    # DejaVu Sans is wider than Fira Sans: what placement must leave room for.
    assert text_width("MiniCPM-2B-SFT", size=11, family="DejaVu Sans") > 1.05 * text_width(
        "MiniCPM-2B-SFT", size=11
    )
    above, below = text_ink("Memory³ gy", size=10, family=family)
    assert 6 < above < 10 and 1 < below < 3


def test_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="no metrics for the font family 'Comic'"):
        font_metrics(family="Comic")


def _embedded_fonts(svg: str) -> list[tuple[str, TTFont]]:
    """Return each @font-face's weight and the font its data: URL holds."""
    import base64
    import io
    import re

    faces = re.findall(r"font-weight:(\d+);src:url\(data:font/woff2;base64,([^)]*)\)", svg)
    return [(weight, TTFont(io.BytesIO(base64.b64decode(data)))) for weight, data in faces]


def test_svg_carries_the_subset_of_the_font_it_uses() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<text font-family="Fira Sans" font-weight="bold">Ab</text>'
        '<text font-family="Fira Sans">Memory³ &amp; 中</text></svg>'
    )
    out = svg_with_font(svg)
    assert out == svg_with_font(svg)  # deterministic
    assert out.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>')
    assert 'font-family="Fira Sans, sans-serif"' in out
    faces = dict(_embedded_fonts(out))
    assert set(faces) == {"400", "700"}
    regular = {chr(code) for code in faces["400"].getBestCmap()}
    assert regular == set("Memory³ &")  # the characters used, not the missing 中
    assert {chr(code) for code in faces["700"].getBestCmap()} == set("Ab")
    assert "unicode-range:U+20,U+26,U+4D,U+65,U+6D,U+6F,U+72,U+79,U+B3" in out


def test_svg_without_text_gets_no_font() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'
    assert svg_with_font(svg) == svg
