"""Data placement: move a spec's tables into content-addressed files beside it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from typing import Any, Literal

from chartspec.spec import chartspec_meta, json_kind

DataPlacement = Literal["inline", "external"]
DATA_FOLDER = "data"
# Tables up to this many rows stay inline: a short table reads best inside its spec.
DEFAULT_INLINE_MAX_ROWS = 20
DATA_FILE = re.compile(r"[a-z0-9][a-z0-9_-]*\.[0-9a-f]{16}\.(csv|json)")


def externalize_data(
    spec: dict[str, Any], *, name: str, max_inline_rows: int = DEFAULT_INLINE_MAX_ROWS
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Move tables longer than `max_inline_rows` rows into files referenced by relative URL.

    Returns the new spec and the files to write, keyed by their path relative to the spec
    (`data/<name>.<hash>.csv` or `.json`). The input spec is not changed.
    """
    key = chartspec_meta(spec).get("key")
    files: dict[str, bytes] = {}
    moved: dict[str, dict[str, Any]] = {}  # dataset name -> the data reference replacing it

    def place(rows: Any) -> dict[str, Any] | None:
        if not _is_table(rows) or len(rows) <= max_inline_rows:
            return None
        path, content, fmt = table_to_file(rows, name=name, key=key)
        files[path] = content
        return {"url": path, "format": fmt}

    found = spec.get("datasets")
    datasets: dict[str, Any] = found if isinstance(found, dict) else {}
    for dataset, rows in datasets.items():
        ref = place(rows)
        if ref is not None:
            moved[dataset] = ref

    def rewrite(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: rewrite(v) for k, v in value.items()}
            data = out.get("data")
            if isinstance(data, dict):
                out["data"] = _rewrite_data(data, moved, place)
            return out
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    new = rewrite({k: v for k, v in spec.items() if k != "datasets"})
    kept = {k: v for k, v in datasets.items() if k not in moved}
    if kept:
        new["datasets"] = kept
    return new, files


def _rewrite_data(
    data: dict[str, Any],
    moved: dict[str, dict[str, Any]],
    place: Callable[[Any], dict[str, Any] | None],
) -> dict[str, Any]:
    """Point one data reference at its file, keeping its other properties."""
    if data.get("name") in moved:
        rest = {k: v for k, v in data.items() if k != "name"}
        return {**rest, **moved[data["name"]]}
    if "values" in data and not data.get("format"):
        ref = place(data["values"])
        if ref is not None:
            return {**{k: v for k, v in data.items() if k != "values"}, **ref}
    return data


def table_to_file(
    rows: list[dict[str, Any]], *, name: str, key: str | None = None
) -> tuple[str, bytes, dict[str, Any]]:
    """Return the relative path, the bytes and the Vega-Lite `format` of one table's file."""
    columns = _flat_columns(rows)
    if columns is None:
        content = rows_to_json(rows)
        fmt: dict[str, Any] = {"type": "json"}
        suffix = "json"
    else:
        order = sorted(columns, key=lambda c: (c != key, c))
        content = rows_to_csv(rows, order)
        parse = {c: kind for c, kind in columns.items() if kind != "string"}
        fmt = {"type": "csv", "parse": dict(sorted(parse.items()))} if parse else {"type": "csv"}
        suffix = "csv"
    digest = hashlib.sha256(content).hexdigest()[:16]
    return f"{DATA_FOLDER}/{name}.{digest}.{suffix}", content, fmt


def rows_to_json(rows: list[Any]) -> bytes:
    """Return canonical JSON for rows: sorted keys, one row per line."""
    if not rows:
        return b"[]\n"
    lines = ",\n".join("  " + _compact(row) for row in rows)
    return f"[\n{lines}\n]\n".encode()


def rows_to_csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    """Return CSV for flat rows, numbers written exactly as the canonical JSON writes them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, allow_nan=False)  # true/false, 35.36, 1e-07: what the spec holds


def _flat_columns(rows: list[dict[str, Any]]) -> dict[str, str] | None:
    """Return each column's Vega parse type when the rows fit a CSV exactly, else None."""
    if not rows:
        return None
    names = set(rows[0])
    if not names or any(set(row) != names for row in rows):
        return None  # a missing cell and a null cell would read back the same
    kinds: dict[str, str] = {}
    for column in sorted(names):
        found = {json_kind(row[column]) for row in rows} - {"null"}
        if len(found) > 1 or found & {"array", "object"}:
            return None
        kind = found.pop() if found else "number"
        # An empty cell reads back as "" in a string column, so a null there cannot round-trip;
        # Python's csv writer leaves a lone "\r" unquoted, which readers take for a line break.
        if kind == "string" and any(row[column] is None or "\r" in row[column] for row in rows):
            return None
        kinds[column] = kind
    return kinds


def _is_table(rows: Any) -> bool:
    return isinstance(rows, list) and all(isinstance(row, dict) for row in rows)


def _compact(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
    )
