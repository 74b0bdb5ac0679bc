"""A spec's data: where each `data` object's rows come from, reading them, and inlining them.

Data lives in top-level `datasets`, inline `values` (rows, or CSV/TSV/DSV/JSON text with a
`format.type`), or a file named by a relative `url`. Files are read through a `DataFiles`: on
disk that is `LocalFiles`, which reads only inside the allowed roots (`chartspec.sandbox`); a
git revision brings its own. Remote URLs are never fetched here: `remote_data` is the one place
that decides what happens to one: its pinned copy (`chartspec.remote`) is read offline, and an
unpinned one is refused with a reason.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from chartspec.errors import ChartspecError
from chartspec.remote import OPT_IN, is_remote_url, pinned_file
from chartspec.sandbox import is_remote, read_regular_file, resolve_inside
from chartspec.spec import split_field

DELIMITED = ("csv", "tsv", "dsv")
# Vega-Lite takes a url's format from its extension, and JSON when there is none it knows.
_TYPE_BY_EXTENSION = ("json", "csv", "tsv", "dsv", "topojson")
MAX_TABLE_ROWS = 1000
"""Rows shown in a data table of a page or report; the downloads hold them all."""


class DataNotRead(ChartspecError):
    """A spec's data that cannot be read; the message says why (remote, missing, outside, ...)."""


# --------------------------------------------------------------------------- where files come from


class DataFiles:
    """Where a spec's relative data URLs are read from; this one reads nothing."""

    pins: Path | None = None
    """The specs folder whose lock names the pinned copies of remote data, when there is one."""

    def read(self, url: str) -> bytes:
        """Return the bytes of the file `url` names, or raise DataNotRead saying why."""
        raise DataNotRead(f"data url {url!r} is relative but the spec has no folder to read from")

    def locate(self, url: str) -> Path | None:
        """Return the local file `url` names, when there is one."""
        return None


class LocalFiles(DataFiles):
    """Files relative to a spec's folder, read only inside the spec's folder and `roots`."""

    def __init__(
        self,
        base: Path,
        *,
        roots: Sequence[Path] = (),
        source: str | Path | None = None,
        pins: Path | None = None,
        area: tuple[str, str] | None = None,
    ) -> None:
        self.base = Path(base)
        self.pins = Path(pins) if pins is not None else self.base
        self.roots = [self.base, *roots]
        self.source = source
        self.area = area  # what the roots are and where to move a file, when not the project

    def locate(self, url: str) -> Path:
        try:
            return resolve_inside(url, base=self.base, roots=self.roots, source=self.source)
        except ChartspecError as error:
            what, hint = error.what, error.hint
            if self.area is not None and what == f"{url!r} points outside the project":
                what, hint = f"{url!r} points outside {self.area[0]}", self.area[1]
            raise DataNotRead(f"data url {what}", file=self.source, hint=hint) from None

    def read(self, url: str) -> bytes:
        path = self.locate(url)
        try:
            return read_regular_file(path)
        except ChartspecError as error:
            what = f"data url {url!r}: {error.what}"
            raise DataNotRead(what, file=self.source, hint=error.hint) from None


class FilesFrom(DataFiles):
    """Files a function reads by relative URL (from a git revision, say); None when absent."""

    def __init__(self, read: Callable[[str], bytes | None], *, where: str) -> None:
        self._read = read
        self.where = where

    def read(self, url: str) -> bytes:
        content = self._read(url)
        if content is None:
            raise DataNotRead(f"data url {url!r} is not in {self.where}")
        return content


NO_FILES = DataFiles()
"""Reads no file: for a spec that has no folder."""


def spec_files(spec_file: Path, *, project: Path | None = None) -> LocalFiles:
    """Return the data files of a spec on disk: inside its folder or the project folder."""
    spec_file = Path(spec_file)
    roots = [Path(project)] if project is not None else []
    return LocalFiles(spec_file.parent, roots=roots, source=spec_file)


def remote_data(url: str, *, pins: Path | None, source: str | Path | None = None) -> Path:
    """Return the pinned local copy of a remote data URL: the one place remote data is resolved.

    chartspec never fetches while it reads: a URL not pinned under `pins` is refused, saying why.
    """
    hint = "save the file inside the project and refer to it by a relative path"
    if not is_remote_url(url):
        raise DataNotRead(f"data url {url!r} is remote and is not fetched", file=source, hint=hint)
    copy = pinned_file(url, pins) if pins is not None else None
    if copy is None:
        what = f"data url {url!r} is remote and not pinned"
        raise DataNotRead(what, file=source, hint=f"{hint}, or {OPT_IN}")
    return copy


def data_file(url: str, files: DataFiles, *, source: str | Path | None = None) -> Path | None:
    """Return the local file a data url names: one of `files`, or a remote url's pinned copy."""
    if is_remote(url):
        return remote_data(url, pins=files.pins, source=source)
    return files.locate(url)


# --------------------------------------------------------------------------- walking


def iter_data(spec: Any) -> Iterator[dict[str, Any]]:
    """Yield every `data` object of a spec, in order: views' data and lookups' `from.data`."""
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict):
            yield data
        for key, value in spec.items():
            if key not in ("data", "datasets", "usermeta", "config"):
                yield from iter_data(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from iter_data(item)


def data_urls(spec: Any) -> Iterator[str]:
    """Yield every local data URL of a spec (remote ones are left out)."""
    for data in iter_data(spec):
        url = data.get("url")
        if isinstance(url, str) and url and not is_remote(url):
            yield url


def data_format(data: dict[str, Any]) -> dict[str, Any]:
    """Return a data object's `format`, its `type` filled in as Vega-Lite infers it from a url."""
    found = data.get("format")
    fmt = dict(found) if isinstance(found, dict) else {}
    if not fmt.get("type"):
        url = data.get("url")
        if isinstance(url, str):
            ext = re.split(r"[?#]", url)[0].rsplit("/", 1)[-1].rpartition(".")[2].lower()
            fmt["type"] = ext if ext in _TYPE_BY_EXTENSION else "json"
        elif isinstance(data.get("values"), str):
            fmt["type"] = "json"
    return fmt


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Resolved:
    """The rows one `data` object stands for, or why they cannot be known.

    `rows` is None with a `reason` when the data cannot be read (a remote URL, a missing file,
    a file outside the project, text that does not parse), and None without one when the data
    is not a table (a generator, a named dataset bound at run time, TopoJSON).
    """

    rows: list[dict[str, Any]] | None
    reason: str | None = None
    file: Path | None = None  # the local file the rows were read from
    text: str | None = None  # that file's text
    hint: str | None = None  # what to do about the reason


def resolve(data: Any, *, datasets: Any = None, files: DataFiles | None = None) -> Resolved:
    """Return the rows of one `data` object of a spec whose top-level `datasets` are given."""
    if not isinstance(data, dict):
        return Resolved(None)
    fmt = data_format(data)
    try:
        if "values" in data:
            return Resolved(values_to_rows(data["values"], fmt))
        name = data.get("name")
        if isinstance(name, str) and isinstance(datasets, dict) and name in datasets:
            return Resolved(values_to_rows(datasets[name], fmt))
        if "url" not in data:
            return Resolved(None)
        path, text = read_url(data["url"], files or DataFiles())
        return Resolved(values_to_rows(text, fmt), file=path, text=text)
    except DataNotRead as error:
        return Resolved(None, reason=error.what, hint=error.hint)
    except ValueError as error:
        where = f"data url {data['url']!r}: " if "url" in data else ""
        return Resolved(None, reason=f"{where}cannot parse the {fmt.get('type')} data: {error}")


def read_url(
    url: Any, files: DataFiles, *, source: str | Path | None = None
) -> tuple[Path | None, str]:
    """Return the local file a data url names (when known) and its text, or raise DataNotRead."""
    if not isinstance(url, str) or not url:
        raise DataNotRead(f"data url must be a non-empty string, got {url!r}", file=source)
    if is_remote(url):
        pinned = remote_data(url, pins=files.pins, source=source)
        path: Path | None = pinned
        try:
            content = read_regular_file(pinned)
        except ChartspecError as error:
            raise DataNotRead(f"data url {url!r}: {error.what}", file=source) from None
    else:
        path = files.locate(url)
        content = files.read(url)
    try:
        return path, content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataNotRead(
            f"data url {url!r} is not UTF-8 text (byte 0x{content[error.start]:02x})",
            file=source,
        ) from None


def values_to_rows(values: Any, fmt: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Return the rows Vega reads from inline values or a file's text, before `format.parse`.

    None when the data is not a table (TopoJSON, a single object); ValueError when text does
    not parse as its `format.type` says.
    """
    kind = fmt.get("type", "json")
    if isinstance(values, str):
        if kind in DELIMITED:
            return _parse_delimited(values, kind, fmt)
        if kind != "json":
            return None
        try:
            values = json.loads(values.removeprefix("\ufeff"))
        except RecursionError:
            raise ValueError("nested too deeply") from None
    prop = fmt.get("property")
    if isinstance(prop, str):
        for part in split_field(prop) or []:
            values = values.get(part) if isinstance(values, dict) else None
    if not isinstance(values, list):
        return None
    # Vega wraps each value that is not an object, as {"data": value}.
    return [v if isinstance(v, dict) else {"data": v} for v in values]


def topojson_rows(topology: Any, fmt: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Return the rows Vega makes of a TopoJSON object, as names go: features, or one mesh.

    Geometries are left empty: the rows tell which fields a chart can use, not what it draws.
    """
    objects = topology.get("objects") if isinstance(topology, dict) else None
    name = fmt.get("feature", fmt.get("mesh"))
    shape = objects.get(name) if isinstance(objects, dict) and isinstance(name, str) else None
    if not isinstance(shape, dict):
        return None
    if "mesh" in fmt:
        return [{"type": "MultiLineString", "coordinates": []}]
    geometries = (
        shape.get("geometries", [shape]) if shape.get("type") == "GeometryCollection" else [shape]
    )
    return [
        {
            "type": "Feature",
            **({"id": g["id"]} if g.get("id") is not None else {}),
            "properties": g.get("properties") or {},
            "geometry": {},
        }
        for g in geometries
        if isinstance(g, dict)
    ]


def _parse_delimited(text: str, kind: str, fmt: dict[str, Any]) -> list[dict[str, Any]]:
    delimiter = {"csv": ",", "tsv": "\t"}.get(kind, fmt.get("delimiter"))
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"a {kind} format needs a one-character delimiter")
    try:
        reader = csv.DictReader(
            io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter
        )
        return list(reader)
    except csv.Error as error:
        raise ValueError(str(error)) from None


def parsed_rows(rows: list[dict[str, Any]], fmt: Any) -> list[dict[str, Any]]:
    """Apply a format's number and boolean `parse` to rows, as the spec means its cells."""
    parse = fmt.get("parse") if isinstance(fmt, dict) else None
    if not isinstance(parse, dict) or not parse:
        return rows
    return [{k: _parse_cell(v, parse.get(k)) for k, v in row.items()} for row in rows]


def _parse_cell(text: Any, kind: Any) -> Any:
    if not isinstance(text, str) and text is not None:
        return text
    if kind == "number":
        if text is None or text == "":
            return None
        try:
            return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
        except ValueError:
            return text
    if kind == "boolean":
        return {"": None, "true": True, "1": True, "false": False, "0": False}.get(text or "", text)
    return text


# --------------------------------------------------------------------------- inlining


def inline_data(
    spec: dict[str, Any], files: DataFiles, *, source: str | Path | None = None
) -> dict[str, Any]:
    """Return a copy of `spec` with url data put inline, or raise DataNotRead saying why.

    Delimited text, from a url or inline, becomes rows (see `page_values`); other formats are
    inlined as text with their type.
    """
    if not any("url" in data or _delimited_text(data) for data in iter_data(spec)):
        return spec
    spec = copy.deepcopy(spec)
    for data in iter_data(spec):
        url = data.get("url")
        if url is None and not _delimited_text(data):
            continue
        fmt = data_format(data)
        text = data["values"] if url is None else read_url(url, files, source=source)[1]
        try:
            data["values"], data["format"] = page_values(text, fmt)
        except ValueError as error:
            where = "inline values" if url is None else f"data url {url!r}"
            raise DataNotRead(f"{where}: {error}", file=source) from None
        data.pop("url", None)
    return spec


def page_values(text: str, fmt: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Return data text as a page holds it inline, and its new format; ValueError if unparsable.

    Delimited text becomes rows of strings, as the CSV reader would give them, because parsing
    CSV in the browser compiles a function (blocked by a strict CSP); type parsing stays with
    the format's `parse` and Vega-Lite's implicit parsing. Other formats stay text.
    """
    if fmt.get("type") not in DELIMITED:
        return text, fmt
    try:
        rows = _parse_delimited(text, fmt["type"], fmt)
    except ValueError as error:
        raise ValueError(f"cannot parse the {fmt['type']} data: {error}") from None
    fmt = {k: v for k, v in fmt.items() if k != "delimiter"}
    return rows, {**fmt, "type": "json"}


def _delimited_text(data: dict[str, Any]) -> bool:
    return isinstance(data.get("values"), str) and data_format(data).get("type") in DELIMITED


# --------------------------------------------------------------------------- tables


@dataclass
class Dataset:
    """One table of a spec's data, as rows of plain values."""

    label: str
    columns: list[str]
    rows: list[dict[str, Any]]
    source_file: Path | None = None  # the url's file, when the data came from one
    declared: bool = False  # shows the spec's declared columns, not the data as it is


def spec_datasets(
    spec: dict[str, Any], files: DataFiles, *, source: str | Path | None = None
) -> list[Dataset]:
    """Return each distinct table a spec draws, in the order it first appears.

    Raises DataNotRead when a url's data cannot be read.
    """
    datasets = spec.get("datasets")
    out: list[Dataset] = []
    seen: set[str] = set()
    for data in iter_data(spec):
        if "url" in data:
            path = (
                files.locate(data["url"])
                if isinstance(data["url"], str) and not is_remote(data["url"])
                else None
            )
            key = f"url:{path or data['url']}"
            label = str(data["url"])
        elif "values" in data:
            key = "values:" + json.dumps(data["values"], sort_keys=True)
            label = ""  # inline values have no name
        elif (
            isinstance(data.get("name"), str)
            and isinstance(datasets, dict)
            and data["name"] in datasets
        ):
            key = f"name:{data['name']}"
            label = data["name"]
        else:
            continue
        if key in seen:
            continue
        seen.add(key)
        found = resolve(data, datasets=datasets, files=files)
        if found.reason is not None:
            raise DataNotRead(found.reason, file=source, hint=found.hint)
        out.append(_dataset(label, found.rows or [], found.file))
    return out


def _dataset(label: str, rows: list[dict[str, Any]], source_file: Path | None) -> Dataset:
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, None)
    return Dataset(label=label, columns=list(columns), rows=rows, source_file=source_file)


@dataclass(frozen=True)
class DataTable:
    """A dataset as a page shows it: cells as text, at most MAX_TABLE_ROWS rows."""

    label: str
    columns: list[str]
    rows: list[list[str]]
    total: int
    numeric: str = ""  # 1-based indices of the number columns, space-separated
    truncated: bool = field(default=False)


def data_table(ds: Dataset, *, max_rows: int = MAX_TABLE_ROWS) -> DataTable:
    """Return the table a page or report shows of one dataset."""
    numeric = [
        str(i)
        for i, c in enumerate(ds.columns, start=1)
        if all(isinstance(r.get(c), int | float | Decimal) or r.get(c) is None for r in ds.rows)
    ]
    return DataTable(
        label=ds.label,
        columns=ds.columns,
        rows=[[cell_text(r.get(c)) for c in ds.columns] for r in ds.rows[:max_rows]],
        total=len(ds.rows),
        numeric=" ".join(numeric),
        truncated=len(ds.rows) > max_rows,
    )


def dataset_to_csv(ds: Dataset) -> str:
    """Return a dataset as CSV text, every row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ds.columns)
    for row in ds.rows:
        writer.writerow([cell_text(row.get(c)) for c in ds.columns])
    return buf.getvalue()


def cell_text(value: Any) -> str:
    """Format one value for a data table or CSV download."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)
