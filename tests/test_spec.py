"""The spec model: names, finding specs, the one strict loader, and walking views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chartspec.errors import ChartspecError
from chartspec.spec import (
    MAX_DEPTH,
    SCHEMA_URL,
    VEGA_LITE_VERSION,
    check_drawable,
    find_spec,
    find_specs,
    iter_views,
    load_spec_file,
    load_spec_text,
    spec_name,
)
from conftest import run_cli

POINT = {"mark": "point", "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a"}}}


# --------------------------------------------------------------------------- names and finding


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("specs/memory3.vl.json", "memory3"),
        ("memory3.vl.json", "memory3"),
        ("old.json", "old"),
        ("notes.txt", "notes"),
        (Path("a/b/c.vl.json"), "c"),
    ],
)
def test_spec_name(path: str | Path, name: str) -> None:
    assert spec_name(path) == name


def test_find_specs_is_recursive_sorted_and_skips_hidden_folders(tmp_path: Path) -> None:
    for rel in ["b.vl.json", "a/z.vl.json", "a.vl.json", ".specs.old-1/x.vl.json", "c.json"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    found = [p.relative_to(tmp_path).as_posix() for p in find_specs(tmp_path)]
    assert found == ["a.vl.json", "a/z.vl.json", "b.vl.json"]
    assert find_specs(tmp_path / "absent") == []


def test_find_spec_by_name_and_unknown_names(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.vl.json").write_text("{}")
    (tmp_path / "top.vl.json").write_text("{}")
    assert find_spec("deep", specs_dir=tmp_path) == tmp_path / "sub" / "deep.vl.json"
    with pytest.raises(ChartspecError, match="unknown chart 'nope'; known charts: deep, top"):
        find_spec("nope", specs_dir=tmp_path)
    with pytest.raises(ChartspecError, match="unknown chart 'sub/deep'"):
        find_spec("sub/deep", specs_dir=tmp_path)


def test_the_version_is_named_once() -> None:
    from chartspec import specs, validate

    assert SCHEMA_URL.endswith(f"/v{VEGA_LITE_VERSION}.json")
    assert specs.SCHEMA_URL == SCHEMA_URL
    assert validate.schema_validator().schema["$schema"]  # the shipped file of that version
    minor = VEGA_LITE_VERSION.rsplit(".", 1)[0]
    for module in ("specs.py", "validate.py", "site.py", "export.py", "drawings.py", "report.py"):
        text = (Path(specs.__file__).parent / module).read_text()
        assert f'"{minor}' not in text and f"v{minor}" not in text, module


# --------------------------------------------------------------------------- loading


def test_a_good_spec_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.vl.json"
    path.write_text(json.dumps(POINT), "utf-8")
    assert load_spec_file(path) == POINT
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(POINT).encode())  # a UTF-8 BOM is ignored
    assert load_spec_file(path) == POINT


NESTED = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

BAD_INPUTS = [
    (
        b'{\n  "mark": "point",\n  "width": 10,\n}\n',
        "x.json:4:1: not valid JSON: Expecting property name enclosed in double quotes",
    ),
    (
        b'{"a": [1,\n NaN]}',
        "x.json:2:2: not valid JSON: NaN is not allowed; JSON has no NaN or infinity; use null",
    ),
    (
        b'{"a": "NaN", "b": -Infinity}',
        "x.json:1:19: not valid JSON: -Infinity is not allowed; JSON has no NaN or infinity; "
        "use null",
    ),
    (
        b'{"a": "Infinity", "b": Infinity}',
        "x.json:1:24: not valid JSON: Infinity is not allowed; JSON has no NaN or infinity; "
        "use null",
    ),
    (
        b'{"width": 1e400}',
        "x.json:1:11: not valid JSON: the number 1e400 is too large; "
        "JavaScript reads it as infinity",
    ),
    (
        b'{"a": 2,\n "b": 123456789012345678901234567890}',
        "x.json:2:7: not valid JSON: the integer 123456789012345678901234567890 cannot be held "
        "exactly; JavaScript rounds it; write it as a string",
    ),
    (
        b'{"mark": "point", "mark": "bar"}',
        'x.json: not valid JSON: the key "mark" appears twice in one object; '
        "JSON readers keep only one of them; remove the other",
    ),
    (b"[1, 2]", "x.json: not a Vega-Lite spec: expected a JSON object, found an array"),
    (b'"point"', "x.json: not a Vega-Lite spec: expected a JSON object, found a string"),
    (
        b'{"title": "caf\xe9"}',
        "x.json:1:15: not UTF-8 text (byte 0xe9); save it as UTF-8",
    ),
    (
        json.dumps(POINT).encode("utf-16-le"),
        "x.json: the file is UTF-16 text, not UTF-8; save it as UTF-8",
    ),
    (
        json.dumps(POINT).encode("utf-16"),  # with its byte order mark
        "x.json: the file is UTF-16 text, not UTF-8; save it as UTF-8",
    ),
    (NESTED, f"x.json: the spec is nested more than {MAX_DEPTH} levels deep"),
    (
        b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
        f"x.json: the spec is nested more than {MAX_DEPTH} levels deep",
    ),
    (
        b'{"title": "bell\\u0007"}',
        "x.json: title holds the control character U+0007, which cannot be drawn; "
        "remove it from the data or the chart",
    ),
    (b'{"title": "tab\tin"}', "x.json:1:15: not valid JSON: Invalid control character at"),
    (b"", "x.json:1:1: not valid JSON: Expecting value"),
]


@pytest.mark.parametrize(("content", "message"), BAD_INPUTS, ids=[m[:40] for _, m in BAD_INPUTS])
def test_every_bad_input_is_one_line_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("x.json").write_bytes(content)
    with pytest.raises(ChartspecError) as caught:
        load_spec_file("x.json")
    assert str(caught.value) == message
    assert caught.value.file == "x.json"
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("nested", "too_deep"),
    [
        (b'{"a":' * (MAX_DEPTH - 1) + b"1" + b"}" * (MAX_DEPTH - 1), False),
        (b'{"a":' * (MAX_DEPTH - 1) + b"[]" + b"}" * (MAX_DEPTH - 1), False),
        (b'{"a":' * (MAX_DEPTH - 1) + b'["x"]' + b"}" * (MAX_DEPTH - 1), True),
        (b'{"a":' * MAX_DEPTH + b"1" + b"}" * MAX_DEPTH, True),
        (b'{"a": [1, {"b": ' + b"[" * (MAX_DEPTH - 2) + b"]" * (MAX_DEPTH - 2) + b"}]}", True),
    ],
    ids=["leaf-at-limit", "empty-array-at-limit", "value-past-limit", "object-past-limit", "mixed"],
)
def test_nesting_counts_every_level_to_the_deepest_value(nested: bytes, too_deep: bool) -> None:
    if too_deep:
        with pytest.raises(ChartspecError, match="nested more than"):
            load_spec_text(nested, source="x")
    else:
        assert isinstance(load_spec_text(nested, source="x"), dict)


def test_spec_text_errors_name_their_source() -> None:
    with pytest.raises(ChartspecError) as caught:
        load_spec_text(b'{"a": NaN}', source="HEAD:specs/x.vl.json")
    assert str(caught.value).startswith("HEAD:specs/x.vl.json:1:7: not valid JSON: NaN")


def test_exact_large_integers_and_escaped_text_are_fine() -> None:
    spec = load_spec_text(
        '{"a": 9007199254740993.5, "b": 1152921504606846976, "c": "t\\tn\\n"}', source="x"
    )
    assert spec["b"] == 2**60  # exact as a double
    assert spec["c"] == "t\tn\n"


def test_unreadable_and_oversized_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ChartspecError, match=r"absent.json: file not found"):
        load_spec_file(tmp_path / "absent.json")
    with pytest.raises(ChartspecError, match="a folder stands where a file is expected"):
        load_spec_file(tmp_path)
    import chartspec.spec

    monkeypatch.setattr(chartspec.spec, "MAX_SPEC_BYTES", 10)
    (tmp_path / "big.vl.json").write_text(json.dumps(POINT))
    with pytest.raises(ChartspecError, match="big.vl.json: is larger than the 10 bytes limit"):
        load_spec_file(tmp_path / "big.vl.json")


def test_check_drawable_names_the_place() -> None:
    check_drawable({"data": {"values": [{"a": "fine\n"}]}})
    with pytest.raises(ChartspecError, match=r"^data.values\[1\].a holds the control char"):
        check_drawable({"data": {"values": [{"a": "x"}, {"a": "\x0b"}]}})


def test_cheap_look_finds_every_character_that_cannot_be_drawn() -> None:
    from chartspec.spec import _MAY_NOT_XML, _NOT_XML
    from chartspec.specs import spec_to_script_json

    for code in [*range(0x20), 0x7F, 0xFFFE, 0xFFFF]:
        if _NOT_XML.match(chr(code)):
            for text in (spec_to_script_json({"t": f"a{chr(code)}b"}), json.dumps(chr(code))):
                assert _MAY_NOT_XML.search(text), code
    assert not _MAY_NOT_XML.search(spec_to_script_json({"t": "tab\tnew\nline\r"}))


# --------------------------------------------------------------------------- views


def test_iter_views_walks_every_kind_of_view_in_order() -> None:
    spec = {
        "vconcat": [
            {"layer": [{"mark": "bar"}, {"mark": "text"}]},
            {"facet": {"row": {"field": "r"}}, "spec": {"mark": "point"}},
            {"repeat": ["a", "b"], "spec": {"hconcat": [{"mark": "line"}]}},
            {"concat": [{"mark": "area"}, "not a view"]},
        ]
    }
    walked = [(loc, view.get("mark")) for loc, view in iter_views(spec)]
    assert walked == [
        ((), None),
        (("vconcat", 0), None),
        (("vconcat", 0, "layer", 0), "bar"),
        (("vconcat", 0, "layer", 1), "text"),
        (("vconcat", 1), None),
        (("vconcat", 1, "spec"), "point"),
        (("vconcat", 2), None),
        (("vconcat", 2, "spec"), None),
        (("vconcat", 2, "spec", "hconcat", 0), "line"),
        (("vconcat", 3), None),
        (("vconcat", 3, "concat", 0), "area"),
    ]


# --------------------------------------------------------------------------- every command


BAD_SPECS = {
    "nan": (
        b'{"mark": "point",\n "width": NaN}',
        "specs/bad.vl.json:2:11: not valid JSON: NaN is not allowed; "
        "JSON has no NaN or infinity; use null",
    ),
    "duplicate-keys": (
        b'{"mark": "point", "mark": "bar"}',
        'specs/bad.vl.json: not valid JSON: the key "mark" appears twice in one object; '
        "JSON readers keep only one of them; remove the other",
    ),
    "invalid-json": (
        b'{"mark": "point",}',
        "specs/bad.vl.json:1:18: not valid JSON: Expecting property name enclosed in double quotes",
    ),
    "too-deep": (
        NESTED,
        f"specs/bad.vl.json: the spec is nested more than {MAX_DEPTH} levels deep",
    ),
    "too-large-number": (
        b'{"mark": "point", "width": 1e400}',
        "specs/bad.vl.json:1:28: not valid JSON: the number 1e400 is too large; "
        "JavaScript reads it as infinity",
    ),
}

COMMANDS = {
    "check": ("check", "specs/bad.vl.json"),
    "site": ("site", "--specs", "specs", "--out", "site"),
    "export": ("export", "--format", "svg", "--specs", "specs"),
    "diff": ("diff", "specs/bad.vl.json", "specs/bad.vl.json"),
    "textconv": ("diff", "--textconv", "specs/bad.vl.json"),
}


@pytest.mark.parametrize("bad", list(BAD_SPECS))
def test_every_command_gives_the_same_one_line_error(tmp_path: Path, bad: str) -> None:
    content, message = BAD_SPECS[bad]
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "bad.vl.json").write_bytes(content)
    for command, args in COMMANDS.items():
        done = run_cli(*args, cwd=tmp_path)
        stderr = done.stderr.replace(f"{tmp_path}/", "")  # site names files by absolute path
        assert (command, done.returncode, stderr) == (
            command,
            2,
            f"chartspec: error: {message}\n",
        )
        assert not (tmp_path / "site").exists() and not (tmp_path / "exports").exists()
