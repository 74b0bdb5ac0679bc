"""Tests for chartspec.validate: schema errors, lint rules, spec files."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import altair as alt
import pytest
from vega_datasets import data as vega_data
from vega_datasets import local_data

from chartspec import validate
from chartspec.validate import (
    Problem,
    check_spec,
    format_path,
    link_scheme,
    lint_spec,
    split_field,
    validate_spec,
)

SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
ABOUT = {"title": "A chart", "description": "What the chart shows."}
ROWS = [
    {"cat": "a", "val": 1, "when": "2024-01-01", "site": {"name": "x", "n": 3}, "v.w": 2},
    {"cat": "b", "val": 3, "when": "2024-02-01", "site": {"name": "y", "n": 4}, "v.w": 5},
]


def spec(**parts: Any) -> dict[str, Any]:
    """Return a titled, described top-level spec with inline ROWS unless parts override."""
    return {"$schema": SCHEMA_URL, **ABOUT, "data": {"values": ROWS}, **parts}


def point(**encoding: Any) -> dict[str, Any]:
    return spec(mark="point", encoding=encoding)


def strings(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


# --------------------------------------------------------------------------- schema errors

SCHEMA_CASES = {
    "mark type typo in a layer": (
        spec(layer=[{"mark": {"type": "circl"}, "encoding": {"x": {"field": "val"}}}]),
        ["layer[0].mark.type: 'circl' is not a mark type; did you mean 'circle'?"],
    ),
    "mark typo as a string": (
        spec(mark="lne"),
        ["mark: 'lne' is not a mark type; did you mean 'line'?"],
    ),
    "encoding type typo": (
        point(x={"field": "val", "type": "quantitativ"}),
        [
            "encoding.x.type: 'quantitativ' is not valid; expected one of 'quantitative', "
            "'ordinal', 'temporal', 'nominal'; did you mean 'quantitative'?"
        ],
    ),
    "unknown property": (
        point(x={"feild": "val", "type": "quantitative"}),
        ["encoding.x.feild: unknown property; did you mean 'field'?"],
    ),
    "wrong type": (
        spec(mark="point", width="wide"),
        ["width: expected a number or \"container\", found a string 'wide'"],
    ),
    "scale type typo": (
        point(x={"field": "val", "type": "quantitative", "scale": {"type": "lgo"}}),
        [
            "encoding.x.scale.type: 'lgo' is not valid; expected one of 'linear', 'log', "
            "'pow', 'sqrt', 'symlog', 'identity', 'sequential', 'time', ...; did you mean 'log'?"
        ],
    ),
    "unknown top-level property": (
        spec(mark="point", titel="x"),
        ["titel: unknown property; did you mean 'title'?"],
    ),
    "number where a mark name goes": (
        point(x={"field": "val", "type": 5}),
        [
            "encoding.x.type: expected one of 'quantitative', 'ordinal', 'temporal', "
            "'nominal', found a number 5"
        ],
    ),
    "out of range": (
        spec(mark={"type": "point", "opacity": 2}),
        ["mark.opacity: expected a number <= 1, found a number 2"],
    ),
    "two problems in two views": (
        spec(hconcat=[{"mark": "bar", "encoding": {"x": {"tpye": "nominal"}}}, {"mark": "pointt"}]),
        [
            "hconcat[0].encoding.x.tpye: unknown property; did you mean 'type'?",
            "hconcat[1].mark: 'pointt' is not a mark type; did you mean 'point'?",
        ],
    ),
    "missing mark": (
        spec(encoding={"x": {"field": "val", "type": "quantitative"}}),
        ["(root): missing a required property; expected 'mark' or 'layer'"],
    ),
    "misspelt required property": (
        spec(hconcat=[{"marx": "point"}]),
        ["hconcat[0].marx: unknown property; did you mean 'mark'?"],
    ),
    "a kind nothing accepts": (
        spec(mark="point", data=True),
        ["data: expected an object or null, found a boolean true"],
    ),
    "many alternatives": (
        spec(mark=["point"]),
        [
            "mark: expected an object or one of 'arc', 'area', 'bar', 'image', 'line', "
            "'point', 'rect', 'rule', ..., found an array"
        ],
    ),
    "aggregate typo": (
        point(y={"field": "val", "aggregate": "sun", "type": "quantitative"}),
        [
            "encoding.y.aggregate: 'sun' is not valid; expected one of 'average', 'count', "
            "'distinct', 'max', 'mean', 'median', 'min', 'missing', ...; did you mean 'sum'?"
        ],
    ),
}


@pytest.mark.parametrize("case", list(SCHEMA_CASES))
def test_schema_errors_are_readable(case: str) -> None:
    broken, expected = SCHEMA_CASES[case]
    problems = validate_spec(broken)
    assert strings(problems) == expected
    assert {p.rule.name for p in problems} == {"schema"}
    assert check_spec(broken) == problems


def test_valid_spec_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    validator = validate.schema_validator()

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("errors explained for a valid spec")

    monkeypatch.setattr(validate, "_explain", fail)
    assert validate_spec(point(x={"field": "val", "type": "quantitative"})) == []
    with pytest.raises(AssertionError, match="explained"):
        validate_spec(point(x={"field": "val", "type": "quantitativ"}))
    assert validate.schema_validator() is validator


@pytest.mark.parametrize(
    ("rows", "valid"),
    [
        ([{"a": 1}, {"a": 2}], True),
        ([1, 2.5, 3], True),
        (["x", "y"], True),
        ([True, False], True),
        ([], True),
        ([1, "x"], False),  # no single kind: the schema refuses the table
        ([{"a": 1}, 2], False),
        ([True, 1], False),
        ([None], False),
    ],
)
def test_inline_rows_are_judged_as_the_schema_judges_them(rows: list[Any], valid: bool) -> None:
    """Tables whose rows the schema surely takes are not checked row by row; the others are."""
    view = {"mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    inline = {**view, "data": {"values": rows}}
    named = {**view, "data": {"name": "t"}, "datasets": {"t": rows}}
    lookup = {
        **view,
        "data": {"values": [{"a": 1}]},
        "transform": [{"lookup": "a", "from": {"data": {"values": rows}, "key": "a"}}],
    }
    for spec in (inline, named, {"layer": [inline]}, lookup):
        assert validate.schema_validator().is_valid(spec) is valid
        assert (validate_spec(spec) == []) is valid, spec


def test_problem_str_names_the_root() -> None:
    assert str(Problem("CS001", "", "missing required property 'mark'")) == (
        "(root): missing required property 'mark'"
    )
    assert str(Problem("CS001", "layer[0].mark", "x")) == "layer[0].mark: x"


def test_format_path() -> None:
    assert format_path(["layer", 0, "encoding", "x", "scale", "type"]) == (
        "layer[0].encoding.x.scale.type"
    )
    assert format_path([]) == ""
    assert format_path(["datasets", "a b", 2]) == 'datasets["a b"][2]'


# --------------------------------------------------------------------------- lint rules

LINT_CASES = {
    "missing field": (
        point(x={"field": "vall", "type": "quantitative"}),
        ["encoding.x.field: no field 'vall' in the data; did you mean 'val'?"],
        "field-exists",
    ),
    "missing field, no close name": (
        point(x={"field": "zzz", "type": "nominal"}),
        [
            "encoding.x.field: no field 'zzz' in the data; expected one of 'cat', 'site', "
            "'v\\.w', 'val', 'when'"
        ],
        "field-exists",
    ),
    "dotted name of a flat column": (
        point(x={"field": "v.w", "type": "quantitative"}),
        ["encoding.x.field: no field 'v.w' in the data; did you mean 'v\\.w'?"],
        "field-exists",
    ),
    "missing nested field": (
        point(x={"field": "site.nam", "type": "nominal"}),
        ["encoding.x.field: no field 'site.nam' in the data; did you mean 'site'?"],
        "field-exists",
    ),
    "missing field in an inherited layer encoding": (
        spec(encoding={"x": {"field": "cats", "type": "nominal"}}, layer=[{"mark": "bar"}]),
        ["encoding.x.field: no field 'cats' in the data; did you mean 'cat'?"],
        "field-exists",
    ),
    "missing field named by repeat": (
        spec(
            repeat=["val", "vals"],
            spec={"mark": "bar", "encoding": {"x": {"field": {"repeat": "repeat"}}}},
        ),
        [
            "spec.encoding.x.field: no field 'vals' (from repeat 'repeat') in the data; "
            "did you mean 'val'?"
        ],
        "field-exists",
    ),
    "missing tooltip field": (
        point(tooltip=[{"field": "cat"}, {"field": "kat"}]),
        ["encoding.tooltip[1].field: no field 'kat' in the data; did you mean 'cat'?"],
        "field-exists",
    ),
    "quantitative field holding strings": (
        point(y={"field": "cat", "type": "quantitative"}),
        ["encoding.y.field: quantitative field 'cat' holds a string 'a' (row 1); expected numbers"],
        "quantitative-numeric",
    ),
    "log scale with zero": (
        spec(
            data={"values": [{"v": 5}, {"v": 0}]},
            mark="point",
            encoding={"y": {"field": "v", "type": "quantitative", "scale": {"type": "log"}}},
        ),
        [
            "encoding.y.scale.type: log scale on field 'v' which holds 0 (row 2); "
            "expected values > 0"
        ],
        "log-positive",
    ),
    "log scale with a negative value": (
        spec(
            data={"values": [{"v": -2.5}]},
            mark="point",
            encoding={"x": {"field": "v", "type": "quantitative", "scale": {"type": "log"}}},
        ),
        [
            "encoding.x.scale.type: log scale on field 'v' which holds -2.5 (row 1); "
            "expected values > 0"
        ],
        "log-positive",
    ),
    "missing title": (
        {k: v for k, v in point().items() if k != "title"},
        ['title: missing; expected a string or an object with "text"'],
        "title",
    ),
    "empty title object": (
        point() | {"title": {"text": " "}},
        ['title: empty; expected a string or an object with "text"'],
        "title",
    ),
    "missing description": (
        {k: v for k, v in point().items() if k != "description"},
        ["description: missing; expected a sentence saying what the chart shows"],
        "description",
    ),
    "javascript: href value": (
        point(href={"value": "javascript:alert(1)"}),
        [
            "encoding.href.value: link with scheme 'javascript:'; "
            "expected http, https, mailto or a relative link"
        ],
        "href-scheme",
    ),
    "javascript: hidden by a tab and upper case": (
        spec(mark={"type": "point", "href": " JaVa\tscript:alert(1)"}),
        [
            "mark.href: link with scheme 'javascript:'; "
            "expected http, https, mailto or a relative link"
        ],
        "href-scheme",
    ),
    "javascript: in the data of an href field": (
        spec(
            data={"values": [{"u": "https://example.org"}, {"u": "javascript:alert(1)"}]},
            mark="point",
            encoding={"href": {"field": "u"}},
        ),
        [
            "encoding.href.field: field 'u' holds a link with scheme 'javascript:' (row 2); "
            "expected http, https, mailto or a relative link"
        ],
        "href-scheme",
    ),
    "data: link in usermeta": (
        point() | {"usermeta": {"chartspec": {"links": ["https://a.example", "data:text/html,x"]}}},
        [
            "usermeta.chartspec.links[1]: link with scheme 'data:'; "
            "expected http, https, mailto or a relative link"
        ],
        "href-scheme",
    ),
}


@pytest.mark.parametrize("case", list(LINT_CASES))
def test_lint_problems(case: str) -> None:
    broken, expected, rule = LINT_CASES[case]
    assert validate_spec(broken) == []
    problems = check_spec(broken)
    assert strings(problems) == expected
    assert {p.rule.name for p in problems} == {rule}


def test_lint_reads_csv_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text(
        "name,ms\nalpha,12\nbeta,n/a\ngamma,\ndelta,4,surplus\n", "utf-8"
    )
    broken = spec(
        data={"url": "data/t.csv"},
        mark="bar",
        encoding={"x": {"field": "nme"}, "y": {"field": "ms", "type": "quantitative"}},
    )
    assert strings(check_spec(broken, base_dir=tmp_path)) == [
        "encoding.x.field: no field 'nme' in the data; did you mean 'name'?",
        "encoding.y.field: quantitative field 'ms' holds a string 'n/a' (row 2); expected numbers",
    ]
    # Without a folder to resolve the url against, the rules cannot decide and say so.
    assert strings(check_spec(broken)) == [
        "(root): data not read: no folder to read 'data/t.csv' from; field rules skipped"
    ]


def test_lint_says_once_when_it_cannot_read_the_data(tmp_path: Path) -> None:
    anything = {"x": {"field": "anything"}, "y": {"field": "else"}}
    unread = {
        "remote or absolute URL 'https://example.org/x.csv'": {"url": "https://example.org/x.csv"},
        "file 'missing.csv' not found": {"url": "missing.csv"},
        "data named 'given-at-runtime' is given when drawn": {"name": "given-at-runtime"},
        "the data has no rows": {"values": []},
        "unknown format of 'x.parquet'": {"url": "x.parquet"},
    }
    for reason, data in unread.items():
        chart = spec(data=data, mark="point", encoding=anything)
        assert validate_spec(chart) == []
        problems = lint_spec(chart, base_dir=tmp_path)
        assert strings(problems) == [f"(root): data not read: {reason}; field rules skipped"]
        assert [(p.code, p.severity) for p in problems] == [("CS204", "warning")]
    # A generated sequence is read: its one field is "data" unless named with "as".
    sequence = spec(data={"sequence": {"start": 0, "stop": 5}}, mark="point", encoding=anything)
    assert strings(lint_spec(sequence)) == [
        "encoding.x.field: no field 'anything' in the data; expected one of 'data'",
        "encoding.y.field: no field 'else' in the data; expected one of 'data'",
    ]


def test_lint_stays_silent_when_it_cannot_know(tmp_path: Path) -> None:
    silent = [
        # A filter may drop the rows that do not hold numbers.
        spec(
            transform=[{"filter": "isValid(datum.cat)"}],
            mark="point",
            encoding={"y": {"field": "cat", "type": "quantitative"}},
        ),
        # An explicit parse turns the dates into numbers.
        spec(
            data={"values": ROWS, "format": {"parse": {"when": "date"}}},
            mark="point",
            encoding={"x": {"field": "when", "type": "quantitative"}},
        ),
        # The mark says how to draw values that are not numbers.
        spec(
            mark={"type": "point", "invalid": "filter"},
            encoding={"y": {"field": "cat", "type": "quantitative"}},
        ),
    ]
    for chart in silent:
        assert validate_spec(chart) == []
        assert lint_spec(chart, base_dir=tmp_path) == [], chart
    # A pivot on a field the linter cannot see makes every field possible.
    pivot = spec(
        transform=[{"calculate": "datum.cat + 'x'", "as": "k"}, {"pivot": "k", "value": "val"}],
        mark="point",
        encoding={"y": {"field": "ax", "type": "quantitative"}},
    )
    assert strings(lint_spec(pivot)) == [
        "(root): data not read: a pivot on a computed field; field rules skipped"
    ]


def test_lint_does_not_run_on_schema_errors() -> None:
    broken = {"mark": "point", "data": {"values": ROWS}, "width": "wide"}
    assert [p.rule.name for p in check_spec(broken)] == ["schema"]
    assert {p.rule.name for p in lint_spec(broken)} == {"title", "description"}


def test_lint_survives_odd_shapes() -> None:
    odd = {"layer": [None, 3, {"encoding": {"x": [None]}, "transform": "x"}], "datasets": 5}
    assert {p.rule.name for p in lint_spec(odd)} == {"title", "description"}
    assert lint_spec([]) == []  # type: ignore[arg-type]


def test_split_field() -> None:
    assert split_field("a.b") == ["a", "b"]
    assert split_field("a\\.b") == ["a.b"]
    assert split_field('a["b.c"][0]') == ["a", "b.c", "0"]
    assert split_field("plain") == ["plain"]
    assert split_field("a[0") is None


def test_link_scheme() -> None:
    assert link_scheme("https://x") == "https"
    assert link_scheme("MAILTO:a@b") == "mailto"
    assert link_scheme("java\nscript:x") == "javascript"
    assert link_scheme("page.html#a:b") is None
    assert link_scheme("//cdn.example/x") is None


# --------------------------------------------------------------------------- valid specs

CARS_CSV = "name,hp,mpg,origin\nvw,60,30,Europe\nford,120,18,USA\nhonda,75,32,Japan\n"


def valid_specs(csv_url: str) -> dict[str, dict[str, Any]]:
    """Return hand-written specs covering views, data sources, params and transforms."""
    unit = {"mark": "point", "encoding": {"x": {"field": "val", "type": "quantitative"}}}
    return {
        "inline values": point(
            x={"field": "cat", "type": "nominal", "sort": {"field": "val", "op": "sum"}},
            y={"field": "val", "type": "quantitative", "scale": {"type": "log"}},
            tooltip=[{"field": "site.name"}, {"field": "v\\.w"}, {"field": 'site["n"]'}],
            href={"value": "https://example.org/a"},
        ),
        "datasets by name": {
            **ABOUT,
            "datasets": {"data-1": ROWS},
            "data": {"name": "data-1"},
            "mark": "bar",
            "encoding": {"x": {"field": "cat"}, "y": {"aggregate": "count"}},
        },
        "relative csv url": spec(
            data={"url": csv_url},
            mark="point",
            encoding={
                "x": {"field": "hp", "type": "quantitative", "scale": {"type": "log"}},
                "y": {"field": "mpg", "type": "quantitative"},
                "color": {"field": "origin"},
                "href": {"value": "mailto:someone@example.org"},
            },
        ),
        "layer": spec(
            encoding={"x": {"field": "cat", "type": "nominal"}},
            layer=[
                {"mark": "bar", "encoding": {"y": {"field": "val", "type": "quantitative"}}},
                {
                    "data": {"values": [{"m": 2, "cat": "a"}]},
                    "mark": "rule",
                    "encoding": {"y": {"field": "m", "type": "quantitative"}},
                },
            ],
        ),
        "concat": spec(
            hconcat=[
                unit,
                {
                    "vconcat": [
                        unit,
                        {
                            **unit,
                            "data": {"url": csv_url},
                            "encoding": {"x": {"field": "hp", "type": "quantitative"}},
                        },
                    ]
                },
            ],
        ),
        "facet": spec(
            facet={"row": {"field": "cat"}, "column": {"field": "site.name"}},
            spec=unit,
        ),
        "facet channel": point(x={"field": "val", "type": "quantitative"}, column={"field": "cat"}),
        "repeat": spec(
            repeat={"row": ["val", "v\\.w"], "column": ["cat"]},
            spec={
                "mark": "point",
                "encoding": {
                    "x": {"field": {"repeat": "row"}, "type": "quantitative"},
                    "y": {"field": {"repeat": "column"}, "type": "nominal"},
                },
            },
        ),
        "layer repeat": spec(
            repeat={"layer": ["val", "v\\.w"]},
            spec={
                "layer": [
                    {
                        "mark": "line",
                        "encoding": {
                            "x": {"field": "when", "type": "temporal"},
                            "y": {"field": {"repeat": "layer"}, "type": "quantitative"},
                            "color": {"datum": {"repeat": "layer"}},
                        },
                    }
                ]
            },
        ),
        "params and selections": spec(
            params=[
                {"name": "pick", "select": {"type": "point", "fields": ["cat"]}},
                {"name": "zoom", "select": "interval", "bind": "scales"},
                {"name": "size", "value": 40, "bind": {"input": "range", "min": 1, "max": 99}},
            ],
            mark={"type": "point", "size": {"expr": "size"}},
            encoding={
                "x": {"field": "val", "type": "quantitative"},
                "color": {"condition": {"param": "pick", "field": "cat"}, "value": "#666"},
            },
        ),
        "transforms": spec(
            transform=[
                {"calculate": "datum.val * 2", "as": "double"},
                {"bin": True, "field": "val", "as": "val_bin"},
                {"timeUnit": "month", "field": "when", "as": "month"},
                {"window": [{"op": "rank", "as": "rank"}], "sort": [{"field": "val"}]},
                {"joinaggregate": [{"op": "sum", "field": "val", "as": "total"}]},
                {"fold": ["val", "double"], "as": ["measure", "amount"]},
                {
                    "lookup": "cat",
                    "from": {
                        "data": {"values": [{"cat": "a", "w": 1}]},
                        "key": "cat",
                        "fields": ["w"],
                    },
                },
                {
                    "lookup": "cat",
                    "from": {"data": {"values": [{"cat": "a", "z": 1}]}, "key": "cat"},
                },
                {
                    "aggregate": [{"op": "mean", "field": "amount", "as": "mean_amount"}],
                    "groupby": [
                        "measure",
                        "val_bin",
                        "val_bin_end",
                        "month",
                        "rank",
                        "total",
                        "w",
                        "z",
                    ],
                },
            ],
            mark="bar",
            encoding={
                "x": {"field": "val_bin", "bin": {"binned": True}},
                "x2": {"field": "val_bin_end"},
                "y": {"field": "mean_amount", "type": "quantitative"},
                "color": {"field": "measure"},
                "row": {"field": "w"},
                "tooltip": [
                    {"field": "month", "type": "temporal"},
                    {"field": "rank"},
                    {"field": "total"},
                    {"field": "z"},
                ],
            },
        ),
        "model transforms": spec(
            layer=[
                {
                    "transform": [{"regression": "val", "on": "v\\.w"}],
                    "mark": "line",
                    "encoding": {
                        "x": {"field": "v\\.w", "type": "quantitative"},
                        "y": {"field": "val", "type": "quantitative"},
                    },
                },
                {
                    "transform": [{"loess": "val", "on": "v\\.w", "as": ["lx", "ly"]}],
                    "mark": "line",
                    "encoding": {
                        "x": {"field": "lx", "type": "quantitative"},
                        "y": {"field": "ly", "type": "quantitative"},
                    },
                },
                {
                    "transform": [{"density": "val"}],
                    "mark": "area",
                    "encoding": {
                        "x": {"field": "value", "type": "quantitative"},
                        "y": {"field": "density", "type": "quantitative"},
                    },
                },
                {
                    "transform": [{"pivot": "cat", "value": "val", "groupby": ["when"]}],
                    "mark": "point",
                    "encoding": {
                        "x": {"field": "a", "type": "quantitative"},
                        "y": {"field": "b", "type": "quantitative"},
                    },
                },
                {
                    "transform": [
                        {"flatten": ["list"], "as": ["item"]},
                        {"stack": "val", "groupby": ["cat"], "as": "s"},
                    ],
                    "mark": "bar",
                    "encoding": {
                        "y": {"field": "s", "type": "quantitative"},
                        "y2": {"field": "s_end"},
                        "x": {"field": "item"},
                    },
                },
                {
                    "transform": [{"quantile": "val"}],
                    "mark": "point",
                    "encoding": {
                        "x": {"field": "prob", "type": "quantitative"},
                        "y": {"field": "value", "type": "quantitative"},
                    },
                },
            ],
        ),
        "title object": point(x={"field": "val", "type": "quantitative"})
        | {"title": {"text": ["Two", "lines"], "subtitle": "s"}},
    }


def test_valid_specs_have_no_problems(tmp_path: Path) -> None:
    (tmp_path / "cars.csv").write_text(CARS_CSV, "utf-8")
    specs = valid_specs("cars.csv")
    assert len(specs) >= 12
    for name, chart in specs.items():
        assert strings(check_spec(chart, base_dir=tmp_path)) == [], name


def test_valid_specs_catch_a_broken_field(tmp_path: Path) -> None:
    # The same specs with one field renamed are caught, so the test above means something.
    (tmp_path / "cars.csv").write_text(CARS_CSV, "utf-8")
    chart = copy.deepcopy(valid_specs("cars.csv")["relative csv url"])
    chart["encoding"]["color"]["field"] = "orign"
    assert strings(check_spec(chart, base_dir=tmp_path)) == [
        "encoding.color.field: no field 'orign' in the data; did you mean 'origin'?"
    ]


# --------------------------------------------------------------------------- altair charts


@functools.cache
def altair_charts() -> dict[str, alt.TopLevelMixin]:
    """Return gallery-style Altair charts over vega_datasets' bundled tables."""
    cars = local_data.cars()
    iris = local_data.iris()
    stocks = local_data.stocks()
    weather = local_data.seattle_weather()
    barley = local_data.barley()
    anscombe = local_data.anscombe()
    brush = alt.selection_interval(encodings=["x"])
    pick = alt.selection_point(fields=["Origin"], bind="legend")
    scatter = (
        alt.Chart(cars)
        .mark_point()
        .encode(
            x="Horsepower:Q",
            y="Miles_per_Gallon:Q",
            color="Origin:N",
            tooltip=["Name:N", "Year:T"],
        )
    )
    return {
        "scatter": scatter.interactive(),
        "histogram": alt.Chart(cars)
        .mark_bar()
        .encode(alt.X("Miles_per_Gallon:Q", bin=alt.Bin(maxbins=20)), y="count()"),
        "log scale": alt.Chart(cars)
        .mark_point()
        .encode(x=alt.X("Weight_in_lbs:Q", scale=alt.Scale(type="log")), y="Acceleration:Q"),
        "stocks line": alt.Chart(stocks)
        .mark_line()
        .encode(x="date:T", y="price:Q", color="symbol:N"),
        "weather stacked": alt.Chart(weather)
        .mark_bar()
        .encode(x="month(date):O", y="count()", color="weather:N"),
        "barley trellis": alt.Chart(barley)
        .mark_point()
        .encode(x="median(yield):Q", y=alt.Y("variety:N", sort="-x"), color="year:N", row="site:N"),
        "anscombe regression": alt.layer(
            alt.Chart().mark_circle().encode(x="X:Q", y="Y:Q"),
            alt.Chart().transform_regression("X", "Y").mark_line().encode(x="X:Q", y="Y:Q"),
            data=anscombe,
        ).facet(column="Series:N"),
        "iris density": alt.Chart(iris)
        .transform_fold(
            ["petalWidth", "petalLength", "sepalWidth", "sepalLength"], as_=["measure", "v"]
        )
        .transform_density("v", groupby=["measure"], as_=["v", "density"])
        .mark_area()
        .encode(x="v:Q", y="density:Q", row="measure:N"),
        "repeat": alt.Chart(cars)
        .mark_point()
        .encode(
            x=alt.X(alt.repeat("column"), type="quantitative"),
            y=alt.Y(alt.repeat("row"), type="quantitative"),
            color="Origin:N",
        )
        .repeat(row=["Horsepower", "Acceleration"], column=["Miles_per_Gallon", "Weight_in_lbs"]),
        "brush filter": alt.vconcat(
            alt.Chart(cars)
            .mark_point()
            .encode(x="Horsepower:Q", y="Acceleration:Q")
            .add_params(brush),
            alt.Chart(cars).mark_bar().encode(x="Origin:N", y="count()").transform_filter(brush),
        ),
        "legend selection": scatter.add_params(pick).encode(
            opacity=alt.condition(pick, alt.value(1), alt.value(0.2))
        ),
        "top k": alt.Chart(cars)
        .transform_window(
            rank="rank(Horsepower)", sort=[alt.SortField("Horsepower", order="descending")]
        )
        .transform_filter(alt.datum.rank <= 5)
        .mark_bar()
        .encode(x="Horsepower:Q", y=alt.Y("Name:N", sort="-x")),
        "percent of total": alt.Chart(weather)
        .transform_joinaggregate(total="count()", groupby=["weather"])
        .transform_calculate(share="1 / datum.total")
        .mark_bar()
        .encode(x="sum(share):Q", y="weather:N"),
        "lookup": alt.Chart(cars)
        .transform_lookup(
            lookup="Origin",
            from_=alt.LookupData(
                alt.InlineData(values=[{"Origin": "USA", "pop": 330}]), "Origin", ["pop"]
            ),
        )
        .mark_point()
        .encode(x="Horsepower:Q", y="pop:Q"),
        "loess": alt.Chart(cars)
        .mark_line()
        .transform_loess("Horsepower", "Miles_per_Gallon")
        .encode(x="Horsepower:Q", y="Miles_per_Gallon:Q"),
        "pivot": alt.Chart(stocks)
        .transform_pivot("symbol", value="price", groupby=["date"])
        .mark_point()
        .encode(x="AAPL:Q", y="MSFT:Q"),
        "mean rule layer": alt.layer(
            alt.Chart(weather).mark_bar().encode(x="yearmonth(date):T", y="mean(precipitation):Q"),
            alt.Chart(weather).mark_rule().encode(y="mean(precipitation):Q"),
        ),
        "remote url": alt.Chart(vega_data.cars.url)
        .mark_point()
        .encode(x="Horsepower:Q", y="Miles_per_Gallon:Q"),
        "concat": alt.hconcat(
            alt.Chart(iris).mark_point().encode(x="petalLength:Q", y="petalWidth:Q"),
            alt.Chart(iris).mark_tick().encode(x="sepalLength:Q", y="species:N"),
        ),
    }


@pytest.mark.parametrize("name", list(altair_charts()))
def test_altair_charts_have_no_problems(name: str) -> None:
    chart = altair_charts()[name].properties(
        title=f"Example: {name}", description=f"An Altair chart: {name}."
    )
    chart_dict = json.loads(json.dumps(chart.to_dict()))
    assert [str(p) for p in check_spec(chart_dict) if p.severity == "error"] == []


def test_altair_chart_with_a_wrong_field_is_caught() -> None:
    chart = altair_charts()["scatter"].encode(y="Miles_per_Galon:Q").properties(**ABOUT)
    assert strings(check_spec(chart.to_dict())) == [
        "encoding.y.field: no field 'Miles_per_Galon' in the data; did you mean 'Miles_per_Gallon'?"
    ]
