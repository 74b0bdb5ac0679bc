"""Semantic diffs of Vega-Lite specs: what changed in the chart and in its data, in words."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from chartspec.spec import chartspec_meta
from chartspec.spec_data import NO_FILES, DataFiles, data_format, parsed_rows, resolve

Status = Literal["added", "removed", "changed", "unchanged"]
Segment = str | int

MAX_ROWS_SHOWN = 50
MAX_VALUE_CHARS = 120
_ABSENT: Any = object()


# --------------------------------------------------------------------------- report types


@dataclass(frozen=True)
class PropertyChange:
    """One property of the spec added, removed or given a new value."""

    path: str
    old: Any = _ABSENT
    new: Any = _ABSENT

    @property
    def kind(self) -> Literal["added", "removed", "changed"]:
        """Whether the property was added, removed or changed."""
        if self.old is _ABSENT:
            return "added"
        return "removed" if self.new is _ABSENT else "changed"

    def __str__(self) -> str:
        key = self.path.rsplit(".", 1)[-1]
        if self.kind == "added":
            return f"{self.path}: added {show(self.new, key=key)}"
        if self.kind == "removed":
            return f"{self.path}: removed (was {show(self.old, key=key)})"
        return f"{self.path}: {show(self.old, key=key)} → {show(self.new, key=key)}"

    def to_dict(self) -> dict[str, Any]:
        """Return the change as JSON-ready data."""
        out: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.old is not _ABSENT:
            out["old"] = self.old
        if self.new is not _ABSENT:
            out["new"] = self.new
        return out


@dataclass(frozen=True)
class RowChange:
    """One data row added, removed, or with changed cells."""

    kind: Literal["added", "removed", "changed"]
    key: Any  # the key column's value, or the 1-based row number when matched by position
    by_position: bool
    row: dict[str, Any] = field(default_factory=dict)  # the whole row, when added or removed
    cells: tuple[tuple[str, Any, Any], ...] = ()  # (column, old, new), when changed

    @property
    def label(self) -> str:
        """How the row is named in the report: `row 'Phi-2'` or `row 3`."""
        return f"row {self.key}" if self.by_position else f"row {show(self.key, quote=True)}"

    def __str__(self) -> str:
        if self.kind == "changed":
            cells = ", ".join(
                f"{column} {show(old, quote=True)} → {show(new, quote=True)}"
                for column, old, new in self.cells
            )
            return f"{self.label}: {cells}"
        values = ", ".join(f"{k} {show(v, quote=True)}" for k, v in self.row.items())
        return f"{self.label} {self.kind}: {values}"

    def to_dict(self) -> dict[str, Any]:
        """Return the row change as JSON-ready data."""
        out: dict[str, Any] = {"kind": self.kind, ("row" if self.by_position else "key"): self.key}
        if self.kind == "changed":
            out["cells"] = [{"column": c, "old": o, "new": n} for c, o, n in self.cells]
        else:
            out["values"] = self.row
        return out


@dataclass(frozen=True)
class DataChange:
    """How the rows of one data source changed, matched by a key column or by position."""

    path: str  # where the data is used: `data`, `layer[1].data`, ...
    matched_by: str | None  # key column, or None for row position
    rows: tuple[RowChange, ...] = ()
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return one line counting the changes: `data: rows matched by ...: 1 added, 2 changed`."""
        facts = [f"column {c!r} added" for c in self.columns_added]
        facts += [f"column {c!r} removed" for c in self.columns_removed]
        counts = ", ".join(
            f"{n} {kind}"
            for kind in ("added", "removed", "changed")
            if (n := sum(r.kind == kind for r in self.rows))
        )
        if counts:
            by = f"key column {self.matched_by!r}" if self.matched_by else "row position"
            facts.append(f"rows matched by {by}: {counts}")
        return f"{self.path}: " + "; ".join(facts)

    def lines(self) -> list[str]:
        """Return the summary, then one line per changed row (at most MAX_ROWS_SHOWN)."""
        out = [self.summary()]
        out += [f"{self.path}: {row}" for row in self.rows[:MAX_ROWS_SHOWN]]
        if len(self.rows) > MAX_ROWS_SHOWN:
            out.append(f"{self.path}: … and {len(self.rows) - MAX_ROWS_SHOWN} more rows")
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the data change as JSON-ready data."""
        return {
            "path": self.path,
            "matched_by": self.matched_by or "position",
            "columns_added": list(self.columns_added),
            "columns_removed": list(self.columns_removed),
            "rows": [row.to_dict() for row in self.rows],
        }


@dataclass(frozen=True)
class ChartDiff:
    """What changed in one chart between two versions of its spec."""

    name: str
    status: Status
    properties: tuple[PropertyChange, ...] = ()
    data: tuple[DataChange, ...] = ()

    @property
    def changed(self) -> bool:
        """Tell whether anything at all changed."""
        return self.status != "unchanged"

    def lines(self) -> list[str]:
        """Return the report of this chart: a heading line, then one indented line per fact."""
        out = [f"{self.name}: {self.status}"]
        if self.status == "changed":
            out += [f"  {change}" for change in self.properties]
            out += [f"  {line}" for data in self.data for line in data.lines()]
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the chart's diff as JSON-ready data."""
        return {
            "chart": self.name,
            "status": self.status,
            "properties": [change.to_dict() for change in self.properties],
            "data": [data.to_dict() for data in self.data],
        }


def render_text(diffs: Iterable[ChartDiff]) -> str:
    """Return the report for people: changed charts only, then a one-line total."""
    diffs = list(diffs)
    lines = [line for d in diffs if d.changed for line in d.lines()]
    counts = [
        f"{n} {status}"
        for status in ("changed", "added", "removed")
        if (n := sum(d.status == status for d in diffs))
    ]
    charts = len(diffs)
    noun = "chart" if charts == 1 else "charts"
    total = f"{charts} {noun} compared: " + ", ".join(counts)
    lines.append(total if counts else f"no changes in {charts} {noun}")
    return "\n".join(lines) + "\n"


def render_json(diffs: Iterable[ChartDiff]) -> str:
    """Return the report for tools, as JSON."""
    diffs = list(diffs)
    report = {"changed": any(d.changed for d in diffs), "charts": [d.to_dict() for d in diffs]}
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- diffing


def diff_specs(
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    name: str,
    old_files: DataFiles = NO_FILES,
    new_files: DataFiles = NO_FILES,
) -> ChartDiff:
    """Compare two versions of a chart's spec (None: the chart does not exist on that side).

    Data is compared by its rows wherever it lives (`datasets`, inline `values`, a relative
    `url` read through `old_files`/`new_files`), so renamed datasets are not changes.
    """
    if old is None and new is None:
        return ChartDiff(name, "unchanged")
    if old is None:
        return ChartDiff(name, "added")
    if new is None:
        return ChartDiff(name, "removed")
    old_shape, old_data = normalize_spec(old, old_files)
    new_shape, new_data = normalize_spec(new, new_files)
    both = set(old_data) & set(new_data)
    properties = tuple(
        change
        for change in _diff_values(old_shape, new_shape, [])
        if change.path.removesuffix(".rows") not in both or not change.path.endswith(".rows")
    )
    key = _declared_key(new) or _declared_key(old)
    data = tuple(
        change
        for path in _ordered_union(old_data, new_data)
        if path in old_data
        and path in new_data
        and (change := diff_rows(old_data[path], new_data[path], path=path, key=key)) is not None
    )
    # Data appearing or vanishing at a path shows up in the shape; rows are compared here.
    status: Status = "changed" if properties or data else "unchanged"
    return ChartDiff(name, status, properties, data)


def _declared_key(spec: dict[str, Any]) -> str | None:
    key = chartspec_meta(spec).get("key")
    return key if isinstance(key, str) else None


def normalize_spec(
    spec: dict[str, Any], files: DataFiles = NO_FILES
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Split a spec into its shape and its data rows, by the path where each data is used.

    In the shape, a resolvable data reference becomes `{"rows": N}`, marks are objects,
    and `datasets` is gone, so dataset names and data placement never count as changes.
    """
    named = spec.get("datasets")
    datasets: dict[str, Any] = named if isinstance(named, dict) else {}
    found: dict[str, list[dict[str, Any]]] = {}

    def walk(value: Any, path: list[Segment]) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "datasets" and not path:
                    continue
                here = [*path, key]
                if key == "data" and isinstance(item, dict):
                    rows = resolve_data(item, datasets, files)
                    if rows is not None:
                        found[format_path(here)] = rows
                        out[key] = {**_data_rest(item), "rows": len(rows)}
                        continue
                if key == "mark" and isinstance(item, str):
                    item = {"type": item}  # "point" and {"type": "point"} are the same mark
                out[key] = walk(item, here)
            return out
        if isinstance(value, list):
            return [walk(item, [*path, i]) for i, item in enumerate(value)]
        return value

    return walk(spec, []), found


def _data_rest(data: dict[str, Any]) -> dict[str, Any]:
    """Return what a data reference says besides where its rows live and how they are stored."""
    return {k: v for k, v in data.items() if k not in ("name", "values", "url", "format")}


def resolve_data(
    data: dict[str, Any], datasets: dict[str, Any], files: DataFiles = NO_FILES
) -> list[dict[str, Any]] | None:
    """Return the rows a data reference stands for, as its format parses them, or None."""
    rows = resolve(data, datasets=datasets, files=files).rows
    return None if rows is None else parsed_rows(rows, data_format(data))


def _diff_values(old: Any, new: Any, path: list[Segment]) -> Iterator[PropertyChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in _ordered_union(old, new):
            here = [*path, key]
            if key not in old:
                yield PropertyChange(format_path(here), new=new[key])
            elif key not in new:
                yield PropertyChange(format_path(here), old=old[key])
            else:
                yield from _diff_values(old[key], new[key], here)
    elif _is_list_of_dicts(old) and _is_list_of_dicts(new):
        yield from _diff_lists(old, new, path)
    elif not _same(old, new):
        yield PropertyChange(format_path(path), old, new)


def _diff_lists(old: list[Any], new: list[Any], path: list[Segment]) -> Iterator[PropertyChange]:
    """Align lists of objects (layers, transforms, params) so an insertion is one change."""
    keys_old = [_canonical(item) for item in old]
    keys_new = [_canonical(item) for item in new]
    matcher = difflib.SequenceMatcher(None, keys_old, keys_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            yield from _diff_values(old[i1 + k], new[j1 + k], [*path, j1 + k])
        for i in range(i1 + pairs, i2):
            yield PropertyChange(format_path([*path, i]), old=old[i])
        for j in range(j1 + pairs, j2):
            yield PropertyChange(format_path([*path, j]), new=new[j])


def diff_rows(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    *,
    path: str = "data",
    key: str | None = None,
) -> DataChange | None:
    """Compare two tables row by row, matched by `key`, a unique column, or position."""
    old_columns = _columns(old)
    new_columns = _columns(new)
    added = tuple(c for c in new_columns if c not in old_columns)
    removed = tuple(c for c in old_columns if c not in new_columns)
    shared = [c for c in new_columns if c in old_columns]
    match = match_column(old, new, preferred=key)
    rows: list[RowChange] = []
    if match is None:
        for i in range(max(len(old), len(new))):
            if i >= len(old):
                rows.append(RowChange("added", i + 1, True, row=new[i]))
            elif i >= len(new):
                rows.append(RowChange("removed", i + 1, True, row=old[i]))
            elif cells := _changed_cells(old[i], new[i], shared):
                rows.append(RowChange("changed", i + 1, True, cells=cells))
    else:
        old_by = {row[match]: row for row in old}
        new_by = {row[match]: row for row in new}
        for value, row in old_by.items():
            if value not in new_by:
                rows.append(RowChange("removed", value, False, row=row))
        for value, row in new_by.items():
            if value not in old_by:
                rows.append(RowChange("added", value, False, row=row))
            elif cells := _changed_cells(old_by[value], row, shared):
                rows.append(RowChange("changed", value, False, cells=cells))
    if not rows and not added and not removed:
        return None
    return DataChange(path, match, tuple(rows), added, removed)


def match_column(
    old: list[dict[str, Any]], new: list[dict[str, Any]], *, preferred: str | None = None
) -> str | None:
    """Return the column to match rows by: `preferred` if it is a key on both sides, else the
    unique column shared by most rows (text columns first), else None for row position."""
    candidates = [c for c in _columns(new) if _is_key(old, c) and _is_key(new, c)]
    if preferred in candidates:
        return preferred
    if not candidates:
        return None

    def rank(column: str) -> tuple[int, int]:
        shared = len({row[column] for row in old} & {row[column] for row in new})
        text = all(isinstance(row[column], str) for row in (*old, *new))
        return (-shared, 0 if text else 1)

    return min(candidates, key=rank)


def _is_key(rows: list[dict[str, Any]], column: str) -> bool:
    values = [row.get(column, _ABSENT) for row in rows]
    scalar = all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values)
    if not values or not scalar:
        return False
    return len({_canonical(v) for v in values}) == len(values)


def _changed_cells(
    old: dict[str, Any], new: dict[str, Any], columns: list[str]
) -> tuple[tuple[str, Any, Any], ...]:
    return tuple((c, old.get(c), new.get(c)) for c in columns if not _same(old.get(c), new.get(c)))


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _is_list_of_dicts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python, but a boolean and a number are different values in a spec.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _ordered_union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    return sorted(set(a) | set(b), key=_path_order)


def _path_order(key: str) -> tuple[int, str]:
    # `$schema` and friends last; the rest alphabetically, as the canonical file lists them.
    return (1 if key.startswith("$") else 0, key)


# --------------------------------------------------------------------------- wording

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_FREE_TEXT = {"title", "subtitle", "text", "description", "label", "name", "source", "format"}


def format_path(path: Iterable[Segment]) -> str:
    """Return a path as a reviewer reads it: `layer[1].x.scale.type`, `mark`, `title`."""
    parts = list(path)
    # Channels read better without their `encoding.` prefix, and a mark by its type.
    parts = [p for i, p in enumerate(parts) if not (p == "encoding" and i + 1 < len(parts))]
    if len(parts) >= 2 and parts[-1] == "type" and parts[-2] == "mark":
        parts.pop()
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "").replace("$", "").isalnum() or not part:
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text or "(spec)"


def show(value: Any, *, key: str = "", quote: bool | None = None) -> str:
    """Return a value in a reviewer's words: `log`, `'A'`, `35.5`, `['#1f77b4', '#d62728']`."""
    if isinstance(value, str):
        # Names from a fixed vocabulary (log, circle, quantitative) read best bare;
        # free text is quoted so its spaces and edges show.
        bare = quote is False or (
            quote is None and key not in _FREE_TEXT and _WORD.fullmatch(value) is not None
        )
        return value if bare else _quote(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return json.dumps(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        text = "[" + ", ".join(show(v, quote=True) for v in value) + "]"
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _quote(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)


# --------------------------------------------------------------------------- one spec as facts


def spec_to_facts(spec: dict[str, Any], *, files: DataFiles = NO_FILES) -> list[str]:
    """Return a spec as one line per fact, data cells included, for line-based diffs.

    Two versions' facts differ by exactly the lines of what changed, so `git diff` through
    this (a textconv filter) shows a semantic diff.
    """
    shape, data = normalize_spec(spec, files)
    lines = [line for line in _facts(shape, []) if not _is_row_count(line, data)]
    key = _declared_key(spec)
    for path, rows in data.items():
        match = match_column(rows, rows, preferred=key)
        by = f"key column {match!r}" if match else "row position"
        lines.append(f"{path}: {len(rows)} row{'s' if len(rows) != 1 else ''}, matched by {by}")
        for i, row in enumerate(rows, start=1):
            label = f"{path}: row {show(row[match], quote=True) if match else i}"
            lines.append(label)
            lines += [f"{label}: {c} {show(v, quote=True)}" for c, v in row.items() if c != match]
    return lines


def _facts(value: Any, path: list[Segment]) -> Iterator[str]:
    if isinstance(value, dict) and value:
        for key in sorted(value, key=_path_order):
            yield from _facts(value[key], [*path, key])
    elif _is_list_of_dicts(value):
        for i, item in enumerate(value):
            yield from _facts(item, [*path, i])
    else:
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else None
        yield f"{format_path(path)}: {text if text is not None else show(value, key=key)}"


def _is_row_count(line: str, data: dict[str, Any]) -> bool:
    path, _, _ = line.partition(": ")
    return path.endswith(".rows") and path.removesuffix(".rows") in data
