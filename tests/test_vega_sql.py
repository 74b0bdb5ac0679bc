"""Vega expressions and bins as SQL: the values JavaScript and Vega would give, or a refusal."""

from __future__ import annotations

import duckdb
import pytest

from chartspec.vega_sql import Untranslatable, expression_sql, vega_bins

COLUMNS = {"x": "number", "n": "integer", "s": "string", "t": "time"}
ROW = "SELECT -7.5 AS x, -7 AS n, 'ab' AS s, TIMESTAMP '2024-03-05 17:04:00' AS t"


def evaluate(expr: str) -> object:
    sql = expression_sql(expr, COLUMNS).text
    return duckdb.sql(f"SELECT {sql} FROM ({ROW})").fetchall()[0][0]


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("datum.x * 2 + 1", -14.0),
        ("datum.n % 3", -1),  # the sign of the dividend, as in JavaScript
        ("datum.n / 2", -3.5),  # integers divide as floats
        ("datum.x / 0", float("-inf")),
        ("datum['s'] + 1", "ab1"),
        ("datum.s + (datum.x + 0.5)", "ab-7"),
        ("datum.x < 0 && !(datum.s == 'b') ? 'neg' : 'pos'", "neg"),
        ("abs(datum.x) + floor(datum.x) + pow(2, 3)", 7.5),
        ("month(datum.t) + 100 * hours(datum.t) + 10000 * day(datum.t)", 21702),
        ("+datum.t", 1709658240000),
        ("isValid(datum.x) && isFinite(datum.x)", True),
        ("indexof(['a', 'ab'], datum.s)", 1),
        ("inrange(datum.x, [-8, 0])", True),
        ('datum["s"] === "ab" || datum.n > 0', True),
    ],
)
def test_expressions_give_the_javascript_values(expr: str, value: object) -> None:
    assert evaluate(expr) == value


@pytest.mark.parametrize(
    ("expr", "refusal"),
    [
        ("test(/a/, datum.s)", "'/' in the expression"),
        ("datum.missing > 1", "the field 'missing', which the table does not have"),
        ("datum.s - 1", "'-' on a string and a number"),
        ("datum.x && true", "a number used as true or false"),
        ("random() < 0.5", "the function random()"),
        ("datum.s < 1.5", "comparing a string with a number"),
    ],
)
def test_what_has_no_exact_sql_is_refused(expr: str, refusal: str) -> None:
    with pytest.raises(Untranslatable, match=refusal.replace("(", r"\(").replace(")", r"\)")):
        expression_sql(expr, COLUMNS)


@pytest.mark.parametrize(
    ("extent", "options", "bins"),
    [
        ((0, 100), {"maxbins": 10}, (0, 100, 10)),
        ((-3.21, 3.87), {"maxbins": 10}, (-4, 4, 1)),
        ((0.42, 14.48), {"maxbins": 40}, (0, 14.5, 0.5)),
        ((5, 5), {"maxbins": 10}, (5, 5.5, 0.5)),
        ((-2, 2), {"step": 0.5}, (-2, 2, 0.5)),
    ],
)
def test_bins_are_the_ones_vega_chooses(extent, options, bins) -> None:
    found = vega_bins(extent, **options)
    assert (found.start, found.stop, found.step) == pytest.approx(bins)
