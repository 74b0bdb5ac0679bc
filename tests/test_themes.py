"""The themes: colours a spec sets, their contrast against each page, the lint rule CS401 that
reports them, and the lighter colours the dark theme draws instead."""

from __future__ import annotations

import json
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
)
from chartspec.validate import check_spec

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
            {"mark": {"type": "point", "color": colours.get("point", "#4c78a8")}},
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
