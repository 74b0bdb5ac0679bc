"""Validate Vega-Lite specs against the pinned schema, with readable errors, and lint them."""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from chartspec.spec import SCHEMA_FILE, format_path, json_kind, load_spec_file, split_field
from chartspec.spec_data import DataFiles, LocalFiles, data_format, resolve

ALLOWED_SCHEMES = ("http", "https", "mailto")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where, what, and which rule found it."""

    path: str
    message: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


# --------------------------------------------------------------------------- schema


@functools.cache
def schema_validator() -> jsonschema.Draft7Validator:
    """Return the compiled validator for the pinned Vega-Lite schema (built once per process)."""
    text = resources.files("chartspec").joinpath("schema", SCHEMA_FILE).read_text("utf-8")
    return jsonschema.Draft7Validator(json.loads(text))


def validate_spec(spec: dict[str, Any]) -> list[Problem]:
    """Check `spec` against the Vega-Lite schema; return one readable problem per location."""
    validator = schema_validator()
    if validator.is_valid(spec):
        return []
    return _explain(validator.iter_errors(spec))


_KIND_VALIDATORS = frozenset({"type", "const", "enum"})
_UNION_VALIDATORS = frozenset({"anyOf", "oneOf"})
_Loc = tuple[str | int, ...]


def _explain(errors: Iterable[ValidationError]) -> list[Problem]:
    """Turn jsonschema's error tree into one problem per JSON location."""
    groups: dict[_Loc, list[ValidationError]] = {}
    for err in _leaves(list(errors)):
        groups.setdefault(tuple(err.absolute_path), []).append(err)
    problems: list[Problem] = []
    for loc, errs in groups.items():
        problems.extend(_messages_at(loc, errs))
    return list(dict.fromkeys(problems))


def _branches(err: ValidationError) -> list[list[ValidationError]]:
    """Split the errors of an anyOf/oneOf by the alternative they came from."""
    by_index: dict[Any, list[ValidationError]] = {}
    for sub in err.context or []:
        by_index.setdefault(sub.relative_schema_path[0], []).append(sub)
    return list(by_index.values())


def _score(errors: list[ValidationError], loc: _Loc) -> tuple[int, int, int]:
    """Rank how badly one alternative fits: (wrong kind, shape problems here, deeper problems)."""
    kind = shape = deep = 0
    # A misspelt required property is one problem, not an unknown one plus a missing one.
    strangers = [
        name for e in errors if e.validator == "additionalProperties" for name in _unexpected(e)
    ]
    for err in errors:
        if tuple(err.absolute_path) == loc and err.validator == "required":
            missing = [p for p in err.validator_value if p not in (err.instance or {})]
            shape += sum(1 for p in missing if not difflib.get_close_matches(p, strangers, n=1))
        elif tuple(err.absolute_path) != loc:
            deep += 1
        elif err.validator in _UNION_VALIDATORS and err.context:
            sub = min(_score(b, loc) for b in _branches(err))
            kind, shape, deep = max(kind, sub[0]), shape + sub[1], deep + sub[2]
        elif err.validator in _KIND_VALIDATORS:
            kind = 1
        elif err.validator == "additionalProperties":
            shape += len(_unexpected(err))
        else:
            shape += 1
    return kind, shape, deep


def _leaves(errors: list[ValidationError]) -> list[ValidationError]:
    """Follow each anyOf/oneOf into the alternatives that fit the value best."""
    out: list[ValidationError] = []
    for err in errors:
        if err.validator not in _UNION_VALIDATORS or not err.context:
            out.append(err)
            continue
        loc = tuple(err.absolute_path)
        branches = _branches(err)
        scores = [_score(b, loc) for b in branches]
        best = min(scores)
        for branch, score in zip(branches, scores, strict=True):
            # When no alternative accepts the kind of value, all of them are the expectation.
            if best[0] == 1 or score == best:
                out.extend(_leaves(branch))
    return out


def _unexpected(err: ValidationError) -> list[str]:
    if not isinstance(err.instance, dict) or not isinstance(err.schema, dict):
        return []
    known = err.schema.get("properties", {})
    patterns = list(err.schema.get("patternProperties", {}))
    return [
        k for k in err.instance if k not in known and not any(re.search(p, k) for p in patterns)
    ]


def _messages_at(loc: _Loc, errs: list[ValidationError]) -> list[Problem]:
    """Write the problems for all leaf errors at one location."""
    path = format_path(loc)
    value = errs[0].instance
    others = [e for e in errs if e.validator not in _KIND_VALIDATORS]
    if not others:
        return [Problem(path, _kind_message(value, errs), "schema")]

    problems: list[Problem] = []
    suggested: set[str] = set()
    extra = [e for e in others if e.validator == "additionalProperties"]
    if extra:
        # Several alternatives complain; the one with the fewest strangers fits best.
        best = min(extra, key=lambda e: len(_unexpected(e)))
        candidates = sorted(best.schema.get("properties", {}))
        for name in _unexpected(best):
            match = difflib.get_close_matches(name, candidates, n=1)
            message = "unknown property"
            if match:
                message += f"; did you mean {match[0]!r}?"
                suggested.add(match[0])
            problems.append(Problem(format_path((*loc, name)), message, "schema"))

    required = [e for e in others if e.validator == "required"]
    if required:
        alternatives: dict[tuple[str, ...], None] = {}
        for err in required:
            missing = tuple(
                p for p in err.validator_value if isinstance(value, dict) and p not in value
            )
            if missing and not set(missing) <= suggested:
                alternatives[missing] = None
        if len(alternatives) == 1:
            (missing,) = alternatives
            noun = "property" if len(missing) == 1 else "properties"
            problems.append(
                Problem(path, f"missing required {noun} {_quote_all(missing)}", "schema")
            )
        elif alternatives:
            options = [" and ".join(repr(p) for p in alt) for alt in alternatives]
            problems.append(
                Problem(path, f"missing a required property; expected {_or(options)}", "schema")
            )

    rest = [e for e in others if e.validator not in ("additionalProperties", "required")]
    for message in dict.fromkeys(_leaf_message(e) for e in rest):
        problems.append(Problem(path, message, "schema"))
    return problems


_TYPE_NAMES = {
    "number": "a number",
    "integer": "an integer",
    "string": "a string",
    "boolean": "a boolean",
    "null": "null",
    "object": "an object",
    "array": "an array",
}
_MARK_WORDS = frozenset({"point", "bar", "line", "area"})


def _kind_message(value: Any, errs: list[ValidationError]) -> str:
    """Say what kinds of value would have been accepted where `value` was not."""
    types: list[str] = []
    consts: list[Any] = []
    # Enumerations first: they hold the words people mean (mark names before "boxplot").
    for err in sorted(errs, key=lambda e: e.validator != "enum"):
        if err.validator == "type":
            vv = err.validator_value
            types.extend([vv] if isinstance(vv, str) else vv)
        elif err.validator == "const":
            consts.append(err.validator_value)
        else:
            consts.extend(err.validator_value)
    types = list(dict.fromkeys(types))
    consts = list({json.dumps(c, sort_keys=True): c for c in consts}.values())
    kind = json_kind(value)
    kinds = {"number" if t == "integer" else t for t in types} | {json_kind(c) for c in consts}
    if kind in kinds and kind not in ("object", "array") and "object" in types:
        # Objects here are expression or parameter references: not what someone who typed
        # a plain value of an accepted kind meant.
        types.remove("object")
    # An enum is more specific than the type that comes with it.
    types = [t for t in types if not any(json_kind(c) == t for c in consts)]
    words = [c for c in consts if isinstance(c, str)]
    match = difflib.get_close_matches(value, words, n=1) if isinstance(value, str) and words else []
    hint = f"; did you mean {match[0]!r}?" if match else ""

    if not types and consts:
        if isinstance(value, str):
            if set(words) >= _MARK_WORDS:
                what = f"{value!r} is not a mark type"
                return what + hint if hint else f"{what}; expected one of {_quote_all(consts)}"
            return f"{value!r} is not valid; expected one of {_quote_all(consts)}{hint}"
        return f"expected one of {_quote_all(consts)}, found {_describe(value)}"
    expected = [_TYPE_NAMES.get(t, t) for t in types]
    if len(consts) > 2:
        expected.append(f"one of {_quote_all(consts)}")
    else:
        expected.extend(json.dumps(c) for c in consts)
    return f"expected {_or(expected)}, found {_describe(value)}{hint}"


def _leaf_message(err: ValidationError) -> str:
    """Phrase a single non-union jsonschema error."""
    v, value = err.validator_value, err.instance
    bounds = {
        "minimum": ">=",
        "maximum": "<=",
        "exclusiveMinimum": ">",
        "exclusiveMaximum": "<",
    }
    if err.validator in bounds:
        return f"expected a number {bounds[str(err.validator)]} {v}, found {_describe(value)}"
    if err.validator in ("minItems", "maxItems") and isinstance(value, list):
        side = "at least" if err.validator == "minItems" else "at most"
        return f"expected {side} {v} items, found {len(value)}"
    if err.validator in ("minLength", "maxLength") and isinstance(value, str):
        side = "at least" if err.validator == "minLength" else "at most"
        return f"expected {side} {v} characters, found {len(value)}"
    if err.validator == "pattern":
        return f"{value!r} does not match the pattern {v}"
    if err.validator == "uniqueItems":
        return "expected unique items, found repeated ones"
    if err.validator == "oneOf":
        return "matches more than one of the allowed forms; expected exactly one"
    message = err.message
    return message if len(message) <= 200 else message[:197] + "..."


def _describe(value: Any) -> str:
    """Describe a JSON value as 'a string 'x'', 'a number 5', 'an object', ..."""
    kind = json_kind(value)
    if kind in ("object", "array"):
        return _TYPE_NAMES[kind]
    if kind == "null":
        return "null"
    shown = repr(value) if isinstance(value, str) else json.dumps(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{_TYPE_NAMES[kind]} {shown}"


def _quote_all(values: Iterable[Any], *, limit: int = 8) -> str:
    items = [_q(v) if isinstance(v, str) else json.dumps(v) for v in values]
    if len(items) > limit:
        items = [*items[:limit], "..."]
    return ", ".join(items)


def _or(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


# --------------------------------------------------------------------------- lint


def check_spec(spec: dict[str, Any], *, base_dir: Path | None = None) -> list[Problem]:
    """Validate `spec` against the schema, then, if it is valid, lint it."""
    problems = validate_spec(spec)
    if problems:
        return problems
    return lint_spec(spec, base_dir=base_dir)


def lint_spec(spec: dict[str, Any], *, base_dir: Path | None = None) -> list[Problem]:
    """Find problems the schema cannot see: missing fields, non-numbers, unsafe links, ..."""
    if not isinstance(spec, dict):
        return []
    linter = _Linter(spec, LocalFiles(base_dir) if base_dir is not None else DataFiles())
    problems = [*_lint_title(spec), *_lint_description(spec)]
    problems.extend(linter.run())
    problems.extend(_lint_usermeta(spec.get("usermeta"), ("usermeta",)))
    return list(dict.fromkeys(problems))


def _lint_title(spec: dict[str, Any]) -> list[Problem]:
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    if isinstance(text, list):
        text = "".join(t for t in text if isinstance(t, str))
    if isinstance(text, str) and text.strip():
        return []
    found = "missing" if title is None else "empty"
    return [Problem("title", f'{found}; expected a string or an object with "text"', "title")]


def _lint_description(spec: dict[str, Any]) -> list[Problem]:
    text = spec.get("description")
    if isinstance(text, str) and text.strip():
        return []
    found = "missing" if text is None else "empty"
    return [
        Problem(
            "description",
            f"{found}; expected a sentence saying what the chart shows",
            "description",
        )
    ]


_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_IGNORED_IN_LINKS = re.compile(r"[\x00-\x20\x7f]")
_LINK_KEY = re.compile(r"(href|url|uri|link|links)$", re.IGNORECASE)


def link_scheme(link: str) -> str | None:
    """Return the scheme a browser would see in `link` (lower case), or None when relative."""
    # Browsers drop whitespace and control characters, so "java\tscript:" is javascript:.
    match = _SCHEME.match(_IGNORED_IN_LINKS.sub("", link).lower())
    return match.group(1) if match else None


def _bad_scheme(link: Any) -> str | None:
    if not isinstance(link, str):
        return None
    scheme = link_scheme(link)
    return scheme if scheme is not None and scheme not in ALLOWED_SCHEMES else None


_LINK_EXPECTED = "expected http, https, mailto or a relative link"


def _lint_usermeta(meta: Any, loc: _Loc, *, is_link: bool = False) -> Iterator[Problem]:
    if isinstance(meta, dict):
        for key, value in meta.items():
            yield from _lint_usermeta(value, (*loc, key), is_link=bool(_LINK_KEY.search(str(key))))
    elif isinstance(meta, list):
        for i, value in enumerate(meta):
            yield from _lint_usermeta(value, (*loc, i), is_link=is_link)
    elif is_link and (scheme := _bad_scheme(meta)):
        yield Problem(
            format_path(loc), f"link with scheme '{scheme}:'; {_LINK_EXPECTED}", "href-scheme"
        )


_MISSING = object()


@dataclass(frozen=True)
class _Data:
    """What is known about the rows flowing into a view."""

    rows: list[dict[str, Any]] | None  # None: unknown, so data rules stay silent
    derived: frozenset[str] = frozenset()  # top-level names made by transforms
    exact: bool = True  # False once a transform may have dropped or replaced rows

    def plus(self, names: Iterable[Any], *, exact: bool | None = None) -> _Data:
        tops = {_top(n) for n in names if isinstance(n, str)}
        return _Data(self.rows, self.derived | tops, self.exact if exact is None else exact)

    @functools.cached_property
    def keys(self) -> frozenset[str]:
        # csv.DictReader files surplus cells under the key None.
        return frozenset(k for row in self.rows or [] for k in row if isinstance(k, str))


_UNKNOWN = _Data(None)


def _top(name: str) -> str:
    parts = split_field(name)
    return parts[0] if parts else name


def _get(row: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(row, dict) and part in row:
            row = row[part]
        elif isinstance(row, list) and part.isdigit() and int(part) < len(row):
            row = row[int(part)]
        else:
            return _MISSING
    return row


class _Linter:
    """Walk the views of one spec, tracking the data each view sees."""

    def __init__(self, spec: dict[str, Any], files: DataFiles) -> None:
        self.spec = spec
        self.files = files
        self.read: dict[str, list[dict[str, Any]] | None] = {}  # url data, read once
        self.problems: list[Problem] = []

    def run(self) -> list[Problem]:
        self.view(self.spec, (), _UNKNOWN, {}, {})
        return self.problems

    # ---- data

    def data(self, data: Any) -> _Data:
        if not isinstance(data, dict):
            return _UNKNOWN
        if "url" in data:
            key = json.dumps(data, sort_keys=True, default=str)
            if key not in self.read:
                self.read[key] = resolve(data, files=self.files).rows
            rows = self.read[key]
        else:
            rows = resolve(data, datasets=self.spec.get("datasets")).rows
        # Fields given an explicit parse (e.g. "date") hold values the linter cannot predict.
        parse = data_format(data).get("parse")
        return _Data(rows, frozenset(parse) if isinstance(parse, dict) else frozenset())

    def transforms(self, ctx: _Data, transforms: Any) -> _Data:
        if not isinstance(transforms, list):
            return ctx
        for t in transforms:
            ctx = self.transform(ctx, t) if isinstance(t, dict) else _UNKNOWN
        return ctx

    def transform(self, ctx: _Data, t: dict[str, Any]) -> _Data:
        """Return what is known after one transform (additions only; removals are ignored)."""

        def as_list(value: Any, default: list[Any]) -> list[Any]:
            if isinstance(value, str):
                return [value]
            return value if isinstance(value, list) else default

        def defs_as(key: str) -> list[Any]:
            defs = t.get(key)
            if not isinstance(defs, list):
                return []
            return [d.get("as") for d in defs if isinstance(d, dict)]

        def with_end(value: Any) -> list[Any]:
            return [value, f"{value}_end"] if isinstance(value, str) else as_list(value, [])

        if "calculate" in t:
            return ctx.plus([t.get("as")])
        if "filter" in t or "sample" in t:
            return ctx.plus([], exact=False)
        if "aggregate" in t:
            return ctx.plus(defs_as("aggregate"), exact=False)
        if "joinaggregate" in t:
            return ctx.plus(defs_as("joinaggregate"))
        if "window" in t:
            return ctx.plus(defs_as("window"))
        if "bin" in t:
            return ctx.plus(with_end(t.get("as")))
        if "stack" in t:
            return ctx.plus(with_end(t.get("as")))
        if "timeUnit" in t:
            return ctx.plus([t.get("as")])
        if "fold" in t:
            return ctx.plus(as_list(t.get("as"), ["key", "value"]), exact=False)
        if "flatten" in t:
            return ctx.plus(as_list(t.get("as"), as_list(t.get("flatten"), [])), exact=False)
        if "density" in t:
            return ctx.plus(as_list(t.get("as"), ["value", "density"]), exact=False)
        if "quantile" in t:
            return ctx.plus(as_list(t.get("as"), ["prob", "value"]), exact=False)
        if "regression" in t or "loess" in t:
            method = "regression" if "regression" in t else "loess"
            default = [t.get("on"), t.get(method), "coef", "rSquared"]
            return ctx.plus(as_list(t.get("as"), []) + default, exact=False)
        if "impute" in t:
            return ctx.plus([t.get("impute"), t.get("key")], exact=False)
        if "extent" in t:
            return ctx
        if "lookup" in t:
            return self.lookup(ctx, t)
        if "pivot" in t:
            return self.pivot(ctx, t)
        return _UNKNOWN

    def lookup(self, ctx: _Data, t: dict[str, Any]) -> _Data:
        source = t.get("from")
        if not isinstance(source, dict):
            source = {}
        names = t.get("as", source.get("fields"))
        if isinstance(names, str | list):
            return ctx.plus([names] if isinstance(names, str) else names)
        other = self.data(source.get("data"))
        if other.rows is None:
            return _UNKNOWN
        return ctx.plus(other.keys)

    def pivot(self, ctx: _Data, t: dict[str, Any]) -> _Data:
        name = t.get("pivot")
        if ctx.rows is None or not isinstance(name, str) or _top(name) in ctx.derived:
            return _UNKNOWN
        parts = split_field(name) or [name]
        made = {str(v) for row in ctx.rows if (v := _get(row, parts)) is not _MISSING}
        return ctx.plus(made, exact=False)

    # ---- views

    def view(
        self,
        view: Any,
        loc: _Loc,
        ctx: _Data,
        repeat: dict[str, list[str]],
        inherited: dict[str, tuple[Any, _Loc]],
    ) -> None:
        if not isinstance(view, dict):
            return
        if "data" in view:
            ctx = self.data(view["data"])
        ctx = self.transforms(ctx, view.get("transform"))

        encoding = dict(inherited)
        if isinstance(view.get("encoding"), dict):
            for channel, cdef in view["encoding"].items():
                encoding[channel] = (cdef, (*loc, "encoding", channel))

        if "repeat" in view:
            repeat = {**repeat, **self.repeat_values(view["repeat"])}
        if isinstance(view.get("facet"), dict):
            facet = view["facet"]
            if "field" in facet:
                self.field_def(facet, (*loc, "facet"), "facet", ctx, repeat)
            else:
                for channel, cdef in facet.items():
                    self.field_def(cdef, (*loc, "facet", channel), channel, ctx, repeat)

        keys = ("layer", "concat", "hconcat", "vconcat")
        nested = [(k, view[k]) for k in keys if isinstance(view.get(k), list)]
        if "spec" in view:
            self.view(view["spec"], (*loc, "spec"), ctx, repeat, encoding)
        elif nested:
            for key, items in nested:
                for i, child in enumerate(items):
                    passed = encoding if key == "layer" else {}
                    self.view(child, (*loc, key, i), ctx, repeat, passed)
        else:
            for channel, (cdef, cloc) in encoding.items():
                defs = cdef if isinstance(cdef, list) else [cdef]
                for i, d in enumerate(defs):
                    at = (*cloc, i) if isinstance(cdef, list) else cloc
                    self.field_def(d, at, channel, ctx, repeat)
        mark = view.get("mark")
        if isinstance(mark, dict) and (scheme := _bad_scheme(mark.get("href"))):
            self.add(
                (*loc, "mark", "href"),
                f"link with scheme '{scheme}:'; {_LINK_EXPECTED}",
                "href-scheme",
            )

    @staticmethod
    def repeat_values(repeat: Any) -> dict[str, list[str]]:
        if isinstance(repeat, list):
            return {"repeat": [r for r in repeat if isinstance(r, str)]}
        if isinstance(repeat, dict):
            return {
                k: [r for r in v if isinstance(r, str)]
                for k, v in repeat.items()
                if isinstance(v, list)
            }
        return {}

    # ---- field definitions

    def add(self, loc: _Loc, message: str, rule: str) -> None:
        self.problems.append(Problem(format_path(loc), message, rule))

    def field_def(
        self, fdef: Any, loc: _Loc, channel: str, ctx: _Data, repeat: dict[str, list[str]]
    ) -> None:
        if not isinstance(fdef, dict):
            return
        if "field" in fdef:
            for name, origin in self.field_names(fdef["field"], repeat):
                if self.field_exists(name, origin, (*loc, "field"), ctx):
                    self.values(fdef, name, loc, channel, ctx)
        aggregate = fdef.get("aggregate")
        if isinstance(aggregate, dict):
            for op, name in aggregate.items():
                if isinstance(name, str):
                    self.field_exists(name, "", (*loc, "aggregate", op), ctx)
        sort = fdef.get("sort")
        if isinstance(sort, dict) and isinstance(sort.get("field"), str):
            self.field_exists(sort["field"], "", (*loc, "sort", "field"), ctx)
        if channel == "href":
            self.href_values(fdef, loc)
        condition = fdef.get("condition")
        for i, cond in enumerate(condition if isinstance(condition, list) else [condition]):
            at = (*loc, "condition", i) if isinstance(condition, list) else (*loc, "condition")
            self.field_def(cond, at, channel, ctx, repeat)

    @staticmethod
    def field_names(ref: Any, repeat: dict[str, list[str]]) -> list[tuple[str, str]]:
        if isinstance(ref, str):
            return [(ref, "")]
        if isinstance(ref, dict) and isinstance(ref.get("repeat"), str):
            kind = ref["repeat"]
            return [(name, f" (from repeat {kind!r})") for name in repeat.get(kind, [])]
        return []

    def field_exists(self, name: str, origin: str, loc: _Loc, ctx: _Data) -> bool:
        """Report `name` when the data is known and lacks it; True when it surely exists."""
        parts = split_field(name)
        if ctx.rows is None or not ctx.rows or not parts or name == "*":
            return False
        if parts[0] in ctx.derived:
            return True
        if len(parts) == 1 and parts[0] in ctx.keys:
            return True
        if len(parts) > 1 and any(_get(row, parts) is not _MISSING for row in ctx.rows):
            return True
        known = sorted({_escape(k) for k in ctx.keys} | ctx.derived)
        match = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {_q(match[0])}?" if match else f"expected one of {_quote_all(known)}"
        self.add(loc, f"no field {_q(name)}{origin} in the data; {hint}", "field-exists")
        return False

    def values(self, fdef: dict[str, Any], name: str, loc: _Loc, channel: str, ctx: _Data) -> None:
        """Check the data values of an existing field against the encoding's type and scale."""
        parts = split_field(name) or [name]
        if not ctx.exact or parts[0] in ctx.derived or ctx.rows is None:
            return
        cells = [
            (i, v) for i, row in enumerate(ctx.rows, 1) if (v := _get(row, parts)) is not _MISSING
        ]
        aggregate = fdef.get("aggregate")
        plain = aggregate is None and not fdef.get("bin") and "timeUnit" not in fdef
        if fdef.get("type") == "quantitative" and (plain or aggregate in _NUMERIC_OPS):
            for row, cell in cells:
                if _number(cell) is None and cell not in (None, "") and not isinstance(cell, bool):
                    self.add(
                        (*loc, "field"),
                        f"quantitative field {_q(name)} holds {_describe(cell)} (row {row}); "
                        "expected numbers",
                        "quantitative-numeric",
                    )
                    break
        scale = fdef.get("scale")
        if isinstance(scale, dict) and scale.get("type") == "log" and plain:
            for row, cell in cells:
                number = _number(cell)
                if number is not None and number <= 0:
                    self.add(
                        (*loc, "scale", "type"),
                        f"log scale on field {_q(name)} which holds {_number_text(cell)} "
                        f"(row {row}); expected values > 0",
                        "log-positive",
                    )
                    break
        if channel == "href":
            for row, cell in cells:
                if scheme := _bad_scheme(cell):
                    self.add(
                        (*loc, "field"),
                        f"field {_q(name)} holds a link with scheme '{scheme}:' (row {row}); "
                        f"{_LINK_EXPECTED}",
                        "href-scheme",
                    )
                    break

    def href_values(self, fdef: dict[str, Any], loc: _Loc) -> None:
        for key in ("value", "datum"):
            if scheme := _bad_scheme(fdef.get(key)):
                self.add(
                    (*loc, key), f"link with scheme '{scheme}:'; {_LINK_EXPECTED}", "href-scheme"
                )


_NUMERIC_OPS = frozenset(
    {"sum", "mean", "average", "median", "q1", "q3", "min", "max", "stdev", "stdevp"}
    | {"variance", "variancep", "ci0", "ci1", "stderr", "product"}
)


def _number(cell: Any) -> float | None:
    """Return `cell` as a finite number the way Vega would coerce it, or None."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell)
    if isinstance(cell, str) and cell.strip():
        try:
            number = float(cell)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _number_text(cell: Any) -> str:
    return cell.strip() if isinstance(cell, str) else json.dumps(cell)


def _q(name: str) -> str:
    """Quote a field name as written in a spec, without doubling backslashes."""
    return f"'{name}'" if "'" not in name else repr(name)


def _escape(key: str) -> str:
    return re.sub(r"([.\[\]\\])", r"\\\1", key)


__all__ = [
    "Problem",
    "check_spec",
    "format_path",
    "lint_spec",
    "link_scheme",
    "load_spec_file",
    "schema_validator",
    "split_field",
    "validate_spec",
]
