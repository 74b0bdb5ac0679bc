"""Reduce a chart over a lazy table in the engine, so only the drawn rows reach Python.

Vega-Lite compiles the chart to a Vega dataflow; its transforms up to the aggregate (filter,
calculate, extent, bin, time unit, aggregate, and filters of the aggregated rows) become one SQL
query, with bins chosen and values floored exactly as Vega does; what follows (a stack of bars)
runs on the few reduced rows with VegaFusion. The reduced table then goes into the spec the way
the pre-aggregation of an in-memory table puts it (`aggregate.py`), so both give the same bytes.
"""

from __future__ import annotations

from typing import Any

from chartspec.aggregate import (
    ROW_THRESHOLD,
    aggregated_spec,
    chart_without_data,
    require_single_view,
)
from chartspec.errors import ChartspecError
from chartspec.lazy import LazyTable, connect, run_query
from chartspec.vega_sql import (
    NUMERIC,
    Bins,
    Keyed,
    Kind,
    Untranslatable,
    bin_sql,
    expression_sql,
    quote_name,
    time_unit_sql,
    vega_bins,
)

_KINDS: dict[str, Kind] = {"string": "string", "number": "number", "integer": "integer",
                           "date": "time"}  # fmt: skip
_AGGREGATES = {
    "count": "count(*)",
    "valid": "count({f})",
    "missing": "count(*) - count({f})",
    "distinct": "count(DISTINCT {f}) + (count(*) > count({f}))::BIGINT",
    "sum": "sum({f})",
    "mean": "avg({f})",
    "average": "avg({f})",
    "median": "quantile_cont({f}, 0.5)",
    "q1": "quantile_cont({f}, 0.25)",
    "q3": "quantile_cont({f}, 0.75)",
    "min": "min({f})",
    "max": "max({f})",
    "stdev": "stddev_samp({f})",
    "stdevp": "stddev_pop({f})",
    "variance": "var_samp({f})",
    "variancep": "var_pop({f})",
}
_COUNTS = ("count", "valid", "missing", "distinct")
_ANY_KIND = (*_COUNTS, "min", "max")  # the aggregates of strings and times too
_ADVICE = "aggregate or sample the table in its query (chartspec.scan_query), then chart that"


def is_lazy(chart: Any) -> bool:
    """Tell whether the chart's data is a lazy table, reduced by the engine."""
    return isinstance(getattr(chart, "data", None), LazyTable)


def pushed_down_dict(chart: Any) -> dict[str, Any]:
    """Return the chart's Vega-Lite dict with its data reduced by the engine."""
    table: LazyTable = chart.data
    require_single_view(chart, f"a {type(chart).__name__} over the lazy table {table.source}")
    from altair.vegalite.v6.compiler import vl_convert_compiler

    vegalite = chart_without_data(chart)  # made once, for the Vega and for the spec
    transforms = _dataflow(vl_convert_compiler(vegalite), table)
    return aggregated_spec(vegalite, _reduce(table, transforms))


def _dataflow(vega: dict[str, Any], table: LazyTable) -> list[dict[str, Any]]:
    """Return the Vega transforms from the table to the data the chart's marks draw."""
    datasets = {d["name"]: d for d in vega.get("data", [])}
    drawn = {
        (mark.get("from") or {}).get("data")
        or ((mark.get("from") or {}).get("facet") or {}).get("data")
        for mark in vega.get("marks", [])
    } - {None}
    lineages = {str(name): _lineage(str(name), datasets) for name in drawn}
    # A line's points draw its own rows, less the invalid ones: the spec keeps both marks,
    # so the rows of the dataset every other drawn one derives from are what it needs.
    common = [name for name in lineages if all(name in line for line in lineages.values())]
    if len(common) != 1:
        raise ChartspecError(
            f"the chart draws {len(drawn)} datasets from the lazy table {table.source}",
            hint=f"draw one view of one dataset, or {_ADVICE}",
        )
    chain: list[dict[str, Any]] = []
    for name in lineages[common[0]]:
        chain[:0] = datasets.get(name, {}).get("transform", [])
    return chain


def _lineage(name: str, datasets: dict[str, dict[str, Any]]) -> list[str]:
    """Return the dataset `name` and the datasets it derives from, nearest first."""
    lineage = [name]
    while (source := datasets.get(lineage[-1], {}).get("source")) is not None:
        lineage.append(source)
    return lineage


def _reduce(table: LazyTable, transforms: list[dict[str, Any]]) -> Any:
    """Run the transforms as one query over `table`; return the reduced rows."""
    kinds = {name: _KINDS[kind] for name, kind in table.columns().items()}
    query = _Query(table, kinds)
    aggregated = False
    rest: list[dict[str, Any]] = []  # transforms of the aggregated rows, after the last filter
    with connect(table) as con:
        for transform in transforms:
            try:
                if rest or (aggregated and transform.get("type") != "filter"):
                    rest.append(transform)
                elif aggregated:
                    query.filter(transform["expr"])
                else:
                    aggregated = query.add(transform, transforms, con)
            except Untranslatable as error:
                raise ChartspecError(
                    f"cannot push the {transform.get('type')!r} transform down to the engine: "
                    f"{error} has no SQL translation",
                    file=table.source,
                    hint=f"rewrite it in terms chartspec translates, or {_ADVICE}",
                ) from None
        if not aggregated:
            raise ChartspecError(
                "the chart draws every row of the lazy table",
                file=table.source,
                hint=f"bin or aggregate an encoding, or {_ADVICE}",
            )
        rows = run_query(con, table, query.sql, limit=ROW_THRESHOLD + 1)
    if len(rows) > ROW_THRESHOLD:
        raise ChartspecError(
            f"the chart reduces the lazy table to over {ROW_THRESHOLD:,} rows",
            file=table.source,
            hint=f"use fewer bins or groups, or {_ADVICE}",
        )
    return _finish(rows, rest) if rest else rows


def _finish(rows: Any, transforms: list[dict[str, Any]]) -> Any:
    """Run the transforms of the aggregated rows (a stack of bars, say) with VegaFusion.

    They see only the few reduced rows, so they run in memory as pre-aggregation runs them.
    """
    import vegafusion

    spec = {
        "$schema": "https://vega.github.io/schema/vega/v6.json",
        "data": [
            {"name": "reduced", "url": "vegafusion+dataset://reduced"},
            {"name": "finished", "source": "reduced", "transform": transforms},
        ],
    }
    try:
        (finished,), _ = vegafusion.runtime.pre_transform_datasets(
            spec, ["finished"], inline_datasets={"reduced": rows}
        )
    except ValueError as error:
        kinds = ", ".join(repr(t.get("type")) for t in transforms)
        raise ChartspecError(
            f"VegaFusion cannot run the {kinds} transform(s) of the aggregated rows: "
            f"{str(error).strip().splitlines()[0]}",
            hint=_ADVICE,
        ) from None
    return finished


class _Query:
    """The SQL of a Vega dataflow, built one transform at a time."""

    def __init__(self, table: LazyTable, kinds: dict[str, Kind]) -> None:
        self.table = table
        self.kinds = kinds
        self.sql = f"SELECT * FROM {table.reader}"
        self.extents: dict[str, tuple[float, float]] | None = None
        self.may_hold_nan = True  # whether a binned field may hold NaN, which sorts above all
        self.may_hold_null = True  # whether a binned field may hold NULL
        self.keyed: dict[str, Keyed] = {}

    def add(self, transform: dict[str, Any], transforms: list[dict[str, Any]], con: Any) -> bool:
        """Add one transform before the aggregate; return whether it was the aggregate."""
        kind = transform.get("type")
        if kind == "formula":
            value = expression_sql(transform["expr"], self.kinds)
            self._column(transform["as"], value.text, value.kind)
        elif kind == "filter":
            self.filter(transform["expr"])
        elif kind == "extent":
            pass  # computed, all at once, by the first bin that needs one
        elif kind == "bin":
            self._bin(transform, transforms, con)
        elif kind == "timeunit":
            self._time_unit(transform)
        elif kind == "aggregate":
            self._aggregate(transform)
            return True
        else:
            raise Untranslatable(f"the {kind!r} transform")
        return False

    def _keyed(self, name: str, keyed: Keyed, kind: Kind) -> None:
        """Add a column an aggregate groups by its keys, computing it once per group."""
        self._column(name, keyed.per_row(), kind)
        self.keyed[name] = keyed

    def _column(self, name: str, sql: str, kind: Kind) -> None:
        quoted = quote_name(name)
        # A column a later formula redefines is no longer what the keys of others were made of.
        self.keyed = {k: v for k, v in self.keyed.items() if quoted not in "".join(v.keys)}
        self.keyed.pop(name, None)
        if sql != quoted:
            if name in self.kinds:  # every column named: SQL of both engines can replace one
                columns = (f"{sql} AS {quoted}" if c == name else quote_name(c) for c in self.kinds)
                self.sql = f"SELECT {', '.join(columns)} FROM ({self.sql})"
            else:
                self.sql = f"SELECT *, {sql} AS {quoted} FROM ({self.sql})"
        self.kinds[name] = kind

    def filter(self, expr: str) -> None:
        """Keep the rows for which the Vega expression `expr` is true."""
        test = expression_sql(expr, self.kinds)
        if test.kind != "bool":
            raise Untranslatable(f"the filter {expr!r}, which is not true or false")
        self.sql = f"SELECT * FROM ({self.sql}) WHERE coalesce({test.text}, FALSE)"

    def _bin(self, transform: dict[str, Any], transforms: list[dict[str, Any]], con: Any) -> None:
        field = _field(transform, self.kinds)
        if transform.get("anchor") is not None:
            raise Untranslatable("a bin anchor")
        extent: Any = transform.get("extent")
        within = None  # the range every value lies in, when the bins are made from it
        if isinstance(extent, dict):
            extent = self._extent(extent.get("signal"), transforms, con)
            within = None if self.may_hold_nan else extent
        if not isinstance(extent, list | tuple) or len(extent) != 2:
            raise Untranslatable("a bin without an extent")
        low, high = float(extent[0]), float(extent[1])
        options = {k: transform[k] for k in ("maxbins", "base", "step", "minstep", "span")
                   if transform.get(k) is not None}  # fmt: skip
        for name in ("divide", "steps"):
            if transform.get(name) is not None:
                options[name] = tuple(transform[name])
        if transform.get("nice") is not None:
            options["nice"] = bool(transform["nice"])
        bins: Bins = vega_bins((low, high), **options)
        start, end = transform.get("as") or ("bin0", "bin1")
        keys = bin_sql(quote_name(field), bins, within=within, nulls=self.may_hold_null)
        for name, keyed in zip((start, end), keys, strict=True):
            self._keyed(name, keyed, "number")

    def _extent(
        self, signal: Any, transforms: list[dict[str, Any]], con: Any
    ) -> tuple[float, float]:
        """Return the extent the signal names, computing every extent in one scan."""
        if self.extents is None:
            wanted = [t for t in transforms if t.get("type") == "extent"]
            first = transforms.index(wanted[0]) if wanted else 0
            aggregate = next(
                (i for i, t in enumerate(transforms) if t.get("type") == "aggregate"),
                len(transforms),
            )
            between = {t.get("type") for t in transforms[first:aggregate]}
            if "filter" in between or any(t["field"] not in self.kinds for t in wanted):
                raise Untranslatable("an extent over rows filtered after it")
            # Plain minima and maxima come from a Parquet footer without a scan; NaN, which only
            # a calculated field can hold (and Vega's extent skips), sorts above every number.
            fields = [quote_name(_field(t, self.kinds)) for t in wanted]
            *values, filled = self._extremes(fields, con, "")
            self.may_hold_nan = any(v != v for v in values)
            self.may_hold_null = not filled
            if self.may_hold_nan:
                *values, _ = self._extremes(fields, con, "NOT isnan({v})")
            values = [None if v is None or v != v else float(v) for v in values]
            if None in values:
                raise ChartspecError(
                    "no value to bin: the column is empty after the chart's filters",
                    file=self.table.source,
                    hint="check the filters",
                )
            self.extents = {
                t["signal"]: (values[2 * i], values[2 * i + 1]) for i, t in enumerate(wanted)
            }
        if signal not in self.extents:
            raise Untranslatable(f"the extent signal {signal!r}")
        return self.extents[signal]

    def _extremes(self, fields: list[str], con: Any, valid: str) -> list[Any]:
        """Return the minimum and maximum of each of `fields`, over the values `valid` keeps, and
        last whether every row holds every field (no NULL)."""
        parts = []
        for value in fields:
            where = f" FILTER (WHERE {valid.format(v=value)})" if valid else ""
            parts += [f"min({value}){where}", f"max({value}){where}"]
        parts.append(" AND ".join(f"count({value}) = count(*)" for value in fields))
        found = run_query(con, self.table, f"SELECT {', '.join(parts)} FROM ({self.sql})")
        return list(found.iloc[0])

    def _time_unit(self, transform: dict[str, Any]) -> None:
        field = _field(transform, self.kinds)
        if self.kinds[field] != "time":
            raise Untranslatable(f"a time unit of the {self.kinds[field]} field {field!r}")
        if transform.get("step", 1) != 1 or transform.get("timezone", "local") != "local":
            raise Untranslatable("a time unit with a step or a UTC time zone")
        names = transform.get("as") or ("unit0", "unit1")
        for name, keyed in zip(names, time_unit_sql(quote_name(field), transform["units"]),
                               strict=True):  # fmt: skip
            self._keyed(name, keyed, "time")

    def _aggregate(self, transform: dict[str, Any]) -> None:
        groupby = [
            g if isinstance(g, str) else g.get("field") for g in transform.get("groupby", [])
        ]
        for name in groupby:
            if name not in self.kinds:
                raise Untranslatable(f"grouping by {name!r}, which the table does not have")
        ops, fields = transform.get("ops", ["count"]), transform.get("fields", [None])
        names = transform.get("as") or [
            f"{op}_{f}" if f else op for op, f in zip(ops, fields, strict=True)
        ]
        keys: list[str] = []  # what the rows are grouped by, each once
        outer: list[str] = []
        for g in groupby:
            keyed = self.keyed.get(g)
            for key in keyed.keys if keyed else [quote_name(g)]:
                if key not in keys:
                    keys.append(key)
            if keyed:
                named = (f'"__key{keys.index(key)}"' for key in keyed.keys)
                outer.append(f"{keyed.value.format(*named)} AS {quote_name(g)}")
            else:
                outer.append(f'"__key{keys.index(quote_name(g))}" AS {quote_name(g)}')
        selects = [f'{key} AS "__key{i}"' for i, key in enumerate(keys)]
        kinds = {g: self.kinds[g] for g in groupby}
        for op, field, name in zip(ops, fields, names, strict=True):
            if op not in _AGGREGATES:
                raise Untranslatable(f"the {op!r} aggregate")
            kind = self.kinds.get(field) if field else "integer"
            if field and kind is None:
                raise Untranslatable(f"an aggregate of {field!r}, which the table does not have")
            if op not in _ANY_KIND and kind not in NUMERIC:
                raise Untranslatable(f"the {op!r} of the {kind} field {field!r}")
            sql = _AGGREGATES[op].format(f=quote_name(field) if field else "")
            if op in _COUNTS or (op == "sum" and kind == "integer"):
                sql, kind = f"CAST({sql} AS BIGINT)", "integer"
            elif op not in ("min", "max"):
                kind = "number"
            selects.append(f"{sql} AS {quote_name(name)}")
            outer.append(quote_name(name))
            kinds[name] = kind or "number"
        group = f" GROUP BY {', '.join(f'__key{i}' for i in range(len(keys)))}" if keys else ""
        grouped = f"SELECT {', '.join(selects)} FROM ({self.sql}){group}"
        self.sql = f"SELECT {', '.join(outer)} FROM ({grouped})"
        self.kinds = kinds
        self.keyed = {}


def _field(transform: dict[str, Any], kinds: dict[str, Kind]) -> str:
    field = transform.get("field")
    if not isinstance(field, str) or field not in kinds:
        raise Untranslatable(f"the field {field!r}")
    return field
