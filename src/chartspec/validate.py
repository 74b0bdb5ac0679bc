"""Validate Vega-Lite specs against the pinned schema, with readable errors, and lint them."""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

import jsonschema
from jsonschema.exceptions import ValidationError

from chartspec import themes as themes_
from chartspec.errors import ChartspecError
from chartspec.rules import Problem, problem
from chartspec.sandbox import is_remote, read_regular_file
from chartspec.spec import SCHEMA_FILE, format_path, json_kind, load_spec_file, split_field
from chartspec.spec_data import (
    DataFiles,
    DataNotRead,
    LocalFiles,
    data_file,
    topojson_rows,
    values_to_rows,
)
from chartspec.themes import Theme

ALLOWED_SCHEMES = ("http", "https", "mailto")


# --------------------------------------------------------------------------- schema


@functools.cache
def schema_validator() -> jsonschema.Draft7Validator:
    """Return the compiled validator for the pinned Vega-Lite schema (built once per process)."""
    text = resources.files("chartspec").joinpath("schema", SCHEMA_FILE).read_text("utf-8")
    return jsonschema.Draft7Validator(json.loads(text))


def validate_spec(spec: dict[str, Any]) -> list[Problem]:
    """Check `spec` against the Vega-Lite schema; return one readable problem per location."""
    validator = schema_validator()
    if validator.is_valid(_rows_set_aside(spec)):
        return []
    return _explain(validator.iter_errors(spec))


def _rows_set_aside(node: Any, key: str | None = None) -> Any:
    """Return a copy of a spec whose inline tables the schema surely accepts are left empty.

    The schema takes a table's rows if they are all objects, all numbers, all strings or all
    booleans, and only then; trying each row against each of those (an `anyOf`) costs most
    of the time of checking a spec with its data, to the same answer.
    """
    if isinstance(node, list):
        return [_rows_set_aside(item) for item in node]
    if not isinstance(node, dict):
        return node
    if key == "datasets":
        return {name: [] if _plain_rows(rows) else rows for name, rows in node.items()}
    if key == "data" and _plain_rows(node.get("values")):
        return {k: [] if k == "values" else _rows_set_aside(v, k) for k, v in node.items()}
    return {k: _rows_set_aside(v, k) for k, v in node.items()}


def _plain_rows(values: Any) -> bool:
    if not isinstance(values, list):
        return False
    kinds = {float if type(v) is int else type(v) for v in values}
    return len(kinds) <= 1 and kinds <= {dict, float, str, bool}


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
            elif score[0] == 1 and best[1] > 0:
                # The closest alternative is wrong too: keep the other kinds as options.
                out.extend(e for e in branch if e.validator in ("enum", "const"))
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
        return [problem("CS001", path, _kind_message(value, errs))]
    kinds = [e for e in errs if e.validator in _KIND_VALIDATORS]

    problems: list[Problem] = []
    suggested: set[str] = set()
    extra = [e for e in others if e.validator == "additionalProperties"]
    if extra:
        # Several alternatives complain; the one with the fewest strangers fits best.
        best = min(extra, key=lambda e: len(_unexpected(e)))
        candidates = sorted(best.schema.get("properties", {}))
        strangers = _unexpected(best)
        if kinds and not any(difflib.get_close_matches(n, candidates, n=1) for n in strangers):
            return [problem("CS001", path, _no_form_message(strangers, kinds, others))]
        for name in strangers:
            match = difflib.get_close_matches(name, candidates, n=1)
            message = "unknown property"
            if match:
                message += f"; did you mean {match[0]!r}?"
                suggested.add(match[0])
            problems.append(problem("CS001", format_path((*loc, name)), message))

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
                problem("CS001", path, f"missing required {noun} {_quote_all(missing)}")
            )
        elif alternatives:
            options = [" and ".join(repr(p) for p in alt) for alt in alternatives]
            problems.append(
                problem("CS001", path, f"missing a required property; expected {_or(options)}")
            )

    rest = [e for e in others if e.validator not in ("additionalProperties", "required")]
    for message in dict.fromkeys(_leaf_message(e) for e in rest):
        problems.append(problem("CS001", path, message))
    return problems


def _no_form_message(
    strangers: list[str], kinds: list[ValidationError], others: list[ValidationError]
) -> str:
    """Say that an object fits none of the forms accepted here, and list them all.

    Naming only the object forms' required properties would read as "add this one" when
    the value is something the schema does not offer at all.
    """
    consts = [
        c
        for e in kinds
        for c in (e.validator_value if e.validator == "enum" else [e.validator_value])
    ]
    forms = [f"one of {_quote_all(dict.fromkeys(consts))}"] if consts else []
    required = [
        " and ".join(repr(p) for p in e.validator_value)
        for e in others
        if e.validator == "required"
    ]
    if required:
        forms.append(f"an object with {_or(list(dict.fromkeys(required)))}")
    noun = "property" if len(strangers) == 1 else "properties"
    return f"unknown {noun} {_quote_all(strangers)}; expected {_or(forms)}"


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
    message = str(err.message)
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
    linter = _Linter(spec, LocalFiles(base_dir) if base_dir is not None else None)
    problems = [
        *_lint_about(spec, "title", "CS101", 'a string or an object with "text"'),
        *_lint_about(spec, "description", "CS102", "a sentence saying what the chart shows"),
    ]
    problems.extend(linter.run())
    problems.extend(_lint_usermeta(spec.get("usermeta"), ("usermeta",)))
    problems.extend(_lint_contrast(spec))
    return list(dict.fromkeys(problems))


def _lint_contrast(spec: dict[str, Any]) -> Iterator[Problem]:
    """Measure each colour a spec sets, as drawn with its mark's opacity, against the page it
    stands on in each theme the site draws it in (in the dark one, after the site lightened
    what it could), and text against the filled marks of its layer it may stand on."""
    own = themes_.own_background(spec) is not None
    themes: list[tuple[Theme, dict[str, Any]]] = [("light", spec)]
    if not own:  # a chart on its own background looks the same in both
        themes.append(("dark", themes_.in_dark_theme(spec)))
    for theme, drawn in themes:
        page = themes_.background(drawn, theme)
        for use in themes_.colour_uses(drawn):
            needed = themes_.NEEDED[use.role]
            what = "text" if use.role == "text" else "mark"
            colour = f"{what} colour {use.value!r}"
            if use.scheme:
                colour += f" of the scheme {use.scheme!r}"
            if use.opacity < 1:
                colour += f" at opacity {use.opacity:g}"
            ratio = themes_.contrast(use.drawn, page)
            if ratio < needed:
                message = (
                    f"{colour} has {ratio:.2f}:1 against "
                    f"{'its own' if own else f'the {theme}'} background {page}; needs {needed:g}:1"
                )
                if theme == "dark":
                    message += f"; the dark theme cannot lighten it: {_unlightened(use)}"
                elif use.over:
                    message += f" (unless it stands on the layer's {use.over} marks)"
                yield problem("CS401", format_path(use.path), message)
            yield from _lint_text_on_marks(use, colour, page, needed)


def _unlightened(use: themes_.ColourUse) -> str:
    """Say why the dark theme leaves a colour as it is."""
    if use.over:
        return f"it may stand on the layer's {use.over} marks"
    if use.scheme:
        return "it comes from a named scheme; give the scale a range of colours"
    return "too transparent to reach it"


def _lint_text_on_marks(
    use: themes_.ColourUse, colour: str, page: str, needed: float
) -> Iterator[Problem]:
    """Measure text against each colour the filled marks it may stand on are drawn in."""
    for under in use.under:
        mark = themes_.drawn_over(under, page)
        ratio = themes_.contrast(use.drawn, mark)
        if ratio < needed:
            message = (
                f"{colour} has {ratio:.2f}:1 against the layer's {use.over} colour {mark} "
                f"it may stand on; needs {needed:g}:1"
            )
            yield problem("CS401", format_path(use.path), message)


_VIEW_LISTS = ("layer", "concat", "hconcat", "vconcat")


def _children(view: dict[str, Any]) -> Iterator[tuple[_Loc, Any]]:
    """Yield the views nested directly in `view`, with their relative locations."""
    if "spec" in view:
        yield ("spec",), view["spec"]
    for key in _VIEW_LISTS:
        if isinstance(view.get(key), list):
            for i, child in enumerate(view[key]):
                yield (key, i), child


def _views(view: Any) -> Iterator[dict[str, Any]]:
    """Yield `view` and every view nested in it."""
    if isinstance(view, dict):
        yield view
        for _, child in _children(view):
            yield from _views(child)


def _has_text(value: Any) -> bool:
    text = value.get("text") if isinstance(value, dict) else value
    if isinstance(text, list):
        text = "".join(t for t in text if isinstance(t, str))
    return isinstance(text, str) and bool(text.strip())


def _lint_about(spec: dict[str, Any], key: str, code: str, expected: str) -> list[Problem]:
    """Require a title (or description) on the spec or on one of its views."""
    if any(_has_text(view.get(key)) for view in _views(spec)):
        return []
    found = "missing" if spec.get(key) is None else "empty"
    return [problem(code, key, f"{found}; expected {expected}")]


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
_STRING_LITERAL = re.compile(r''''(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"''')
_JOINED = re.compile(r"\s*\+\s*")
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "ux" and len(code) > 1:
        try:
            return chr(int(code[1:].strip("{}"), 16))
        except (ValueError, OverflowError):
            return code
    return {"n": "\n", "t": "\t", "r": "\r"}.get(code, code)


def expression_strings(expr: str) -> list[str]:
    """Return the string literals of a Vega expression, literals joined by `+` as one."""
    out: list[str] = []
    end = -1
    for match in _STRING_LITERAL.finditer(expr):
        text = _ESCAPE.sub(_unescape, match.group()[1:-1])
        if out and _JOINED.fullmatch(expr[end : match.start()] or "x"):
            out[-1] += text
        else:
            out.append(text)
        end = match.end()
    return out


def _lint_usermeta(meta: Any, loc: _Loc, *, is_link: bool = False) -> Iterator[Problem]:
    if isinstance(meta, dict):
        for key, value in meta.items():
            yield from _lint_usermeta(value, (*loc, key), is_link=bool(_LINK_KEY.search(str(key))))
    elif isinstance(meta, list):
        for i, value in enumerate(meta):
            yield from _lint_usermeta(value, (*loc, i), is_link=is_link)
    elif is_link and (scheme := _bad_scheme(meta)):
        yield problem("CS301", format_path(loc), f"link with scheme '{scheme}:'; {_LINK_EXPECTED}")


_MISSING = object()


@dataclass(frozen=True)
class _Data:
    """What is known about the rows flowing into a view."""

    rows: list[dict[str, Any]] | None  # None: unknown, so field rules are skipped
    derived: frozenset[str] = frozenset()  # top-level names made by transforms
    exact: bool = True  # False once a transform may have dropped or replaced rows
    unread: str = ""  # why the rows are unknown
    formulas: Mapping[str, str] = field(default_factory=dict)  # calculate's expressions
    flattened: Mapping[str, str] = field(default_factory=dict)  # flatten's output -> input

    def plus(
        self,
        names: Iterable[Any],
        *,
        exact: bool | None = None,
        formula: str | None = None,
        flattened: Mapping[str, str] | None = None,
    ) -> _Data:
        tops = {_top(n) for n in names if isinstance(n, str)}
        formulas = {**self.formulas, **dict.fromkeys(tops, formula)} if formula else self.formulas
        exact = self.exact if exact is None else exact
        flat = {**self.flattened, **(flattened or {})}
        derived = self.derived | tops
        return replace(self, derived=derived, exact=exact, formulas=formulas, flattened=flat)

    @property
    def keys(self) -> frozenset[str]:
        return _keys_of(self.rows)


_KEYS: dict[int, tuple[Any, frozenset[str]]] = {}


def _keys_of(rows: list[dict[str, Any]] | None) -> frozenset[str]:
    """Return the field names of `rows`, remembered per list (tables are read once)."""
    if rows is None:
        return frozenset()
    if (known := _KEYS.get(id(rows))) is not None and known[0] is rows:
        return known[1]
    if len(_KEYS) > 64:
        _KEYS.clear()
    # csv.DictReader files surplus cells under the key None.
    keys = frozenset(k for row in rows for k in row if isinstance(k, str))
    _KEYS[id(rows)] = rows, keys
    return keys


def _unknown(reason: str) -> _Data:
    return _Data(None, unread=reason)


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


def _rows_from(values: Any, fmt: Any) -> list[dict[str, Any]] | None:
    """Turn inline values (or a file's text) into rows as spec_data reads them, or None."""
    fmt = fmt if isinstance(fmt, dict) else {}
    try:
        if fmt.get("type") == "topojson":
            return topojson_rows(json.loads(values) if isinstance(values, str) else values, fmt)
        return values_to_rows(values, fmt)
    except (ValueError, RecursionError):
        return None


_TYPE_BY_SUFFIX = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".topojson": "topojson"}
_MAX_SEQUENCE = 100_000


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sequence_rows(seq: Any) -> list[dict[str, Any]] | None:
    """Return the rows of a sequence generator (capped: only the field names matter)."""
    if not isinstance(seq, dict):
        return None
    bounds = [seq.get("start"), seq.get("stop"), seq.get("step", 1)]
    if not all(_is_number(v) for v in bounds) or bounds[2] == 0:
        return None
    start, stop, step = bounds
    name = seq.get("as", "data")
    count = max(0, min(_MAX_SEQUENCE, math.ceil((stop - start) / step)))
    return [{name: start + i * step} for i in range(count)]


def _declares_invalid(mark: Any, config: Any) -> bool:
    """Say whether the mark or the config says how invalid values are drawn."""
    kind = mark.get("type") if isinstance(mark, dict) else mark
    if isinstance(mark, dict) and "invalid" in mark:
        return True
    config = config if isinstance(config, dict) else {}
    return any(
        isinstance(config.get(key), dict) and "invalid" in config[key]
        for key in ("mark", kind)
        if isinstance(key, str)
    )


@functools.lru_cache(maxsize=16)
def _read_rows(path: Path, mtime_ns: int, size: int, fmt: str) -> list[dict[str, Any]] | None:
    """Parse a data file (cached by its path, modification time, size and format)."""
    text = read_regular_file(path).decode("utf-8-sig")
    return _rows_from(text, json.loads(fmt))


class _Linter:
    """Walk the views of one spec, tracking the data each view sees."""

    def __init__(self, spec: dict[str, Any], files: DataFiles | None) -> None:
        self.spec = spec
        self.files = files  # None: the spec has no folder to read data from
        datasets = spec.get("datasets")
        self.datasets = datasets if isinstance(datasets, dict) else {}
        self.read: dict[Path, tuple[list[dict[str, Any]] | None, str]] = {}  # read once
        self.problems: list[Problem] = []
        self.unread: dict[str, None] = {}  # reasons field rules were skipped, in order
        self.lenient = False  # the current mark says how to draw invalid values
        self.params = {
            p["name"]: p.get("value", p.get("expr"))
            for view in _views(spec)
            if isinstance(params := view.get("params"), list)
            for p in params
            if isinstance(p, dict) and isinstance(p.get("name"), str)
        }

    def run(self) -> list[Problem]:
        self.view(self.spec, (), _unknown("the spec has no data"), {}, {})
        self.config_links(self.spec.get("config"), ("config",))
        if self.unread:
            reasons = ", ".join(self.unread)
            self.add((), f"data not read: {reasons}; field rules skipped", "CS204")
        return self.problems

    # ---- data

    def data(self, data: Any) -> _Data:
        if not isinstance(data, dict):
            return _unknown("the view's data is null")
        fmt = data.get("format")
        name = data.get("name")
        unread = "inline values of mixed kinds"
        if "values" in data:
            rows = _rows_from(data["values"], fmt)
        elif isinstance(name, str) and name in self.datasets:
            rows = _rows_from(self.datasets[name], fmt)
        elif isinstance(data.get("url"), str):
            rows, unread = self.read_url(data["url"], fmt)
        elif "sequence" in data:
            rows = _sequence_rows(data["sequence"])
        elif "sphere" in data or "graticule" in data:
            rows = [{"type": "Feature", "geometry": {}}]
        else:
            rows, unread = None, f"data named {name!r} is given when drawn"
        # Fields given an explicit parse (e.g. "date") hold values the linter cannot predict.
        parse = fmt.get("parse") if isinstance(fmt, dict) else None
        derived = frozenset(parse) if isinstance(parse, dict) else frozenset()
        return _Data(rows, derived, unread="" if rows is not None else unread)

    def read_url(self, url: str, fmt: Any) -> tuple[list[dict[str, Any]] | None, str]:
        """Return the rows of a data file beside the spec or a pinned copy, or None and why."""
        if self.files is None:
            return None, f"no folder to read {url!r} from"
        try:
            path = data_file(url, self.files)
        except DataNotRead as error:
            if is_remote(url) or url.startswith(("/", "\\")) or "absolute" in error.what:
                return None, f"remote or absolute URL {url!r}"
            return None, error.what
        if path is None:
            return None, f"no folder to read {url!r} from"
        if path in self.read:
            return self.read[path]
        fmt = fmt if isinstance(fmt, dict) else {}
        kind = fmt.get("type") or _TYPE_BY_SUFFIX.get(path.suffix.lower())
        found: tuple[list[dict[str, Any]] | None, str]
        try:
            if kind not in ("csv", "tsv", "dsv", "json", "topojson"):
                found = None, f"unknown format of {url!r}"
            else:
                # Parsed once per process: a folder of specs often shares a few data files.
                stat = path.stat()
                key = json.dumps({**fmt, "type": kind}, sort_keys=True)
                rows = _read_rows(path, stat.st_mtime_ns, stat.st_size, key)
                found = rows, "" if rows is not None else f"cannot parse {url!r} as {kind}"
        except FileNotFoundError:
            found = None, f"file {url!r} not found"
        except ChartspecError as error:
            found = None, f"cannot read {url!r} ({error.what})"
        except (OSError, UnicodeDecodeError) as error:
            found = None, f"cannot read {url!r} ({error.__class__.__name__})"
        self.read[path] = found
        return found

    def transforms(self, ctx: _Data, transforms: Any) -> _Data:
        if not isinstance(transforms, list):
            return ctx
        for t in transforms:
            ctx = self.transform(ctx, t) if isinstance(t, dict) else _unknown("a bad transform")
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
            formula = t["calculate"] if isinstance(t["calculate"], str) else None
            return ctx.plus([t.get("as")], formula=formula)
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
            sources = as_list(t.get("flatten"), [])
            made = as_list(t.get("as"), sources)
            pairs = {m: s for m, s in zip(made, sources, strict=False) if isinstance(m, str)}
            return ctx.plus(made, exact=False, flattened=pairs)
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
        return _unknown(f"an unknown transform {next(iter(t), '')!r}")

    def lookup(self, ctx: _Data, t: dict[str, Any]) -> _Data:
        source = t.get("from")
        if not isinstance(source, dict):
            source = {}
        # A selection lookup stores the selected values under the parameter's name.
        names = t.get("as", source.get("fields", source.get("param")))
        if isinstance(names, str | list):
            return ctx.plus([names] if isinstance(names, str) else names)
        other = self.data(source.get("data"))
        if other.rows is None:
            return _unknown(f"lookup data: {other.unread}")
        return ctx.plus(other.keys)

    def pivot(self, ctx: _Data, t: dict[str, Any]) -> _Data:
        name = t.get("pivot")
        if ctx.rows is None:
            return ctx
        if not isinstance(name, str) or _top(name) in ctx.derived:
            return _unknown("a pivot on a computed field")
        parts = split_field(name) or [name]
        made = {str(v) for row in ctx.rows if (v := _get(row, parts)) is not _MISSING}
        return ctx.plus(made, exact=False)

    def with_inner(self, ctx: _Data, view: Any) -> _Data:
        """Add the fields that transforms inside `view` make (a facet may use them)."""
        if not isinstance(view, dict):
            return ctx
        out = self.transforms(ctx, view.get("transform"))
        for _, child in _children(view):
            inner = self.with_inner(out, child)
            out = inner if inner.rows is None else out.plus(inner.derived)
        return out

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
            facet, outer = view["facet"], self.with_inner(ctx, view.get("spec"))
            if "field" in facet:
                self.field_def(facet, (*loc, "facet"), "facet", outer, repeat)
            else:
                for channel, cdef in facet.items():
                    self.field_def(cdef, (*loc, "facet", channel), channel, outer, repeat)

        children = list(_children(view))
        for rel, child in children:
            passed = encoding if rel[0] in ("layer", "spec") else {}
            self.view(child, (*loc, *rel), ctx, repeat, passed)
        if not children:
            self.lenient = _declares_invalid(view.get("mark"), self.spec.get("config"))
            for channel, (cdef, cloc) in encoding.items():
                defs = cdef if isinstance(cdef, list) else [cdef]
                for i, d in enumerate(defs):
                    at = (*cloc, i) if isinstance(cdef, list) else cloc
                    self.field_def(d, at, channel, ctx, repeat)
        mark = view.get("mark")
        if isinstance(mark, dict) and "href" in mark:
            self.link(mark["href"], (*loc, "mark", "href"))

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

    # ---- links

    def link(self, value: Any, loc: _Loc, *, what: str = "link") -> None:
        """Report a link (a string or an expression) whose scheme is not allowed."""
        if isinstance(value, dict) and isinstance(value.get("expr"), str):
            scheme = self.expression_scheme(value["expr"])
            what = f"expression giving a {what}" if what == "link" else what
        else:
            scheme = _bad_scheme(value)
        if scheme:
            self.add(loc, f"{what} with scheme '{scheme}:'; {_LINK_EXPECTED}", "CS301")

    def expression_scheme(self, expr: str, seen: frozenset[str] = frozenset()) -> str | None:
        """Return a bad scheme an expression's strings, or the parameters it names, give."""
        for text in expression_strings(expr):
            if scheme := _bad_scheme(text):
                return scheme
        for name in set(_IDENTIFIER.findall(expr)) & set(self.params) - seen:
            value = self.params[name]
            if scheme := _bad_scheme(value):
                return scheme
            if isinstance(value, str) and (scheme := self.expression_scheme(value, seen | {name})):
                return scheme
        return None

    def config_links(self, config: Any, loc: _Loc) -> None:
        """Check every `href` a config sets for marks and styles (`config.mark.href`, ...)."""
        if isinstance(config, dict):
            for key, value in config.items():
                if key == "href":
                    self.link(value, (*loc, key))
                else:
                    self.config_links(value, (*loc, key))

    # ---- field definitions

    def add(self, loc: _Loc, message: str, code: str) -> None:
        self.problems.append(problem(code, format_path(loc), message))

    def field_def(
        self, fdef: Any, loc: _Loc, channel: str, ctx: _Data, repeat: dict[str, list[str]]
    ) -> None:
        if not isinstance(fdef, dict):
            return
        if "field" in fdef:
            for name, origin in self.field_names(fdef["field"], repeat):
                if self.field_exists(name, origin, (*loc, "field"), ctx):
                    self.values(fdef, name, loc, channel, ctx)
                formula = ctx.formulas.get(_top(name))
                if channel == "href" and formula:
                    what = f"field {_q(name)} is computed as a link"
                    self.link({"expr": formula}, (*loc, "field"), what=what)
        aggregate = fdef.get("aggregate")
        if isinstance(aggregate, dict):
            for op, name in aggregate.items():
                if isinstance(name, str):
                    self.field_exists(name, "", (*loc, "aggregate", op), ctx)
        sort = fdef.get("sort")
        if isinstance(sort, dict) and isinstance(sort.get("field"), str):
            self.field_exists(sort["field"], "", (*loc, "sort", "field"), ctx)
        if channel == "href":
            for key in ("value", "datum"):
                self.link(fdef.get(key), (*loc, key))
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
        if not parts or name == "*":
            return False
        if ctx.rows is None or not ctx.rows:
            self.unread[ctx.unread or "the data has no rows"] = None
            return False
        if parts[0] in ctx.derived:
            return self.flattened_field_exists(name, parts, loc, ctx)
        if len(parts) == 1 and parts[0] in ctx.keys:
            return True
        if len(parts) > 1 and any(_get(row, parts) is not _MISSING for row in ctx.rows):
            return True
        known = sorted({_escape(k) for k in ctx.keys} | ctx.derived)
        match = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {_q(match[0])}?" if match else f"expected one of {_quote_all(known)}"
        self.add(loc, f"no field {_q(name)}{origin} in the data; {hint}", "CS201")
        return False

    def flattened_field_exists(self, name: str, parts: list[str], loc: _Loc, ctx: _Data) -> bool:
        """Look inside the items a flatten transform makes (`lc.mag` of a flattened `lc`)."""
        source = ctx.flattened.get(parts[0])
        if len(parts) == 1 or source is None or ctx.rows is None:
            return True
        steps = split_field(source) or [source]
        items = [i for row in ctx.rows if isinstance(v := _get(row, steps), list) for i in v]
        if not items or any(_get(item, parts[1:]) is not _MISSING for item in items):
            return True
        keys = {k for item in items if isinstance(item, dict) for k in item}
        known = sorted(f"{_escape(parts[0])}.{_escape(k)}" for k in keys)
        match = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {_q(match[0])}?" if match else f"expected one of {_quote_all(known)}"
        self.add(loc, f"no field {_q(name)} in the flattened items; {hint}", "CS201")
        return False

    def values(self, fdef: dict[str, Any], name: str, loc: _Loc, channel: str, ctx: _Data) -> None:
        """Check the data values of an existing field against the encoding's type and scale."""
        parts = split_field(name) or [name]
        if not ctx.exact or parts[0] in ctx.derived or ctx.rows is None:
            return
        rows = ctx.rows

        def cells() -> Iterator[tuple[int, Any]]:
            return (
                (i, v) for i, row in enumerate(rows, 1) if (v := _get(row, parts)) is not _MISSING
            )

        aggregate = fdef.get("aggregate")
        plain = aggregate is None and not fdef.get("bin") and "timeUnit" not in fdef
        numeric = plain or (isinstance(aggregate, str) and aggregate in _NUMERIC_OPS)
        if fdef.get("type") == "quantitative" and numeric and not self.lenient:
            for row, cell in cells():
                if _number(cell) is None and cell not in (None, "") and not isinstance(cell, bool):
                    self.add(
                        (*loc, "field"),
                        f"quantitative field {_q(name)} holds {_describe(cell)} (row {row}); "
                        "expected numbers",
                        "CS202",
                    )
                    break
        scale = fdef.get("scale")
        if isinstance(scale, dict) and scale.get("type") == "log" and plain:
            for row, cell in cells():
                number = _number(cell)
                if number is not None and number <= 0:
                    self.add(
                        (*loc, "scale", "type"),
                        f"log scale on field {_q(name)} which holds {_number_text(cell)} "
                        f"(row {row}); expected values > 0",
                        "CS203",
                    )
                    break
        if channel == "href":
            for row, cell in cells():
                if scheme := _bad_scheme(cell):
                    self.add(
                        (*loc, "field"),
                        f"field {_q(name)} holds a link with scheme '{scheme}:' (row {row}); "
                        f"{_LINK_EXPECTED}",
                        "CS301",
                    )
                    break


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
