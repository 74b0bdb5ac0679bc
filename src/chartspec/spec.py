"""What a spec is: its file name, where specs are found, how a spec file is read, its views.

Every command reads specs through `load_spec_file` / `load_spec_text`, so the same bad file
gives the same one-line error (exit status 2) from `check`, `site`, `export`, `diff` and the
rest: invalid JSON, `NaN` and `Infinity`, numbers JavaScript cannot hold, duplicate keys, text
that is not UTF-8, characters no drawing can hold, and files too large or too deeply nested.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from chartspec.errors import ChartspecError
from chartspec.sandbox import read_regular_file

VEGA_LITE_VERSION = "6.4.1"
"""The Vega-Lite version chartspec writes and validates against (its schema ships inside)."""
SCHEMA_URL = f"https://vega.github.io/schema/vega-lite/v{VEGA_LITE_VERSION}.json"
SCHEMA_FILE = f"vega-lite-v{VEGA_LITE_VERSION}.json"

SPEC_SUFFIX = ".vl.json"
MAX_SPEC_BYTES = 256 * 1024 * 1024
"""Largest spec file read; inline data past it belongs in a data file."""
MAX_DEPTH = 100
"""Deepest nesting of objects and arrays in a spec (the official examples reach 13)."""

Path_ = tuple[str | int, ...]

VIEW_LISTS = ("layer", "concat", "hconcat", "vconcat")
"""Keys whose list items are views; `spec` (inside facet and repeat) holds one view."""


# --------------------------------------------------------------------------- names and finding


def spec_name(path: str | Path) -> str:
    """Return the chart name of a spec file (`specs/memory3.vl.json` -> `memory3`)."""
    name = Path(path).name
    for suffix in (SPEC_SUFFIX, ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def find_specs(folder: Path) -> list[Path]:
    """Return every spec file in `folder` and its subfolders, in a stable order.

    Hidden folders (chartspec's staging and backup folders among them) are skipped.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [
        path
        for path in folder.rglob(f"*{SPEC_SUFFIX}")
        if not any(part.startswith(".") for part in path.relative_to(folder).parts[:-1])
        and path.is_file()
    ]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def find_spec(
    name: str, *, specs_dir: Path, file: str | Path | None = None, row: int | None = None
) -> Path:
    """Return the spec file of chart `name` in `specs_dir`, or raise naming the known charts."""
    specs_dir = Path(specs_dir)
    found = {spec_name(path): path for path in reversed(find_specs(specs_dir))}
    if "/" in name or "\\" in name or name not in found:
        known = sorted(found)
        hint = f"known charts: {', '.join(known)}" if known else f"no specs in {specs_dir}"
        raise ChartspecError(f"unknown chart {name!r}", file=file, row=row, hint=hint)
    return found[name]


# --------------------------------------------------------------------------- loading


def load_spec_file(path: str | Path) -> dict[str, Any]:
    """Read a spec file strictly, or raise ChartspecError naming the file (and line:column)."""
    path = Path(path)
    return load_spec_text(read_regular_file(path, limit=MAX_SPEC_BYTES), source=path)


def load_spec_text(raw: bytes | str, *, source: str | Path) -> dict[str, Any]:
    """Parse spec text strictly; errors name `source` (a file or `revision:path`)."""
    text = _decode(raw, source) if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
    try:
        spec = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        raise ChartspecError(
            f"not valid JSON: {exc.msg}", file=source, row=exc.lineno, column=str(exc.colno)
        ) from None
    except _BadToken as exc:
        line, col = _locate(text, exc.token)
        raise ChartspecError(
            f"not valid JSON: {exc.why}", file=source, row=line, column=str(col), hint=exc.hint
        ) from None
    except _DuplicateKey as exc:
        raise ChartspecError(
            f"not valid JSON: the key {json.dumps(exc.key)} appears twice in one object",
            file=source,
            hint="JSON readers keep only one of them; remove the other",
        ) from None
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise ChartspecError(f"not valid JSON: {exc}", file=source) from None
    if not isinstance(spec, dict):
        raise ChartspecError(
            f"not a Vega-Lite spec: expected a JSON object, found {_a(json_kind(spec))}",
            file=source,
        )
    if _depth_over(spec, MAX_DEPTH):
        raise _too_deep(source)
    check_drawable(spec, file=source, text=text)
    return spec


def _a(kind: str) -> str:
    return kind if kind == "null" else f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _decode(raw: bytes, source: str | Path) -> str:
    encoding = json.detect_encoding(raw)
    if not encoding.startswith("utf-8"):
        name = encoding.upper().replace("-LE", "").replace("-BE", "")
        raise ChartspecError(
            f"the file is {name} text, not UTF-8", file=source, hint="save it as UTF-8"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = raw[: exc.start].decode("utf-8-sig", errors="replace")
        line = text.count("\n") + 1
        col = len(text) - (text.rfind("\n") + 1) + 1
        raise ChartspecError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x})",
            file=source,
            row=line,
            column=str(col),
            hint="save it as UTF-8",
        ) from None


def _too_deep(source: str | Path) -> ChartspecError:
    return ChartspecError(f"the spec is nested more than {MAX_DEPTH} levels deep", file=source)


class _BadToken(ValueError):
    def __init__(self, token: str, why: str, hint: str) -> None:
        super().__init__(token)
        self.token, self.why, self.hint = token, why, hint


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _reject_constant(token: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON and browsers do not.
    raise _BadToken(token, f"{token} is not allowed", "JSON has no NaN or infinity; use null")


def _parse_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _BadToken(
            token, f"the number {token} is too large", "JavaScript reads it as infinity"
        )
    return value


def _parse_int(token: str) -> int:
    value = int(token)
    if abs(value) > 2**53 and (not math.isfinite(float(value)) or int(float(value)) != value):
        raise _BadToken(
            token,
            f"the integer {token} cannot be held exactly",
            "JavaScript rounds it; write it as a string",
        )
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


_STRING_OR_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|(-?Infinity|NaN|-?[0-9][0-9.eE+\-]*)')


def _locate(text: str, token: str) -> tuple[int, int]:
    """Return the 1-based line and column of the first bare `token` outside strings."""
    for match in _STRING_OR_TOKEN.finditer(text):
        if match.group(1) is not None and match.group(1) == token:
            start = match.start(1)
            line = text.count("\n", 0, start) + 1
            return line, start - (text.rfind("\n", 0, start) + 1) + 1
    return 1, 1


def _depth_over(value: Any, limit: int) -> bool:
    # level by level, containers only: a spec's many numbers and strings are never visited
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(limit - 1):
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]
    return any(level)  # a container `limit` deep that holds anything is too deep


def json_kind(value: Any) -> str:
    """Return the JSON Schema type of a parsed JSON value ("number" for integers too)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# Characters XML 1.0 does not allow. vl-convert aborts the whole process (a Rust panic that
# cannot unwind) when one of them reaches an SVG text, so they are refused on reading.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# How JSON text writes those characters: a cheap first look before walking the spec.
_MAY_NOT_XML = re.compile(
    r"\\u(?:00(?:0[0-8bcef]|1[0-9a-f])|fff[ef])|\\[bf]|[\ufffe\uffff]", re.IGNORECASE
)


def check_drawable(spec: Any, *, file: str | Path | None = None, text: str | None = None) -> None:
    """Raise ChartspecError when a string in `spec` holds a character no drawing may contain.

    With `text`, the JSON the spec was read from, specs without such escapes are not walked.
    """
    if text is not None and not _MAY_NOT_XML.search(text):
        return
    stack: list[tuple[Any, Path_]] = [(spec, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                stack += [(key, (*loc, str(key))), (item, (*loc, str(key)))]
        elif isinstance(value, list):
            stack += [(item, (*loc, i)) for i, item in enumerate(value)]
        elif isinstance(value, str) and (match := _NOT_XML.search(value)):
            raise ChartspecError(
                f"{format_path(loc) or '(root)'} holds the control character "
                f"U+{ord(match[0]):04X}, which cannot be drawn",
                file=file,
                hint="remove it from the data or the chart",
            )


_PLAIN_KEY = re.compile(r"^[A-Za-z_$][\w$-]*$")


def format_path(loc: Iterable[str | int]) -> str:
    """Write a JSON location as `layer[0].mark.type` (empty for the root)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


# --------------------------------------------------------------------------- fields


def split_field(name: str) -> list[str] | None:
    """Split a Vega field name into access steps (`a.b`, `a\\.b`, `a["b"]`, `a[0]`)."""
    parts: list[str] = []
    buf = ""
    i, n = 0, len(name)
    while i < n:
        c = name[i]
        if c == "\\":
            buf += name[i + 1 : i + 2]
            i += 2
        elif c == ".":
            parts.append(buf)
            buf = ""
            i += 1
        elif c == "[":
            if buf:
                parts.append(buf)
            buf = ""
            end = name.find("]", i)
            if end < 0:
                return None
            inner = name[i + 1 : end]
            if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                inner = inner[1:-1]
            parts.append(inner)
            i = end + 1
            if name[i : i + 1] == ".":
                i += 1
        else:
            buf += c
            i += 1
    if buf or not parts:
        parts.append(buf)
    return parts


# --------------------------------------------------------------------------- views


def child_views(view: dict[str, Any]) -> Iterator[tuple[Path_, dict[str, Any]]]:
    """Yield the views directly inside `view` (layer, concat, hconcat, vconcat, spec) with keys."""
    inner = view.get("spec")
    if isinstance(inner, dict):
        yield ("spec",), inner
    for key in VIEW_LISTS:
        items = view.get(key)
        if isinstance(items, list):
            for i, child in enumerate(items):
                if isinstance(child, dict):
                    yield (key, i), child


def mark_type(view: dict[str, Any]) -> str | None:
    """Return the type of a view's mark (`"point"` for `"point"` or `{"type": "point"}`)."""
    mark = view.get("mark")
    kind = mark.get("type") if isinstance(mark, dict) else mark
    return kind if isinstance(kind, str) else None


def iter_views(spec: dict[str, Any]) -> Iterator[tuple[Path_, dict[str, Any]]]:
    """Yield every view of a spec, the spec itself first, each with its location, depth first."""
    stack: list[tuple[Path_, dict[str, Any]]] = [((), spec)]
    while stack:
        loc, view = stack.pop()
        yield loc, view
        children = [((*loc, *key), child) for key, child in child_views(view)]
        stack.extend(reversed(children))


def chartspec_meta(spec: dict[str, Any]) -> dict[str, Any]:
    """Return a spec's `usermeta.chartspec`, or {} when it is absent or not an object."""
    usermeta = spec.get("usermeta")
    meta = usermeta.get("chartspec") if isinstance(usermeta, dict) else None
    return meta if isinstance(meta, dict) else {}


def named_project_files(spec: dict[str, Any]) -> list[str]:
    """Return the project files a built spec names in `usermeta.chartspec`: the tables it was
    built from (`inputs`) and the chart module that drew it (`code`)."""
    meta = chartspec_meta(spec)
    inputs = meta.get("inputs")
    code = meta.get("code")
    return [
        i["path"]
        for i in (inputs if isinstance(inputs, list) else [])
        if isinstance(i, dict) and isinstance(i.get("path"), str)
    ] + ([code] if isinstance(code, str) else [])
