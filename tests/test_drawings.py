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
    for role, colour in DARK_COLOURS.items():
        assert f":root:target .dark-fill-{role} {{ fill: {colour}; }}" in style
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
        ("<text ", '<text onclick="alert(1)" '),
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
        LIGHT_SVG.replace('fill="white"', 'fill="#123456"'),  # not a dark theme colour
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
