"""The data a reader sees: a chart's declared columns, with their units, rounded as declared.

A chart declares the columns of the table it draws with `with_schema`; the spec carries them
as `usermeta.chartspec.columns`, so the site and reports, which read specs and never chart
code, show those columns in their declared order and leave out the ones that only place marks
(label positions, flags). Specs without declared columns show their data as it is, except
the aggregate of a big table, which is shown as the chart's encodings name it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartspec.spec import chartspec_meta
from chartspec.spec_data import DataFiles, Dataset, spec_datasets

if TYPE_CHECKING:  # its pandas is for loading tables, not for showing them
    from chartspec.tables import Column, TableSchema

# Names chartspec gives data by content hash: `data-<hash>` datasets and `<chart>.<hash>.csv` files.
_INTEGER = re.compile(r"-?\d+")
_HASH_NAME = re.compile(r"(^|/)(data-[0-9a-f]{16}|[a-z0-9][a-z0-9_-]*\.[0-9a-f]{16}\.(csv|json))$")


def schema_to_columns(schema: TableSchema) -> list[dict[str, Any]]:
    """Return the JSON a spec carries for `schema`'s columns (only what differs from defaults)."""
    return [_column_json(column) for column in schema.columns]


def _column_json(column: Column) -> dict[str, Any]:
    found: dict[str, Any] = {"name": column.name}
    if column.type != "string":
        found["type"] = column.type
    for key in ("unit", "decimals", "description"):
        value = getattr(column, key)
        if value not in (None, ""):
            found[key] = value
    return found


def declared_columns(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the columns a spec declares for its data, or [] when it declares none."""
    columns = chartspec_meta(dict(spec)).get("columns")
    if not isinstance(columns, list):
        return []
    return [c for c in columns if isinstance(c, dict) and isinstance(c.get("name"), str)]


def reader_view(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]] | None:
    """Return headers and rows of just the declared columns, rounded as declared.

    A header names its unit: `speed (tokens/s)`. Returns None when `columns` is empty or the
    rows lack one of them (another table of the chart), so the caller shows the rows as they are.
    """
    names = [str(c["name"]) for c in columns]
    if not names or not rows or any(not all(n in row for n in names) for row in rows):
        return None
    headers = [f"{c['name']} ({c['unit']})" if c.get("unit") else str(c["name"]) for c in columns]
    view = [
        {header: _rounded(row[c["name"]], c) for header, c in zip(headers, columns, strict=True)}
        for row in rows
    ]
    return headers, view


def _rounded(value: Any, column: Mapping[str, Any]) -> Any:
    """Return a number as the table holds it: an integer, or a Decimal with the declared digits."""
    kind, decimals = column.get("type"), column.get("decimals")
    if kind not in ("number", "integer") or value is None or isinstance(value, bool):
        return value
    try:  # a cell read back from a CSV file is text: "2250" is the integer the spec would hold
        number = int(value) if isinstance(value, str) and _INTEGER.fullmatch(value) else value
        number = number if isinstance(number, int) else float(number)
    except (TypeError, ValueError):
        return value
    if isinstance(decimals, int) and not isinstance(decimals, bool) and 0 <= decimals <= 20:
        return Decimal(f"{number:.{decimals}f}")
    return int(number) if kind == "integer" and float(number).is_integer() else number


def table_label(name: str, title: str) -> str:
    """Return what a reader calls a table: its file or dataset name, or the chart's title when
    it has none (inline values) or only a content hash."""
    return title if not name or _HASH_NAME.search(name) else name


# Encoding channels in the order a reader reads a chart: where, then what.
_CHANNEL_ORDER = ("x", "x2", "y", "y2", "theta", "theta2", "radius", "radius2", "row", "column")
_SINGLE_UNITS = {"year": "%Y", "month": "%B", "day": "%A"}
_DATE_PARTS = (("year", "%Y"), ("month", "%m"), ("date", "%d"))
_TIME_PARTS = (("hours", "%H"), ("minutes", "%M"), ("seconds", "%S"))


def encoded_view(
    spec: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], columns: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]] | None:
    """Return headers and rows of an aggregated table as the chart's encodings show it.

    Aggregates are named by their titles ("Trips", not `__count`), a bin by its two ends, a
    time unit by its value ("Monday", not the date in 2012 that Vega-Lite stands it for).
    Returns None when no encoding reads the rows.
    """
    encoding = spec.get("encoding")
    if not rows or not isinstance(encoding, Mapping):
        return None
    units = {str(c["name"]): c.get("unit") for c in columns if c.get("unit")}
    channels = sorted(encoding, key=lambda c: (_CHANNEL_ORDER + (c,)).index(c))
    shown: dict[str, Any] = {}  # header -> how to read the cell from a row
    used: list[str] = []  # the fields shown, in order: the rows are sorted by them
    for channel in channels:
        for defn in _field_defs(encoding[channel]):
            field = defn["field"]
            if field in used or field not in rows[0]:
                continue
            used.append(field)
            title = defn.get("title") if isinstance(defn.get("title"), str) else None
            unit = defn.get("timeUnit")
            end = (encoding.get(f"{channel}2") or {}).get("field") if defn.get("bin") else None
            if isinstance(end, str) and end in rows[0]:
                used.append(end)
                name = title or f"{field} (binned)"
                shown[f"{name} from"] = lambda row, f=field: row[f]
                shown[f"{name} to"] = lambda row, f=end: row[f]
            elif isinstance(unit, str):
                shown[title or f"{field} ({unit})"] = lambda row, f=field, u=unit: _time_unit(
                    row[f], u
                )
            else:
                label = f"{field} ({units[field]})" if field in units else field
                shown[title or label] = lambda row, f=field: row[f]
    if not shown:
        return None
    ordered = sorted(rows, key=lambda row: [(row[f] is None, row[f]) for f in used])
    return list(shown), [{h: read(row) for h, read in shown.items()} for row in ordered]


def _field_defs(defn: Any) -> list[dict[str, Any]]:
    """Return the field definitions of one channel (a tooltip may hold several)."""
    found = defn if isinstance(defn, list) else [defn]
    return [d for d in found if isinstance(d, dict) and isinstance(d.get("field"), str)]


def _time_unit(value: Any, unit: str) -> Any:
    """Return a time Vega-Lite truncated to `unit` as a reader names it: 14, Monday, 2024-01."""
    from datetime import datetime

    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return value
    unit = unit.removeprefix("utc")
    if unit in _SINGLE_UNITS:
        return when.strftime(_SINGLE_UNITS[unit])
    if unit in ("date", "hours", "minutes", "seconds", "milliseconds", "dayofyear"):
        return {
            "date": when.day,
            "hours": when.hour,
            "minutes": when.minute,
            "seconds": when.second,
            "milliseconds": when.microsecond // 1000,
            "dayofyear": when.timetuple().tm_yday,
        }[unit]
    if unit.startswith("quarter") or unit.startswith("yearquarter"):
        quarter = f"Q{(when.month - 1) // 3 + 1}"
        return f"{when.year} {quarter}" if unit.startswith("year") else quarter
    date = "-".join(code for part, code in _DATE_PARTS if part in unit)
    time = ":".join(code for part, code in _TIME_PARTS if part in unit)
    if time == "%H":
        time = "%H:00"
    pattern = " ".join(p for p in (date, time) if p)
    return when.strftime(pattern) if pattern else value


def reader_datasets(
    spec: dict[str, Any], files: DataFiles, *, title: str, source: str | Path | None = None
) -> list[Dataset]:
    """Return each table of a spec as a reader sees it, for a page and a report alike.

    Tables are named by `table_label`, and show only the declared columns when the spec
    declares them. Raises DataNotRead when a url's data cannot be read.
    """
    columns = declared_columns(spec)
    aggregated = chartspec_meta(spec).get("aggregated") is True
    out = []
    for ds in spec_datasets(spec, files, source=source):
        label = table_label(ds.label, title)
        view = encoded_view(spec, ds.rows, columns) if aggregated else reader_view(ds.rows, columns)
        if view is None:
            out.append(replace(ds, label=label))
        else:
            out.append(replace(ds, label=label, columns=view[0], rows=view[1], declared=True))
    return out
