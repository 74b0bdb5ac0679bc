"""Vega expressions, bins and time units as DuckDB SQL, with the numbers Vega would compute.

Only what translates exactly is translated; anything else raises `Untranslatable` with what it
met, so a chart is never reduced by a query that means something else than its spec.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["number", "integer", "string", "time", "bool", "null", "list"]


class Untranslatable(Exception):
    """A part of a Vega expression or transform that has no exact SQL translation."""


@dataclass(frozen=True)
class Sql:
    """A SQL expression and the kind of value it gives."""

    text: str
    kind: Kind


def quote_name(name: str) -> str:
    """Return `name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def string_literal(value: str) -> str:
    """Return `value` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def number_literal(value: float) -> str:
    """Return `value` as a SQL double that parses to exactly the same float."""
    if not math.isfinite(value):
        return "'infinity'::DOUBLE" if value > 0 else "'-infinity'::DOUBLE"
    return f"'{float(value)!r}'::DOUBLE"


# --- bins ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bins:
    """The start, stop and step Vega chooses for a bin transform."""

    start: float
    stop: float
    step: float


def vega_bins(
    extent: tuple[float, float],
    *,
    maxbins: float = 20,
    base: float = 10,
    divide: tuple[float, ...] = (5, 2),
    step: float | None = None,
    steps: tuple[float, ...] | None = None,
    minstep: float = 0,
    nice: bool = True,
    span: float | None = None,
) -> Bins:
    """Return the bins Vega's `bin` transform makes of `extent` (vega-statistics `bin`)."""
    low, high = extent
    logb = math.log(base)
    span = span or (high - low) or abs(low) or 1
    if step is None and steps:
        level = span / maxbins
        step = next((s for s in sorted(steps) if s > level), steps[-1])
    elif step is None:
        level = math.ceil(math.log(maxbins) / logb)
        step = max(minstep, base ** (round_half_up(math.log(span) / logb) - level))
        while math.ceil(span / step) > maxbins:
            step *= base
        for div in divide:
            candidate = step / div
            if candidate >= minstep and span / candidate <= maxbins:
                step = candidate
    v = math.log(step)
    precision = 0 if v >= 0 else int(-v / logb) + 1
    eps = base ** (-precision - 1)
    if nice:
        v = math.floor(low / step + eps) * step
        low = v - step if low < v else v
        high = math.ceil(high / step) * step
    return Bins(low, low + step if high == low else high, step)


def round_half_up(value: float) -> int:
    """Round as JavaScript's Math.round does (halves towards +infinity)."""
    return math.floor(value + 0.5)


@dataclass(frozen=True)
class Keyed:
    """A value made of cheap keys: grouped by the keys, it is computed once per group, not row."""

    keys: tuple[str, ...]
    value: str  # SQL over the keys, named {0}, {1}, ...

    def per_row(self) -> str:
        """Return the value's SQL computed from each row."""
        return self.value.format(*(f"({key})" for key in self.keys))


def bin_sql(
    value: str, bins: Bins, *, within: tuple[float, float] | None = None, nulls: bool = True
) -> tuple[Keyed, Keyed]:
    """Return the bin start and end Vega gives `value` (-/+ infinity outside the bins).

    `within` is the range every value is known to lie in, NaN excluded (the extent the bins
    were made from): when the bins cover it, no value can fall outside them, and the bin is
    the one expression, about a third cheaper per row; cheaper still when `value` holds no
    NULL (`nulls` false) and the bins start at 0. Each form gives Vega's index exactly.
    """
    start, stop, step = (number_literal(x) for x in (bins.start, bins.stop, bins.step))
    if within is not None and bins.start <= within[0] and within[1] <= bins.stop:
        # A value at or above the last bin's start falls in it; `least` would skip a NULL.
        offset = f"least({value}, {stop} - {step})"
        if bins.start != 0:  # x - 0 is x: no subtraction per row
            offset = f"({offset} - {start})"
        index = f"floor(1e-14::DOUBLE + {offset} / {step})"
        if nulls:
            index = f"CASE WHEN {value} IS NULL THEN NULL ELSE {index} END"
    else:
        clamped = f"greatest({start}, least({value}, {stop} - {step}))"
        index = (
            f"CASE WHEN {value} IS NULL THEN NULL "
            f"WHEN {value} < {start} THEN '-infinity'::DOUBLE "
            f"WHEN {value} > {stop} THEN 'infinity'::DOUBLE "
            f"ELSE floor(1e-14::DOUBLE + ({clamped} - {start}) / {step}) END"
        )
    first = f"CASE WHEN isinf({{0}}) THEN {{0}} ELSE {start} + {step} * {{0}} END"
    return Keyed((index,), first), Keyed((index,), f"({first}) + {step}")


# --- time units ------------------------------------------------------------------------------

# Vega floors a date to its units, filling the units not asked for as in 2012-01-01 00:00.
_TIME_PARTS = {
    "year": ("year({t})", "2012"),
    "month": ("month({t})", "1"),
    "date": ("day({t})", "1"),
    "hours": ("hour({t})", "0"),
    "minutes": ("minute({t})", "0"),
    "seconds": ("second({t})", "0"),
}
_SMALLEST = ("seconds", "minutes", "hours", "date", "day", "month", "quarter", "year")
_INTERVALS = {
    "seconds": "1 second",
    "minutes": "1 minute",
    "hours": "1 hour",
    "date": "1 day",
    "day": "1 day",
    "month": "1 month",
    "quarter": "3 months",
    "year": "1 year",
}


# Units from the year down to one unit, which DuckDB's date_trunc gives as they are.
_TRUNCATED = {
    "year": ["year"],
    "quarter": ["year", "quarter"],
    "month": ["year", "month"],
    "date": ["year", "month", "date"],
    "hours": ["year", "month", "date", "hours"],
    "minutes": ["year", "month", "date", "hours", "minutes"],
    "seconds": ["year", "month", "date", "hours", "minutes", "seconds"],
}
_TRUNC_PARTS = {"year": "year", "quarter": "quarter", "month": "month", "date": "day",
                "hours": "hour", "minutes": "minute", "seconds": "second"}  # fmt: skip


def time_unit_sql(value: str, units: list[str]) -> tuple[Keyed, Keyed]:
    """Return the start and end of the time unit `units` Vega floors `value` to."""
    known = set(_INTERVALS)
    if not units or set(units) - known or ("day" in units and "date" in units):
        raise Untranslatable(f"the time unit {''.join(units)!r}")
    smallest = next(unit for unit in _SMALLEST if unit in units)
    interval = f"INTERVAL '{_INTERVALS[smallest]}'"
    if units == _TRUNCATED.get(smallest):  # a plain truncation
        truncated = (f"date_trunc('{_TRUNC_PARTS[smallest]}', {value})::TIMESTAMP",)
        return Keyed(truncated, "{0}"), Keyed(truncated, f"({{0}} + {interval})")
    keys: list[str] = []
    part = {}
    for name, (sql, fill) in _TIME_PARTS.items():
        if name in units:
            keys.append(sql.format(t=value))
            part[name] = f"{{{len(keys) - 1}}}"
        else:
            part[name] = fill
    if "quarter" in units:
        keys.append(f"(quarter({value}) - 1) * 3 + 1")
        part["month"] = f"{{{len(keys) - 1}}}"
    if "day" in units:  # the day of the week, as a day of the first week of 2012 (a Sunday)
        keys.append(f"dayofweek({value}) + 1")
        part["date"] = f"{{{len(keys) - 1}}}"
    start = (
        f"make_timestamp({part['year']}, {part['month']}, {part['date']}, "
        f"{part['hours']}, {part['minutes']}, {part['seconds']})"
    )
    return Keyed(tuple(keys), start), Keyed(tuple(keys), f"({start} + {interval})")


# --- expressions -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<string>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<name>[A-Za-z_$][\w$]*)"
    r"|(?P<op>===|!==|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:(),.\[\]]))"
)
_BINARY = {  # operator: (precedence, SQL operator)
    "||": (1, "OR"),
    "&&": (2, "AND"),
    "==": (3, "="),
    "===": (3, "="),
    "!=": (3, "<>"),
    "!==": (3, "<>"),
    "<": (4, "<"),
    "<=": (4, "<="),
    ">": (4, ">"),
    ">=": (4, ">="),
    "+": (5, "+"),
    "-": (5, "-"),
    "*": (6, "*"),
    "/": (6, "/"),
    "%": (6, "%"),
}
_MATH = {"abs": "abs", "floor": "floor", "ceil": "ceil", "sqrt": "sqrt", "exp": "exp",
         "log": "ln", "sin": "sin", "cos": "cos", "tan": "tan"}  # fmt: skip
_TIME_FIELDS = {"year": "year", "month": "month", "date": "day", "day": "dayofweek",
                "hours": "hour", "minutes": "minute", "seconds": "second"}  # fmt: skip
NUMERIC = ("number", "integer")


def expression_sql(expr: str, columns: dict[str, Kind]) -> Sql:
    """Translate the Vega expression `expr` over columns of the given kinds into SQL."""
    parser = _Parser(expr, columns)
    result = parser.expression(0)
    if parser.peek() is not None:
        raise Untranslatable(f"{parser.peek()!r} in the expression {expr!r}")
    return result


class _Parser:
    """A precedence-climbing parser of the Vega expression subset that has a SQL meaning."""

    def __init__(self, expr: str, columns: dict[str, Kind]) -> None:
        self.expr = expr
        self.columns = columns
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(expr):
            match = _TOKEN.match(expr, pos)
            if not match or match.end() == pos:
                if expr[pos:].strip() == "":
                    break
                raise Untranslatable(f"{expr[pos : pos + 10]!r} in the expression {expr!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise Untranslatable(f"the expression {self.expr!r} ends early")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise Untranslatable(f"{token[1]!r} where {expected!r} was expected in {self.expr!r}")
        self.at += 1
        return token

    def expression(self, min_level: int) -> Sql:
        left = self.unary()
        while True:
            op = self.peek()
            if op == "?" and min_level == 0:
                self.take()
                yes = self.expression(0)
                self.take(":")
                no = self.expression(0)
                test = _as_bool(left, self.expr)
                if yes.kind != no.kind and "null" not in (yes.kind, no.kind):
                    raise Untranslatable(f"a conditional of mixed kinds in {self.expr!r}")
                kind = no.kind if yes.kind == "null" else yes.kind
                left = Sql(f"(CASE WHEN {test} THEN {yes.text} ELSE {no.text} END)", kind)
                continue
            if op not in _BINARY or _BINARY[op][0] <= min_level:
                return left
            self.take()
            right = self.expression(_BINARY[op][0])
            left = self.binary(op, left, right)

    def binary(self, op: str, left: Sql, right: Sql) -> Sql:
        sql_op = _BINARY[op][1]
        if op in ("&&", "||"):
            return Sql(f"({_as_bool(left, self.expr)} {sql_op} {_as_bool(right, self.expr)})",
                       "bool")  # fmt: skip
        if op == "+" and "string" in (left.kind, right.kind):
            return Sql(f"({_to_string(left)} || {_to_string(right)})", "string")
        if _BINARY[op][0] == 3 or _BINARY[op][0] == 4:
            if left.kind != right.kind and not {left.kind, right.kind} <= {*NUMERIC}:
                raise Untranslatable(
                    f"comparing a {left.kind} with a {right.kind} in {self.expr!r}"
                )
            return Sql(f"({left.text} {sql_op} {right.text})", "bool")
        if left.kind not in NUMERIC or right.kind not in NUMERIC:
            raise Untranslatable(f"{op!r} on a {left.kind} and a {right.kind} in {self.expr!r}")
        if op == "/":  # JavaScript divides as floats, and by zero into infinity
            return Sql(f"(CAST({left.text} AS DOUBLE) / {right.text})", "number")
        kind: Kind = "integer" if left.kind == right.kind == "integer" and op != "%" else "number"
        return Sql(f"({left.text} {sql_op} {right.text})", kind)

    def unary(self) -> Sql:
        op = self.peek()
        if op == "!":
            self.take()
            return Sql(f"(NOT {_as_bool(self.unary(), self.expr)})", "bool")
        if op == "-":
            self.take()
            operand = self.unary()
            if operand.kind not in NUMERIC:
                raise Untranslatable(f"'-' on a {operand.kind} in {self.expr!r}")
            return Sql(f"(-{operand.text})", operand.kind)
        if op == "+":
            self.take()
            return _to_number(self.unary(), self.expr)
        return self.primary()

    def primary(self) -> Sql:
        kind, text = self.take()
        if kind == "number":
            return Sql(number_literal(float(text)), "number")
        if kind == "string":
            return Sql(string_literal(_unescape(text[1:-1])), "string")
        if text == "(":
            inner = self.expression(0)
            self.take(")")
            return inner
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.expression(0))
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return Sql("[" + ", ".join(item.text for item in items) + "]", "list")
        if kind != "name":
            raise Untranslatable(f"{text!r} in the expression {self.expr!r}")
        if text in ("true", "false"):
            return Sql(text.upper(), "bool")
        if text == "null":
            return Sql("NULL", "null")
        if text == "datum":
            return self.field()
        if self.peek() == "(":
            self.take()
            args: list[Sql] = []
            while self.peek() != ")":
                args.append(self.expression(0))
                if self.peek() == ",":
                    self.take()
            self.take(")")
            return self.call(text, args)
        raise Untranslatable(f"{text!r} in the expression {self.expr!r}")

    def field(self) -> Sql:
        if self.peek() == ".":
            self.take()
            name = self.take()[1]
        else:
            self.take("[")
            kind, quoted = self.take()
            if kind != "string":
                raise Untranslatable(f"a computed field name in {self.expr!r}")
            name = _unescape(quoted[1:-1])
            self.take("]")
        if name not in self.columns:
            raise Untranslatable(f"the field {name!r}, which the table does not have")
        return Sql(quote_name(name), self.columns[name])

    def call(self, name: str, args: list[Sql]) -> Sql:
        one = args[0] if len(args) == 1 else None
        if name == "isValid" and one:
            valid = f"{one.text} IS NOT NULL"
            if one.kind in NUMERIC:
                valid += f" AND NOT isnan({one.text})"
            return Sql(f"({valid})", "bool")
        if name == "isFinite" and one and one.kind in NUMERIC:
            return Sql(f"coalesce(isfinite({one.text}), FALSE)", "bool")
        if name == "isDate" and one:
            return Sql(f"({one.text} IS NOT NULL)" if one.kind == "time" else "FALSE", "bool")
        if name == "toDate" and one and one.kind == "time":
            return one
        if name == "toNumber" and one:
            return _to_number(one, self.expr)
        if name == "toString" and one and one.kind == "string":
            return one
        if name in _MATH and one and one.kind in NUMERIC:
            kind: Kind = one.kind if name in ("abs", "floor", "ceil") else "number"
            return Sql(f"{_MATH[name]}({one.text})", kind)
        if (
            name in ("pow", "min", "max")
            and len(args) >= 2
            and all(a.kind in NUMERIC for a in args)
        ):
            sql = {"pow": "pow", "min": "least", "max": "greatest"}[name]
            return Sql(f"{sql}({', '.join(a.text for a in args)})", "number")
        if name in _TIME_FIELDS and one and one.kind == "time":
            month_shift = " - 1" if name == "month" else ""  # JavaScript months count from 0
            return Sql(f"({_TIME_FIELDS[name]}({one.text}){month_shift})", "integer")
        if name == "inrange" and len(args) == 2 and args[1].kind == "list":
            value, bounds = args
            return Sql(
                f"({value.text} BETWEEN list_min({bounds.text}) AND list_max({bounds.text}))",
                "bool",
            )
        if name == "indexof" and len(args) == 2 and args[0].kind == "list":
            return Sql(f"(coalesce(list_position({args[0].text}, {args[1].text}), 0) - 1)",
                       "integer")  # fmt: skip
        raise Untranslatable(f"the function {name}() in {self.expr!r}")


def _as_bool(value: Sql, expr: str) -> str:
    if value.kind != "bool":
        raise Untranslatable(f"a {value.kind} used as true or false in {expr!r}")
    return f"coalesce({value.text}, FALSE)"


def _to_string(value: Sql) -> str:
    """Return SQL of `value` as JavaScript writes it into a string (2.0 as "2")."""
    if value.kind == "number":
        whole = f"{value.text} = trunc({value.text}) AND abs({value.text}) < 1e15"
        return (
            f"CASE WHEN {whole} THEN CAST(CAST({value.text} AS BIGINT) AS VARCHAR) "
            f"ELSE CAST({value.text} AS VARCHAR) END"
        )
    return f"CAST({value.text} AS VARCHAR)"


def _to_number(value: Sql, expr: str) -> Sql:
    if value.kind in NUMERIC:
        return value
    if value.kind == "time":  # a date's number is its milliseconds since 1970
        return Sql(f"epoch_ms({value.text})", "integer")
    raise Untranslatable(f"a {value.kind} turned into a number in {expr!r}")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
