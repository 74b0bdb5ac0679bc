from __future__ import annotations

import json
import math

import altair as alt
import pandas as pd
import pytest

from chartspec.errors import ChartspecError
from chartspec.registry import ChartDef
from chartspec.specs import (
    SCHEMA_URL,
    canonical_spec,
    chart_to_spec,
    chartspec_meta,
    spec_to_json,
    with_key,
)


def definition(name="demo", *, featured=False):
    return ChartDef(name, "Demo", "A demo chart.", "made up", lambda: None, __file__, featured)  # type: ignore[arg-type]


def demo_chart(values=(1.0, 2.0)):
    frame = pd.DataFrame({"k": ["a", "b"], "v": list(values)})
    return alt.Chart(frame).mark_bar().encode(x="k:N", y="v:Q")


def test_chart_to_spec_adds_schema_title_description_and_meta():
    spec = chart_to_spec(with_key(demo_chart(), "k"), definition())
    assert spec["$schema"] == SCHEMA_URL
    assert spec["title"] == {"text": "Demo", "subtitle": "Source: made up"}
    assert spec["description"] == "A demo chart."
    assert spec["usermeta"]["chartspec"] == {
        "name": "demo",
        "title": "Demo",
        "source": "made up",
        "key": "k",
    }


def test_featured_is_recorded_only_when_true():
    plain = chart_to_spec(demo_chart(), definition())
    assert "featured" not in plain["usermeta"]["chartspec"]
    featured = chart_to_spec(demo_chart(), definition(featured=True))
    assert featured["usermeta"]["chartspec"]["featured"] is True
    del featured["usermeta"]["chartspec"]["featured"]
    assert spec_to_json(featured) == spec_to_json(plain)


def test_inline_data_is_named_by_content():
    one = chart_to_spec(demo_chart((1.0, 2.0)), definition())
    same = chart_to_spec(demo_chart((1.0, 2.0)), definition())
    other = chart_to_spec(demo_chart((1.0, 3.0)), definition())
    assert list(one["datasets"]) == list(same["datasets"])
    assert list(one["datasets"]) != list(other["datasets"])
    (name,) = one["datasets"]
    assert name.startswith("data-") and one["data"] == {"name": name}


def test_float_noise_is_rounded_away():
    spec = canonical_spec({"a": 0.1 + 0.2, "b": [47.800000000000004], "c": 1})
    assert spec == {"a": 0.3, "b": [47.8], "c": 1}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(bad):
    with pytest.raises(
        ChartspecError, match=r"demo: the spec holds .* at encoding.y.scale.domain\[1\]"
    ):
        canonical_spec({"encoding": {"y": {"scale": {"domain": [0, bad]}}}}, name="demo")


def test_json_text_is_canonical():
    text = spec_to_json(
        {"b": 1, "a": {"values": [{"y": 2, "x": "³"}]}, "datasets": {"d": [{"k": 1}, {"k": 2}]}}
    )
    assert text == (
        '{\n  "a": {\n    "values": [\n      {"x":"³","y":2}\n    ]\n  },\n'
        '  "b": 1,\n  "datasets": {\n    "d": [\n      {"k":1},\n      {"k":2}\n    ]\n  }\n}\n'
    )
    assert json.loads(text)["datasets"]["d"][1] == {"k": 2}


def test_changing_one_row_changes_one_line():
    before = spec_to_json(chart_to_spec(demo_chart((1.0, 2.0)), definition())).splitlines()
    after = spec_to_json(chart_to_spec(demo_chart((1.0, 3.0)), definition())).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    # the row itself, plus the dataset's content-hash name where it is defined and used
    assert len(before) == len(after)
    assert sum('"v":' in a for a, _ in changed) == 1
    assert len(changed) == 3


def test_load_returns_a_displayable_chart_equal_to_the_spec(repo):
    import chartspec

    path = repo / "specs" / "memory3-speed-vs-score.vl.json"
    chart = chartspec.load("memory3-speed-vs-score", specs_dir=repo / "specs")
    assert hasattr(chart, "_repr_mimebundle_")
    assert chart.to_dict(validate=False) == json.loads(path.read_text(encoding="utf-8"))


def test_load_unknown_chart(repo):
    import chartspec

    with pytest.raises(ChartspecError, match="unknown chart 'nope'; known charts: .*memory3"):
        chartspec.load("nope", specs_dir=repo / "specs")


@pytest.mark.parametrize(
    "spec",
    [{}, {"usermeta": "x"}, {"usermeta": {"chartspec": [1]}}, {"usermeta": {"chartspec": None}}],
)
def test_chartspec_meta_is_empty_unless_an_object(spec: dict) -> None:
    assert chartspec_meta(spec) == {}


def test_chartspec_meta_returns_the_object() -> None:
    assert chartspec_meta({"usermeta": {"chartspec": {"key": "id"}}}) == {"key": "id"}
