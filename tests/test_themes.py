"""The themes: colours a spec sets, their contrast against each page, the lint rule CS401 that
reports them, and the lighter colours the dark theme draws instead."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from coloraide import Color

from chartspec.chartcode import build_spec
from chartspec.cli import main
from chartspec.registry import builtin_charts
from chartspec.rules import LintSettings
from chartspec.themes import (
    DARK_COLOURS,
    colour_uses,
    contrast,
    dark_theme_for,
    in_dark_theme,
    lightened,
    scheme_colours,
    with_opacity,
)
from chartspec.validate import check_spec, load_spec_file
from test_check import CORPUS

DARK = DARK_COLOURS["background"]
ROWS = [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
ABOUT = {"title": "A chart", "description": "What it shows."}


def labelled(**colours: Any) -> dict[str, Any]:
    """A valid spec: points with text labels, in the colours given."""
    return {
        **ABOUT,
        "data": {"values": ROWS},
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
        "layer": [
            {"mark": {"type": "point", "color": colours.get("point", "#4c78a8"), "opacity": 1}},
            {
                "mark": {"type": "text", "dy": -8, "color": colours.get("text", "#333333")},
                "encoding": {"text": {"field": "b"}},
            },
        ],
    }


def contrast_problems(spec: dict[str, Any]) -> list[str]:
    return [str(p) for p in check_spec(spec) if p.code == "CS401"]


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("white", "#ffffff") == pytest.approx(1)
    assert contrast("#767676", "#fff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    # a translucent colour is measured as drawn over the background
    assert contrast("rgb(0 0 0 / 0.5)", "#fff") == pytest.approx(
        contrast("#808080", "#fff"), abs=0.1
    )


def test_colours_are_read_in_every_css_form_from_marks_encodings_guides_titles_config() -> None:
    spec = {
        "title": {"text": "T", "color": "hsl(0 0% 40%)", "subtitleColor": "rebeccapurple"},
        "mark": {"type": "bar", "color": "#abc", "stroke": "white"},  # a bar's stroke: its outline
        "encoding": {
            "x": {"field": "a", "axis": {"labelColor": "#11223344"}},
            "color": {
                "field": "b",
                "scale": {"range": ["rgb(255, 0, 0)", {"expr": "c"}]},
                "legend": {"titleColor": "navy"},
            },
        },
        "config": {"axisX": {"titleColor": "#999"}, "line": {"stroke": "teal"}},
    }
    found = {(tuple(u.path), u.value, u.role) for u in colour_uses(spec)}
    assert found == {
        (("config", "axisX", "titleColor"), "#999", "text"),
        (("config", "line", "stroke"), "teal", "graphic"),
        (("title", "color"), "hsl(0 0% 40%)", "text"),
        (("title", "subtitleColor"), "rebeccapurple", "text"),
        (("mark", "color"), "#abc", "graphic"),
        (("encoding", "x", "axis", "labelColor"), "#11223344", "text"),
        (("encoding", "color", "scale", "range", 0), "rgb(255, 0, 0)", "graphic"),
        (("encoding", "color", "legend", "titleColor"), "navy", "text"),
    }


def test_a_spec_with_low_contrast_colours_fails_with_colour_background_and_ratio() -> None:
    problems = contrast_problems(labelled(point="#eeeeee", text="#bbbbbb"))
    assert problems == [
        "layer[0].mark.color: mark colour '#eeeeee' has 1.16:1 against the light background "
        "#ffffff; needs 3:1",
        "layer[1].mark.color: text colour '#bbbbbb' has 1.92:1 against the light background "
        "#ffffff; needs 4.5:1",
    ]
    # as an error when a project asks for it
    settings = LintSettings(severities={"CS401": "error"})
    found = settings.apply(check_spec(labelled(text="#bbbbbb")), file=None, hand_written=True)
    assert [(p.code, p.severity) for p in found] == [("CS401", "error")]


def test_the_dark_theme_lightens_what_is_too_dark_for_it_keeping_the_hue() -> None:
    spec = labelled(point="#1f3b73", text="#1f4e9c")
    assert contrast_problems(spec) == []  # fine on the light page, lightened on the dark one
    theme = dark_theme_for(spec)
    assert theme is not None
    changes = dict((tuple(path), colour) for path, colour in theme["colours"])
    assert set(changes) == {("layer", 0, "mark", "color"), ("layer", 1, "mark", "color")}
    text = changes["layer", 1, "mark", "color"]
    assert 4.5 <= contrast(text, DARK) < 4.7  # just light enough
    assert 3 <= contrast(changes["layer", 0, "mark", "color"], DARK) < 3.2
    assert Color(text).convert("oklch")["hue"] == pytest.approx(
        Color("#1f4e9c").convert("oklch")["hue"], abs=3
    )
    dark = in_dark_theme(spec)
    assert dark["layer"][1]["mark"]["color"] == text
    assert spec["layer"][1]["mark"]["color"] == "#1f4e9c"  # the spec itself is left as it was
    assert dark["config"]["axis"]["labelColor"] == DARK_COLOURS["muted"]


def test_layers_sharing_a_colour_scale_get_one_lighter_range() -> None:
    """A line and its translucent points share the colour scale: both ranges get the colour
    the points need, so the scale has one range and each series one colour."""
    encoding = {
        "x": {"field": "a", "type": "quantitative"},
        "y": {"field": "b", "type": "quantitative"},
        "color": {"field": "c", "type": "nominal", "scale": {"range": ["#b22222", "#1f3b73"]}},
    }
    spec = {
        "data": {"values": [{"a": 1, "b": 2, "c": "x"}]},
        "layer": [{"mark": "line", "encoding": encoding}, {"mark": "point", "encoding": encoding}],
    }
    dark = in_dark_theme(spec)
    line, points = (layer["encoding"]["color"]["scale"]["range"] for layer in dark["layer"])
    assert line == points
    assert all(contrast(with_opacity(c, 0.7), DARK) >= 3 for c in points)  # points are 0.7
    assert line[0] == lightened("#b22222", DARK, 3, opacity=0.7)


def test_the_rule_says_where_the_dark_theme_cannot_lighten() -> None:
    over_bars = {
        **ABOUT,
        "data": {"values": ROWS},
        "encoding": {
            "y": {"field": "b", "type": "nominal"},
            "x": {"field": "a", "type": "quantitative"},
        },
        "layer": [
            {"mark": {"type": "bar", "color": "#f2cf5b"}},
            {"mark": {"type": "text", "color": "#222"}, "encoding": {"text": {"field": "b"}}},
        ],
    }
    assert contrast_problems(over_bars) == [
        "layer[0].mark.color: mark colour '#f2cf5b' has 1.52:1 against the light background "
        "#ffffff; needs 3:1",
        "layer[1].mark.color: text colour '#222' has 1.13:1 against the dark background #15171c; "
        "needs 4.5:1; the dark theme cannot lighten it: it may stand on the layer's bar marks",
    ]
    assert dark_theme_for(over_bars) == {
        "config": dark_theme_for(over_bars)["config"],
        "colours": [],
    }
    assert lightened("rgb(0 0 0 / 0.1)", DARK, 4.5) is None  # too pale to reach 4.5:1


def test_a_chart_with_its_own_background_keeps_it_in_both_themes() -> None:
    spec = {**labelled(text="#dddddd"), "background": "#202020"}
    assert dark_theme_for(spec) is None and in_dark_theme(spec) is spec
    assert contrast_problems(spec) == []  # light text on its own dark background
    assert contrast_problems({**spec, "background": "#f8f8f8"}) == [
        "layer[1].mark.color: text colour '#dddddd' has 1.28:1 against its own background "
        "#f8f8f8; needs 4.5:1",
    ]


@pytest.mark.parametrize("name", sorted(builtin_charts()))
def test_every_built_in_chart_passes_with_the_rule_as_an_error(name: str) -> None:
    spec = build_spec(builtin_charts()[name])
    settings = LintSettings(severities={"CS401": "error"})
    assert settings.apply(check_spec(spec), file=None, hand_written=False) == []


def test_check_reports_the_rule_as_a_warning_or_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pale.vl.json").write_text(json.dumps(labelled(text="#bbbbbb")), "utf-8")
    line = (
        "pale.vl.json: {}layer[1].mark.color: text colour '#bbbbbb' has 1.92:1 against the "
        "light background #ffffff; needs 4.5:1 [CS401 contrast]"
    )
    with pytest.raises(SystemExit) as done:
        main(["check", "pale.vl.json"])
    assert (done.value.code or 0, capsys.readouterr().out.splitlines()[0]) == (
        0,
        line.format("warning: "),
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.chartspec.lint.severity]\ncontrast = "error"\n', "utf-8"
    )
    with pytest.raises(SystemExit) as done:
        main(["check", "pale.vl.json"])
    assert (done.value.code, capsys.readouterr().out.splitlines()[0]) == (1, line.format(""))


def bars_with_text(bar: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """A valid spec: bars coloured as `bar` says, labelled with text (in `text`, if given)."""
    return {
        **ABOUT,
        "data": {"values": ROWS},
        "encoding": {
            "y": {"field": "b", "type": "nominal"},
            "x": {"field": "a", "type": "quantitative"},
        },
        "layer": [
            {"mark": {"type": "bar"}, **bar},
            {
                "mark": {"type": "text", **({"color": text} if text else {})},
                "encoding": {"text": {"field": "b"}},
            },
        ],
    }


def test_a_mark_is_measured_as_drawn_with_its_opacity() -> None:
    # Vega-Lite draws points at 0.7 unless told otherwise
    points = labelled()
    del points["layer"][0]["mark"]["opacity"]
    assert contrast_problems(points) == [
        "layer[0].mark.color: mark colour '#4c78a8' at opacity 0.7 has 2.70:1 against the light "
        "background #ffffff; needs 3:1",
    ]
    assert contrast(with_opacity("#4c78a8", 0.7), "#fff") == pytest.approx(2.70, abs=0.005)
    # the encoding's opacity, the mark's fill opacity, the config's
    half = bars_with_text({"mark": {"type": "bar", "color": "#4c78a8", "fillOpacity": 0.5}})
    assert contrast_problems(half)[0].startswith(
        "layer[0].mark.color: mark colour '#4c78a8' at opacity 0.5 has 1.96:1 against the light"
    )
    encoded = bars_with_text(
        {"mark": {"type": "bar", "color": "#4c78a8"}, "encoding": {"opacity": {"value": 0.4}}}
    )
    assert "at opacity 0.4 has" in contrast_problems(encoded)[0]
    configured = bars_with_text({"mark": {"type": "bar", "color": "#4c78a8"}})
    configured["config"] = {"bar": {"opacity": 0.3}}
    assert "at opacity 0.3 has" in contrast_problems(configured)[0]
    # the dark theme lightens a translucent mark until it reads as drawn
    dark = in_dark_theme(points)
    lighter = dark["layer"][0]["mark"]["color"]
    assert 3 <= contrast(with_opacity(lighter, 0.7), DARK) < 3.2


def test_discrete_schemes_and_config_ranges_are_measured_continuous_ones_are_not() -> None:
    assert scheme_colours("category10")[:2] == ("#1f77b4", "#ff7f0e")
    assert len(scheme_colours("tableau10")) == 10 and scheme_colours("blues") == ()
    schemed = bars_with_text(
        {"encoding": {"color": {"field": "b", "type": "nominal", "scale": {"scheme": "pastel1"}}}}
    )
    problems = contrast_problems(schemed)
    assert problems[0] == (
        "layer[0].encoding.color.scale.scheme: mark colour '#fbb4ae' of the scheme 'pastel1' "
        "has 1.72:1 against the light background #ffffff; needs 3:1"
    )
    assert any(
        "the dark theme cannot lighten it: it comes from a named scheme; give the scale a range"
        in p
        for p in contrast_problems(
            bars_with_text(
                {
                    "encoding": {
                        "color": {
                            "field": "b",
                            "type": "nominal",
                            "scale": {"scheme": "category20b"},
                        }
                    }
                }
            )
        )
    )
    # a domain of two uses the scheme's first two colours
    two = bars_with_text(
        {
            "encoding": {
                "color": {
                    "field": "b",
                    "type": "nominal",
                    "scale": {"scheme": "tableau10", "domain": ["x", "y"]},
                }
            }
        }
    )
    found = [p.split(" has ")[0].split("'")[1] for p in contrast_problems(two) if "scheme" in p]
    assert found == ["#f58518"]
    # a sequential scheme is read against its legend: not measured
    ramp = bars_with_text(
        {
            "encoding": {
                "color": {"field": "a", "type": "quantitative", "scale": {"scheme": "blues"}}
            }
        }
    )
    assert contrast_problems(ramp) == []
    # the config's category range, as colours or as a scheme
    ranged = bars_with_text({"encoding": {"color": {"field": "b", "type": "nominal"}}})
    ranged["config"] = {"range": {"category": ["#4c78a8", "#ffd700"]}}
    assert contrast_problems(ranged) == [
        "config.range.category[1]: mark colour '#ffd700' has 1.40:1 against the light "
        "background #ffffff; needs 3:1",
    ]
    dark_range = {**ranged, "config": {"range": {"category": ["#1f3b73"]}}}
    theme = dark_theme_for(dark_range)
    assert theme is not None and [p for p, _ in theme["colours"]] == [
        ["config", "range", "category", 0]
    ]
    ranged["config"] = {"range": {"category": {"scheme": "set3"}}}
    assert "of the scheme 'set3'" in contrast_problems(ranged)[0]


def test_guide_and_title_colours_set_in_config_are_measured() -> None:
    spec = labelled()
    spec["config"] = {
        "axis": {"labelColor": "#cccccc"},
        "legend": {"titleColor": "#dddddd"},
        "title": {"color": "#eeeeee"},
    }
    assert [p.split(":")[0] for p in contrast_problems(spec)] == [
        "config.axis.labelColor",
        "config.legend.titleColor",
        "config.title.color",
    ]


def test_text_on_bars_is_measured_against_the_bar_colours() -> None:
    white_on_yellow = bars_with_text({"mark": {"type": "bar", "color": "#f2cf5b"}}, "#ffffff")
    problems = contrast_problems(white_on_yellow)
    assert (
        "layer[1].mark.color: text colour '#ffffff' has 1.52:1 against the layer's bar colour "
        "#f2cf5b it may stand on; needs 4.5:1"
    ) in problems
    # Vega-Lite's blue for bars that set no colour, and each colour of a bar range
    assert any(
        "against the layer's bar colour #4c78a8" in p
        for p in contrast_problems(bars_with_text({}, "#444444"))
    )
    ranged = bars_with_text(
        {
            "encoding": {
                "color": {"field": "b", "type": "nominal", "scale": {"range": ["#111", "#eee"]}}
            }
        },
        "#1a1a1a",
    )
    # the dark bar is lightened in the dark theme, and measured as drawn there too
    assert [p for p in contrast_problems(ranged) if "bar colour" in p] == [
        "layer[1].mark.color: text colour '#1a1a1a' has 1.08:1 against the layer's bar colour "
        "#111111 it may stand on; needs 4.5:1",
        "layer[1].mark.color: text colour '#1a1a1a' has 2.99:1 against the layer's bar colour "
        "#656565 it may stand on; needs 4.5:1",
    ]
    dark_on_yellow = bars_with_text({"mark": {"type": "bar", "color": "#f2cf5b"}}, "#222222")
    assert not any("bar colour" in p for p in contrast_problems(dark_on_yellow))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not at {CORPUS}")
def test_the_rule_reads_a_sample_of_the_official_examples_without_crashing() -> None:
    sample = sorted(CORPUS.glob("*.vl.json"))[::4]
    problems = [p for path in sample for p in contrast_problems(load_spec_file(path))]
    assert len(sample) == 204 and problems
    said = re.compile(r"[\w.\[\]]+: (text|mark) colour '[^']+'.* has \d+\.\d\d:1 against .*")
    assert all(said.fullmatch(p) for p in problems), problems
