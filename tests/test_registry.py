from __future__ import annotations

import textwrap

import pytest

from chartspec.errors import ChartspecError
from chartspec.registry import builtin_charts, chart, draw_chart, load_charts

GOOD = """
import altair as alt
import pandas as pd
from chartspec import chart

@chart("bars", title="Bars", description="Some bars.", source="made up")
def bars():
    return alt.Chart(pd.DataFrame({"k": ["a"], "v": [1]})).mark_bar().encode(x="k:N", y="v:Q")
"""


def folder_with(tmp_path, **modules: str):
    for name, body in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    return tmp_path


def test_builtin_charts_include_memory3():
    charts = builtin_charts()
    assert "memory3-speed-vs-score" in charts
    assert builtin_charts().keys() == charts.keys()  # loading twice registers nothing twice


def test_user_folder(tmp_path):
    charts = load_charts(folder_with(tmp_path, good=GOOD))
    assert list(charts) == ["bars"]
    assert charts["bars"].title == "Bars"
    assert draw_chart(charts["bars"]).to_dict()["mark"]["type"] == "bar"


@pytest.mark.parametrize("name", ["Has Space", "../up", "a/b", "", "-dash", "UPPER"])
def test_bad_names_are_refused(name):
    with pytest.raises(ChartspecError, match="is not allowed; use lower-case letters"):
        chart(name, title="t", description="d", source="s")


def test_duplicate_names(tmp_path):
    folder = folder_with(tmp_path, a=GOOD, b=GOOD)
    with pytest.raises(
        ChartspecError, match=r"b\.py:\d+: two charts are named 'bars' \(also at .*a\.py:\d+\)"
    ):
        load_charts(folder)


def test_module_that_does_not_import(tmp_path):
    folder = folder_with(tmp_path, broken="import altair\nx = 1 +\n")
    with pytest.raises(
        ChartspecError, match=r"broken\.py:2: the chart module does not import: SyntaxError"
    ):
        load_charts(folder)


def test_chart_that_raises_names_its_line(tmp_path):
    body = GOOD.replace("return alt.Chart", "raise KeyError('speed')\n    return alt.Chart")
    charts = load_charts(folder_with(tmp_path, oops=body))
    with pytest.raises(
        ChartspecError, match=r"oops\.py:8: chart 'bars' failed: KeyError: 'speed'; fix"
    ):
        draw_chart(charts["bars"])


def test_chart_that_returns_no_chart(tmp_path):
    body = GOOD.replace("return alt.Chart(", "return 42 or alt.Chart(")
    charts = load_charts(folder_with(tmp_path, odd=body))
    with pytest.raises(ChartspecError, match="chart 'bars' returned int, not an Altair chart"):
        draw_chart(charts["bars"])


def test_empty_folder(tmp_path):
    with pytest.raises(ChartspecError, match="no charts registered here"):
        load_charts(tmp_path)


def test_featured_flag_is_parsed(tmp_path):
    featured = GOOD.replace('source="made up")', 'source="made up", featured=True)')
    plain = GOOD.replace('"bars"', '"plain"')
    charts = load_charts(folder_with(tmp_path, featured=featured, plain=plain))
    assert charts["bars"].featured is True
    assert charts["plain"].featured is False
    assert builtin_charts()["memory3-speed-vs-score"].featured is True


def test_featured_must_be_a_boolean(tmp_path):
    module = GOOD.replace('source="made up")', 'source="made up", featured="yes")')
    with pytest.raises(ChartspecError, match=r"good\.py:\d+: featured='yes' for chart 'bars'"):
        load_charts(folder_with(tmp_path, good=module))
