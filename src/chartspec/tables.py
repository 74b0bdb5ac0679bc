"""Load a CSV or JSON table, or check a DataFrame, against its declared schema."""

from __future__ import annotations

import csv
import io
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from chartspec.errors import ChartspecError
from chartspec.errors import ChartspecWarning as ChartspecWarning
from chartspec.inputs import declare_table
from chartspec.sandbox import read_regular_file

ColumnType = Literal["string", "number", "integer", "date"]

# A header or cell bigger than this is almost surely not a table (or an attack on memory).
MAX_CELL_CHARS = 1_000_000
MAX_COLUMNS = 10_000


@dataclass(frozen=True)
class Column:
    """One declared column: its type, unit, allowed range, and whether cells may be empty."""

    name: str
    type: ColumnType = "string"
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    required: bool = True
    positive: bool = False  # values must be > 0, as on a log scale
    description: str = ""
    format: str | None = None  # a date column's strftime format; ISO 8601 when None
    decimals: int | None = None  # digits after the point that readers see in tables and CSVs

    def __post_init__(self) -> None:
        if self.type not in ("string", "number", "integer", "date"):
            msg = f"column {self.name!r}: unknown type {self.type!r}"
            raise ValueError(msg)
        if self.format is not None and self.type != "date":
            msg = f"column {self.name!r}: only date columns take a format"
            raise ValueError(msg)
        if self.decimals is not None and (self.type != "number" or not 0 <= self.decimals <= 20):
            msg = f"column {self.name!r}: decimals is for number columns, from 0 to 20"
            raise ValueError(msg)


@dataclass(frozen=True)
class TableSchema:
    """The columns a table must have, and the key column whose values must be unique."""

    columns: Sequence[Column]
    key: str | None = None
    description: str = ""
    extra_columns: Literal["warn", "ignore"] = field(default="warn")

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if self.key is not None and not isinstance(self.key, str):
            msg = f"key is one column's name (a string), not {self.key!r}"
            raise ValueError(msg)
        if self.key is not None and self.key not in names:
            msg = f"key column {self.key!r} is not among the declared columns {names}"
            raise ValueError(msg)

    def column(self, name: str) -> Column:
        """Return the declared column called `name`."""
        return next(c for c in self.columns if c.name == name)


def load_table(path: str | Path, schema: TableSchema) -> pd.DataFrame:
    """Read the CSV file at `path`, check it against `schema`, and return typed columns.

    Every problem raises ChartspecError naming the file, the line (the header is line 1)
    and the column. Undeclared columns are dropped with a warning.
    """

    path = Path(path)
    declare_table(path)  # a chart that reads this table is rebuilt when it changes
    header, cells, lines = _read_csv(path)
    return _check_cells(path, schema, header, cells, lines, header_row=1)


def load_records(path: str | Path, schema: TableSchema) -> pd.DataFrame:
    """Read the JSON array of records at `path`, check it against `schema`, return typed columns.

    Errors name the file, the record (the first is 1) and the column, as for `load_table`.
    """
    path = Path(path)
    declare_table(path)
    raw = read_regular_file(path)
    try:
        records = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ChartspecError("the file is not UTF-8", file=path, hint="save it as UTF-8") from None
    except ValueError as error:
        raise ChartspecError(
            f"malformed JSON ({error})", file=path, hint="write an array of objects"
        ) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ChartspecError(
            "the file is not a JSON array of objects", file=path, hint="write one object per row"
        )
    if not records:
        raise ChartspecError("the table has no rows", file=path, hint="add records")
    return check_frame(pd.DataFrame.from_records(records), schema, file=path)


def check_frame(frame: pd.DataFrame, schema: TableSchema, *, file: str | Path) -> pd.DataFrame:
    """Check the DataFrame `frame` against `schema` and return typed columns.

    The same checks as `load_table`; errors name `file`, the row (the first is 1) and the column.
    """
    if frame.empty:
        raise ChartspecError("the table has no rows", file=file, hint="add rows")
    header = [str(name) for name in frame.columns]
    cells = [[_cell_text(value) for value in frame[name]] for name in frame.columns]
    return _check_cells(
        Path(file), schema, header, cells, list(range(1, len(frame) + 1)), header_row=None
    )


def _cell_text(value: object) -> str:
    """Return a value as the CSV cell that would hold it (missing values are empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    return str(value)


def _check_cells(
    path: Path,
    schema: TableSchema,
    header: list[str],
    cells: list[list[str]],
    lines: list[int],
    *,
    header_row: int | None,
) -> pd.DataFrame:
    """Check a table's cells, column by column, against `schema` and return typed columns."""
    missing = [c.name for c in schema.columns if c.name not in header]
    if missing:
        hint = "add the column to the file or fix its name in the header"
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = "the header has one column: is the delimiter not a comma?"
        raise ChartspecError(
            f"missing column {missing[0]!r} (the header has {', '.join(map(repr, header))})",
            file=path,
            row=header_row,
            hint=hint,
        )
    declared = {c.name for c in schema.columns}
    extra = [name for name in header if name not in declared]
    if extra and schema.extra_columns == "warn":
        where = f"{path}:{header_row}" if header_row else str(path)
        warnings.warn(
            f"{where}: ignoring undeclared column(s) {', '.join(map(repr, extra))}",
            ChartspecWarning,
            stacklevel=3,
        )
    table = pd.DataFrame(
        {c.name: _convert(path, c, cells[header.index(c.name)], lines) for c in schema.columns}
    )
    if schema.key is not None:
        _check_key(path, table[schema.key], schema.key, lines)
    return table


def _looks_like_utf16(raw: bytes) -> bool:
    """Tell UTF-16 text (with or without a byte order mark) from UTF-8 by its zero bytes."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = raw[:4096]
    return len(sample) >= 2 and sample.count(0) * 4 >= len(sample)


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Return the header, the cells column by column, and each data row's line number."""
    raw = read_regular_file(path)
    if _looks_like_utf16(raw):
        raise ChartspecError(
            "the file looks like UTF-16 (a zero byte beside every character)",
            file=path,
            hint="save the file as UTF-8",
        )
    try:
        text = raw.decode("utf-8-sig")  # a byte order mark is harmless: drop it
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ChartspecError(
            f"byte 0x{raw[error.start]:02x} at offset {error.start} is not UTF-8",
            file=path,
            row=line,
            hint="save the file as UTF-8",
        ) from None
    if not text.strip():
        raise ChartspecError("the file is empty", file=path, hint="add a header and data rows")

    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        if len(header) > MAX_COLUMNS:
            raise ChartspecError(
                f"the header has {len(header):,} columns (at most {MAX_COLUMNS:,} are read)",
                file=path,
                row=1,
                hint="is this really a table?",
            )
        header = [name.strip() for name in header]
        duplicates = sorted({n for n in header if header.count(n) > 1})
        if duplicates:
            raise ChartspecError(
                f"duplicate column name {duplicates[0]!r}", file=path, row=1, hint="rename one"
            )
        columns: list[list[str]] = [[] for _ in header]
        lines: list[int] = []
        for row in reader:
            if not row:  # blank line
                continue
            if len(row) != len(header):
                raise ChartspecError(
                    f"the row has {len(row)} cells but the header has {len(header)}",
                    file=path,
                    row=reader.line_num,
                    hint="every row needs one cell per column (quote cells that contain commas)",
                )
            lines.append(reader.line_num)
            for cells, cell in zip(columns, row, strict=True):
                cells.append(cell)
    except csv.Error as error:
        if "field limit" in str(error):
            raise ChartspecError(
                f"a cell is longer than {MAX_CELL_CHARS:,} characters",
                file=path,
                row=reader.line_num,
                hint="is a quote left open, or is this not a table?",
            ) from None
        raise ChartspecError(
            f"malformed CSV ({error})", file=path, row=reader.line_num, hint="check the quoting"
        ) from None
    if not lines:
        raise ChartspecError("the table has a header but no rows", file=path, hint="add data rows")
    return header, columns, lines


def _convert(path: Path, column: Column, cells: list[str], lines: list[int]) -> pd.Series:
    """Turn one column's cells into typed values, checking emptiness, type and range."""
    values = pd.Series(cells, dtype="string").str.strip()
    empty = values == ""
    if column.required and empty.any():
        i = int(empty.to_numpy().argmax())
        raise ChartspecError(
            "empty cell", file=path, row=lines[i], column=column.name, hint="fill it in"
        )
    if column.type == "string":
        # Empty optional cells become None (null in the spec); `where` would give NaN.
        return pd.Series(
            [None if blank else value for value, blank in zip(values, empty, strict=True)],
            dtype=object,
        )

    if column.type == "date":
        parsed = pd.to_datetime(
            values.where(~empty), errors="coerce", format=column.format or "ISO8601"
        )
        kind = (
            f"a date like {column.format!r}" if column.format else "an ISO 8601 date (YYYY-MM-DD)"
        )
    else:
        parsed = pd.to_numeric(values.where(~empty), errors="coerce")
        kind = "an integer" if column.type == "integer" else "a number"
    bad = parsed.isna() & ~empty
    if column.type in ("number", "integer"):
        numbers = parsed.astype("float64")
        bad |= ~empty & ~np.isfinite(numbers.fillna(0.0))
        if column.type == "integer":
            bad |= ~empty & (numbers % 1 != 0).fillna(False)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise ChartspecError(
            f"{cells[i]!r} is not {kind}",
            file=path,
            row=lines[i],
            column=column.name,
            hint=f"write {kind}"
            + (" (NaN and infinity are not allowed)" if column.type != "date" else ""),
        )
    if column.type in ("number", "integer"):
        parsed = parsed.astype("float64" if column.type == "number" else "Int64")
        _check_range(path, column, parsed, lines)
    return parsed


def _check_range(path: Path, column: Column, values: pd.Series, lines: list[int]) -> None:
    """Raise for the first value outside the column's declared [min, max]."""
    checks = []
    if column.min is not None:
        checks.append((values < column.min, f"below the allowed minimum {column.min:g}"))
    if column.max is not None:
        checks.append((values > column.max, f"above the allowed maximum {column.max:g}"))
    if column.positive:
        checks.append((values <= 0, "not positive (a log scale needs values > 0)"))
    unit = f" {column.unit}" if column.unit else ""
    for outside, what in checks:
        outside = outside.fillna(False).astype(bool)
        if outside.any():
            i = int(outside.to_numpy().argmax())
            raise ChartspecError(
                f"{values.iloc[i]:g}{unit} is {what}",
                file=path,
                row=lines[i],
                column=column.name,
                hint="check the value or the column's declared range",
            )


def _check_key(path: Path, keys: pd.Series, name: str, lines: list[int]) -> None:
    """Raise for an empty or repeated key."""
    if keys.isna().any():
        i = int(keys.isna().to_numpy().argmax())
        raise ChartspecError("empty key", file=path, row=lines[i], column=name, hint="fill it in")
    repeated = keys.duplicated()
    if repeated.any():
        i = int(repeated.to_numpy().argmax())
        first = int((keys == keys.iloc[i]).to_numpy().argmax())
        raise ChartspecError(
            f"duplicate key {keys.iloc[i]!r} (first on line {lines[first]})",
            file=path,
            row=lines[i],
            column=name,
            hint="each row needs its own key",
        )
