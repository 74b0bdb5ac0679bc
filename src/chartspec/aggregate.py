"""Pre-aggregate big tables at build time with VegaFusion, so a spec carries the drawn rows only.

A chart over a million rows would otherwise write every row into its spec. VegaFusion evaluates
the chart's transforms and its encodings' bin, aggregate and timeUnit in-process; the spec then
holds the aggregated table and encodings that draw it the same way: a bin becomes `binned`
start/end fields, an aggregate the field VegaFusion computed.
"""

from __future__ import annotations

import re
from typing import Any

from chartspec.errors import ChartspecError

# Altair refuses tables above 5,000 rows (MaxRowsError); above this chartspec pre-aggregates.
ROW_THRESHOLD = 5000
AGGREGATED = "chartspec-aggregated"
POSITION_PAIRS = {"x": "x2", "y": "y2", "theta": "theta2", "radius": "radius2"}


def row_count(chart: Any) -> int:
    """Return the number of rows of the chart's own table (0 when it is not a DataFrame)."""
    data = getattr(chart, "data", None)
    if data is None or not (hasattr(data, "columns") and hasattr(data, "__len__")):
        return 0
    return len(data)


def needs_preaggregation(chart: Any, *, threshold: int = ROW_THRESHOLD) -> bool:
    """Tell whether the chart's table is too big to write into a spec row by row."""
    return row_count(chart) > threshold


def preaggregated_dict(chart: Any) -> dict[str, Any]:
    """Return the chart's Vega-Lite dict with its data replaced by the aggregated rows."""
    import altair as alt

    require_single_view(chart, f"a {type(chart).__name__} over {row_count(chart):,} rows")
    with alt.data_transformers.enable("vegafusion"):
        # A pandas DataFrame for an alt.Chart; altair types it as the DataFrameLike protocol.
        table: Any = chart.transformed_data()
    if table is None:
        raise ChartspecError("VegaFusion could not evaluate the chart's transforms")
    return aggregated_spec(chart_without_data(chart), table)


def require_single_view(chart: Any, what: str) -> None:
    """Raise unless `chart` is a single view (alt.Chart), the one kind that is pre-aggregated."""
    import altair as alt

    if not isinstance(chart, alt.Chart):
        raise ChartspecError(
            f"{what} cannot be pre-aggregated",
            hint="pre-aggregation handles single-view charts (alt.Chart); aggregate the table "
            "first, or split the chart",
        )


def chart_without_data(chart: Any) -> dict[str, Any]:
    """Return the chart's Vega-Lite dict over a named, empty data."""
    import altair as alt

    light = chart.copy(deep=False)
    light.data = alt.Data(name=AGGREGATED)  # type: ignore[no-untyped-call]
    with alt.data_transformers.enable("default"):
        spec: dict[str, Any] = light.to_dict(validate=False)
    return spec


def aggregated_spec(spec: dict[str, Any], table: Any) -> dict[str, Any]:
    """Return the chart's Vega-Lite dict `spec` (from `chart_without_data`) drawing `table`, the
    result of its transforms; `spec` is changed.

    The rows are sorted, so the spec does not depend on the order the table's rows are stored in.
    """
    spec.pop("transform", None)  # already applied to `table`
    columns = set(table.columns)
    renames: dict[str, str] = {}
    encoding = spec.get("encoding") or {}
    for channel in list(encoding):
        defn = encoding[channel]
        if isinstance(defn, dict):
            encoding.update(_rewrite(channel, defn, columns, renames))
    table = table.rename(columns=renames)
    rows = _rows(table.sort_values(list(table.columns), kind="stable", ignore_index=True))
    spec["data"] = {"name": AGGREGATED}
    spec["datasets"] = {AGGREGATED: rows}
    return spec


def _rewrite(
    channel: str, defn: dict[str, Any], columns: set[str], renames: dict[str, str]
) -> dict[str, Any]:
    """Return the channel's new definition(s) over the aggregated columns."""
    field = defn.get("field")
    bin_ = defn.get("bin")
    if bin_ and not (isinstance(bin_, dict) and bin_.get("binned")):
        start = _bin_column(field, columns)
        if channel not in POSITION_PAIRS or start is None:
            raise ChartspecError(
                f"cannot pre-aggregate the binned {channel!r} channel",
                hint="bin on x or y only, or aggregate the table first",
            )
        new = {k: v for k, v in defn.items() if k != "bin"}
        new.update(field=start, bin="binned", type="quantitative")
        new.setdefault("title", f"{field} (binned)")
        return {channel: new, POSITION_PAIRS[channel]: {"field": f"{start}_end"}}
    op = defn.get("aggregate")
    if op:
        column = "__count" if op == "count" else f"{op}_{field}"
        if not isinstance(op, str) or column not in columns:
            raise ChartspecError(
                f"cannot pre-aggregate the {op!r} aggregate of channel {channel!r}",
                hint="use count, sum, mean, median, min or max, or aggregate the table first",
            )
        new = {k: v for k, v in defn.items() if k != "aggregate"}
        new.update(field=column)
        new.setdefault("title", _aggregate_title(op, field))
        return {channel: new}
    unit = defn.get("timeUnit")
    if unit and isinstance(field, str):
        # Truncating a truncated time again is a no-op: keep the encoding, rename the column back.
        computed = f"{unit}_{field}" if isinstance(unit, str) else None
        if computed not in columns:
            return {channel: defn}
        if computed in renames or field not in renames.values():
            renames[computed] = field
            return {channel: defn}
        # A second time unit of one field (hours and weekday of a time): keep its own column.
        title = defn.get("title", f"{field} ({'-'.join(_UNIT_WORDS.findall(unit))})")
        return {channel: {**defn, "field": computed, "title": title}}
    return {channel: defn}


# The words of a time unit, as Vega-Lite titles it: "yearmonthdate" is "year-month-date".
_UNIT_WORDS = re.compile(
    r"utc|year|quarter|month|week|dayofyear|day|date|hours|minutes|seconds|milliseconds"
)


def _bin_column(field: Any, columns: set[str]) -> str | None:
    """Return the column VegaFusion wrote the bin starts of `field` to."""
    found = [
        c
        for c in columns
        if c.startswith("bin_") and c.endswith(f"_{field}") and f"{c}_end" in columns
    ]
    return found[0] if len(found) == 1 else None


def _aggregate_title(op: str, field: Any) -> str:
    """Return the axis title Vega-Lite gives an aggregated field."""
    if op == "count":
        return "Count of Records"
    names = {"mean": "Mean", "sum": "Sum", "median": "Median", "min": "Min", "max": "Max"}
    return f"{names.get(op, op.capitalize())} of {field}"


def _rows(table: Any) -> list[dict[str, Any]]:
    """Return the aggregated table as JSON rows, serialised the way Altair serialises data."""
    import altair as alt
    import pandas as pd

    for name in table.columns:
        column = table[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            # VegaFusion answers in UTC; Altair writes naive local times, as the source had.
            from vl_convert import get_local_tz

            local = get_local_tz() or "UTC"
            table[name] = column.dt.tz_convert(local).dt.tz_localize(None)
    records: list[dict[str, Any]] = alt.utils.sanitize_pandas_dataframe(table).to_dict(
        orient="records"
    )
    return records
