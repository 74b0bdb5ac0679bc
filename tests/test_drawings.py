"""Drawings: the dark colours, one drawing for both themes, and drawings made ready to inline."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from chartspec.drawings import (
    DARK_COLOURS,
    DARK_TARGET,
    dark_config_for,
    drawing_file,
    file_to_still_svg,
    palette_png,
    still_drawing,
    still_svg,
    themed_svg,
    tidy_svg,
)
from chartspec.fonts import svg_with_font


def test_dark_config_recolours_only_the_boxes_a_spec_draws() -> None:
    plain = dark_config_for({"mark": "point"})
    assert "fillColor" not in plain["legend"] and "strokeColor" not in plain["legend"]
    assert plain["view"]["stroke"] == DARK_COLOURS["frame"]
    boxed = dark_config_for(
        {
            "config": {
                "legend": {"strokeColor": "#ccc", "fillColor": "white"},
                "view": {"stroke": None},
            }
        }
    )
    assert boxed["legend"]["strokeColor"] == DARK_COLOURS["frame"]
    assert boxed["legend"]["fillColor"] == DARK_COLOURS["background"]
    assert "stroke" not in boxed["view"]


LIGHT_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<path d="M0,0h10v10h-10Z" fill="white"/><g class="mark-text"><text fill="#000">a</text>'
    '<text fill="#000">b</text></g></svg>'
)


def test_themed_svg_classes_each_recoloured_element_with_its_dark_role() -> None:
    dark = (
        LIGHT_SVG.replace('fill="white"', f'fill="{DARK_COLOURS["background"]}"')
        .replace('fill="#000">a', f'fill="{DARK_COLOURS["muted"]}">a')
        .replace('fill="#000">b', f'fill="{DARK_COLOURS["text"]}">b')
    )
    themed = themed_svg(LIGHT_SVG, dark)
    assert themed is not None
    assert '<path d="M0,0h10v10h-10Z" fill="white" class="dark-fill-background"' in themed
    assert '<text fill="#000" class="dark-fill-muted">a</text>' in themed
    assert '<text fill="#000" class="dark-fill-text">b</text>' in themed


def test_themed_svg_names_a_colour_the_theme_lightened_by_its_hex() -> None:
    """A colour a spec sets, lightened for the dark page, is said once in the file's style."""
    dark = LIGHT_SVG.replace('fill="#000">a', 'fill="#4f8bbd">a')
    themed = themed_svg(LIGHT_SVG, dark)
    assert themed is not None and '<text fill="#000" class="dark-fill-4f8bbd">a</text>' in themed
    drawn = drawing_file(themed)
    assert ":root:target .dark-fill-4f8bbd { fill: #4f8bbd; }" in drawn
    assert file_to_still_svg(svg_with_font(drawn), themed=True) == still_svg(themed)


def test_drawing_file_is_light_and_dark_as_its_target() -> None:
    dark = LIGHT_SVG.replace('fill="white"', f'fill="{DARK_COLOURS["background"]}"')
    themed = themed_svg(
        LIGHT_SVG.replace("<text ", '<text role="graphics-symbol" aria-label="a" '),
        dark.replace("<text ", '<text role="graphics-symbol" aria-label="a" '),
    )
    assert themed is not None
    drawn = drawing_file(themed)
    assert f'id="{DARK_TARGET}"' in drawn  # x.svg#dark makes the root the :target
    style = drawn.split("<style>")[1].split("</style>")[0]
    background = DARK_COLOURS["background"]
    assert style == f":root:target .dark-fill-background {{ fill: {background}; }}\n"
    assert 'fill="white" class="dark-fill-background"' in drawn  # light unless targeted
    assert "aria-label" not in drawn and "role=" not in drawn  # a still picture
    assert drawing_file(themed) == drawn


def test_a_drawing_file_gives_back_the_still_drawing_it_was_written_from() -> None:
    marked = LIGHT_SVG.replace("<text ", '<text role="graphics-symbol" aria-label="a" ')
    dark = marked.replace('fill="white"', f'fill="{DARK_COLOURS["background"]}"')
    both = still_drawing((marked.encode(), dark.encode(), b"png"))
    assert both.dark is None and both.svg == still_svg(themed_svg(marked, dark) or "")
    assert "aria-label" not in both.svg and "<style" not in both.svg
    assert file_to_still_svg(svg_with_font(drawing_file(both.svg)), themed=True) == both.svg
    assert drawing_file(both.svg) == drawing_file(themed_svg(marked, dark) or "")

    apart = still_drawing((marked.encode(), dark.replace(">b<", ">c<").encode(), b"png"))
    assert apart.dark is not None and "aria-label" not in apart.dark
    for svg in (apart.svg, apart.dark):
        assert file_to_still_svg(svg_with_font(svg), themed=False) == svg
        assert file_to_still_svg(svg_with_font(drawing_file(svg)), themed=False) is None


@pytest.mark.parametrize(
    "change",
    [
        ("<text", '<text onclick="alert(1)"'),
        ("</g>", "</g><script>alert(1)</script>"),
        ("</g>", "</g><foreignObject><p>x</p></foreignObject>"),
        ("<path ", '<a href="javascript:alert(1)"/><path '),
        ("</svg>", ""),  # not well-formed
    ],
)
def test_a_drawing_file_with_active_content_gives_no_still_drawing(change: tuple[str, str]) -> None:
    file = svg_with_font(still_svg(LIGHT_SVG)).replace(*change)
    assert file_to_still_svg(file, themed=False) is None


def test_palette_png_keeps_the_picture_in_a_palette_deterministically() -> None:
    image = Image.new("RGBA", (64, 32), "white")  # Vega draws on white unless told otherwise
    for x in range(64):  # an antialiased edge of a blue mark
        image.putpixel((x, 16), tuple(255 - (255 - c) * x // 63 for c in (76, 120, 168)) + (255,))
    raw = io.BytesIO()
    image.save(raw, format="PNG")
    small = palette_png(raw.getvalue())
    assert small == palette_png(raw.getvalue())
    with Image.open(io.BytesIO(small)) as shown:
        assert shown.mode == "P" and shown.size == (64, 32)
        seen = shown.convert("RGBA")
    assert all(
        abs(a - b) <= 24  # a tenth of the range, on the edge pixels only
        for x in range(64)
        for a, b in zip(seen.getpixel((x, 16)), image.getpixel((x, 16)), strict=True)
    )


@pytest.mark.parametrize(
    "dark",
    [
        LIGHT_SVG.replace("M0,0h10", "M0.5,0.5h10"),  # a stroke moved the layout
        LIGHT_SVG.replace('fill="white"', 'fill="navy"'),  # a colour not said in hex
        LIGHT_SVG.replace('fill="white"', 'fill="white" opacity="0.5"'),
        LIGHT_SVG.replace(">a<", ">c<"),
        LIGHT_SVG.replace("</g>", "<text>c</text></g>"),
    ],
)
def test_themed_svg_refuses_renders_that_differ_in_more_than_theme_colours(dark: str) -> None:
    assert themed_svg(LIGHT_SVG, dark) is None


def test_still_drawing_keeps_no_pointer_or_reader_attributes_and_says_text_attributes_once() -> (
    None
):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="9" height="9">'
        '<g role="graphics-object" aria-roledescription="group" pointer-events="none">'
        '<path id="clip0" aria-label="x: 1" opacity="1" transform="translate(0,0)" d="M0,0"/>'
        '<path clip-path="url(#clip0)" opacity="0.5" d="M1,1"/>'
        '<text font-family="Fira Sans" text-anchor="end">a</text>'
        '<text font-family="Fira Sans" text-anchor="start">b</text>'
        '<text font-family="Georgia" text-anchor="end">c</text></g></svg>'
    )
    out = still_svg(svg)
    assert not re.search(r"role=|aria-|pointer-events|opacity=\"1\"|translate\(0,0\)", out)
    assert 'id="clip0"' in out and 'clip-path="url(#clip0)"' in out
    assert 'opacity="0.5"' in out
    assert (
        '<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="9" height="9" font-family="Fira Sans" text-anchor="end"'
        in out
    )
    assert "<text>a</text>" in out
    assert '<text text-anchor="start">b</text>' in out
    assert '<text font-family="Georgia">c</text>' in out


def test_text_attributes_stay_put_when_a_text_relies_on_the_default() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><text text-anchor="end">a</text>'
        "<text>b</text></svg>"
    )
    assert '<text text-anchor="end">a</text><text>b</text>' in still_svg(svg)


def test_tidy_drawings_fall_back_to_sans_serif_where_the_font_cannot_load() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><text font-family="Fira Sans">a</text>'
        '<text font-family="Georgia, serif">b</text></svg>'
    )
    out = tidy_svg(svg)
    assert '<text font-family="Fira Sans, sans-serif">a</text>' in out
    assert '<text font-family="Georgia, serif">b</text>' in out


def _points(d: str) -> list[tuple[float, float]]:
    """Return the points a path of moves and straight lines visits, absolute or relative."""
    found: list[tuple[float, float]] = []
    x = y = 0.0
    start = (x, y)
    for letter, numbers in re.findall(r"([MLlZ])([^MLlZ]*)", d):
        values = [float(n) for n in re.findall(r"-?(?:\d+\.?\d*|\.\d+)", numbers)]
        if letter == "Z":
            x, y = start
            continue
        for i, (a, b) in enumerate(zip(values[::2], values[1::2], strict=True)):
            x, y = (x + a, y + b) if letter == "l" else (a, b)
            start = (x, y) if letter == "M" and i == 0 else start
            found.append((round(x, 2), round(y, 2)))
    return found


def test_a_still_drawing_says_lines_as_offsets_and_visits_the_same_points() -> None:
    d = "M126.1,16.8L124.9,22.2L119.5,21.1L120.3,17.3ZM5,6L0.2,0.5L-3,7.1ZL1,1"  # as tidied
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><path d="{d}"/><path d="M0,0h9v9h-9Z"/></svg>'
    out = still_svg(svg)
    short = re.findall(r' d="([^"]*)"', out)
    assert short[0] == "M126.1,16.8l-1.2,5.4-5.4-1.1,.8-3.8ZM5,6l-4.8-5.5-3.2,6.6Zl-4-5"
    assert _points(short[0]) == _points(d)
    assert short[1] == "M0,0h9v9h-9Z"  # not only lines: as it was
    assert still_svg(out) == out


def test_a_still_drawing_says_what_marks_share_once() -> None:
    symbol = "M2.7,0A2.7,2.7,0,1,1,-2.7,0A2.7,2.7,0,1,1,2.7,0"
    marks = "".join(
        f'<path transform="translate({i},1)" d="{symbol}" fill="rgb(76, 120, 168)"'
        f' stroke-width="2" opacity="0.{i % 2 + 1}"/>'
        for i in range(1, 5)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><g class="mark-symbol role-mark">'
        f'{marks}</g><g><path d="{symbol}" fill="red"/></g></svg>'
    )
    out = still_svg(svg)
    assert out.count(symbol) == 3  # once shared for each opacity, once outside the marks
    shapes = f'<path id="shape0" d="{symbol}" opacity="0.2" /><path id="shape1" d="{symbol}"'
    assert f'<defs>{shapes} opacity="0.1" /></defs>' in out  # with the marks' opacity
    assert '<g class="mark-symbol role-mark" fill="#4c78a8" stroke-width="2">' in out
    assert '<use href="#shape0" x="1" y="1" />' in out
    assert still_svg(out) == out
    themed = drawing_file(out)
    assert file_to_still_svg(svg_with_font(themed), themed=True) == out
    elsewhere = svg_with_font(out).replace('href="#shape0"', 'href="other.svg#shape0"')
    assert file_to_still_svg(elsewhere, themed=False) is None


def test_a_group_says_the_paint_most_of_its_marks_share_with_its_dark_class() -> None:
    marks = "".join(
        f'<path d="M{i},0h1v1h-1Z" fill="{fill}"{dark}/>'
        for i, (fill, dark) in enumerate(
            [("steelblue", ' class="dark-fill-4f8bbd"')] * 3
            + [("goldenrod", ""), ("steelblue", "")]
        )
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><g class="mark-rect">{marks}</g></svg>'
    out = still_svg(svg)
    assert '<g class="mark-rect dark-fill-4f8bbd" fill="steelblue">' in out
    assert '<path d="M0,0h1v1h-1Z" />' in out
    assert '<path d="M3,0h1v1h-1Z" fill="goldenrod" />' in out
    assert '<path d="M4,0h1v1h-1Z" fill="steelblue" />' in out  # stays light
    assert still_svg(out) == out
