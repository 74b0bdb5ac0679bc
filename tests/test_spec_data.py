"""A spec's data: resolving every form of data, reading rows, inlining, and the data table."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from chartspec.errors import ChartspecError
from chartspec.spec import find_specs, load_spec_file
from chartspec.spec_data import (
    NO_FILES,
    DataNotRead,
    Dataset,
    FilesFrom,
    LocalFiles,
    data_format,
    data_table,
    data_urls,
    dataset_to_csv,
    inline_data,
    iter_data,
    parsed_rows,
    resolve,
    spec_datasets,
    spec_files,
)
from chartspec.validate import check_spec
from conftest import REPO


def corpus_dir() -> Path | None:
    """Return the official Vega-Lite examples beside the project (`../shared/corpus`), if there."""
    roots = [REPO]
    common = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if common:  # a linked worktree: the corpus sits beside the main checkout
        roots.append(Path(common).parent)
    for root in roots:
        folder = root.parent / "shared" / "corpus" / "vega-lite-examples"
        if folder.is_dir():
            return folder
    return None


CORPUS = corpus_dir()
needs_corpus = pytest.mark.skipif(
    CORPUS is None, reason="../shared/corpus is not beside the project"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A project folder with a spec folder holding data files of every kind."""
    specs = tmp_path / "specs"
    (specs / "data").mkdir(parents=True)
    (specs / "data" / "a.csv").write_text("x,y\n1,2\n3,4\n", encoding="utf-8")
    (specs / "data" / "a.tsv").write_text("x\ty\n1\t2\n", encoding="utf-8")
    (specs / "data" / "a.json").write_text('[{"x": 1}, {"x": 2}]', encoding="utf-8")
    (specs / "data" / "nested.json").write_text('{"d": {"rows": [5, 6]}}', encoding="utf-8")
    (specs / "data" / "map.topojson").write_text('{"type": "Topology"}', encoding="utf-8")
    (specs / "data" / "latin1.csv").write_bytes(b"x\ncaf\xe9\n")
    (tmp_path / "secret.csv").write_text("x\n1\n", encoding="utf-8")
    return specs


def rows_of(data: dict[str, Any], folder: Path, datasets: Any = None) -> Any:
    found = resolve(data, datasets=datasets, files=spec_files(folder / "x.vl.json"))
    return found.rows if found.reason is None else ("not read", found.reason)


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        ({"values": [{"a": 1}, {"a": 2}]}, [{"a": 1}, {"a": 2}]),
        ({"values": [1, "b", None]}, [{"data": 1}, {"data": "b"}, {"data": None}]),
        ({"values": "a,b\n1,2", "format": {"type": "csv"}}, [{"a": "1", "b": "2"}]),
        ({"values": "a\tb\n1\t2", "format": {"type": "tsv"}}, [{"a": "1", "b": "2"}]),
        (
            {"values": "a|b\n1|2", "format": {"type": "dsv", "delimiter": "|"}},
            [{"a": "1", "b": "2"}],
        ),
        ({"values": '[{"a": 1}]'}, [{"a": 1}]),
        ({"values": {"f": [{"a": 1}]}, "format": {"property": "f"}}, [{"a": 1}]),
        ({"name": "t"}, [{"n": 1}]),
        ({"name": "unbound"}, None),
        ({"url": "data/a.csv"}, [{"x": "1", "y": "2"}, {"x": "3", "y": "4"}]),
        ({"url": "data/a.tsv"}, [{"x": "1", "y": "2"}]),
        ({"url": "data/a.json"}, [{"x": 1}, {"x": 2}]),
        ({"url": "data/a.json?v=2#top"}, [{"x": 1}, {"x": 2}]),
        (
            {"url": "data/nested.json", "format": {"type": "json", "property": "d.rows"}},
            [{"data": 5}, {"data": 6}],
        ),
        ({"url": "data/a.csv", "format": {"type": "json"}}, ("not read", "cannot parse")),
        ({"url": "data/map.topojson"}, None),
        ({"sequence": {"start": 0, "stop": 3}}, None),
        ({"graticule": True}, None),
        ({"sphere": True}, None),
        (
            {"url": "https://example.org/a.csv"},
            ("not read", "data url 'https://example.org/a.csv' is remote and not pinned"),
        ),
        (
            {"url": "data/absent.csv"},
            ("not read", "data url 'data/absent.csv': file not found"),
        ),
        ({"url": "../secret.csv"}, ("not read", "data url '../secret.csv' points outside")),
        ({"url": "/etc/passwd"}, ("not read", "data url '/etc/passwd' is an absolute path")),
        ({"url": "file:///etc/passwd"}, ("not read", "is remote and is not fetched")),
        ({"url": "data/latin1.csv"}, ("not read", "is not UTF-8 text (byte 0xe9)")),
        ({"url": ""}, ("not read", "data url must be a non-empty string")),
        ({"values": "a|b", "format": {"type": "dsv"}}, ("not read", "one-character delimiter")),
    ],
)
def test_every_form_of_data_resolves_or_says_why(
    folder: Path, data: dict[str, Any], rows: Any
) -> None:
    found = rows_of(data, folder, datasets={"t": [{"n": 1}]})
    if isinstance(rows, tuple):
        assert found[0] == "not read" and rows[1] in found[1]
    else:
        assert found == rows


def test_the_spec_folder_and_the_project_are_the_roots(folder: Path) -> None:
    spec = folder / "x.vl.json"
    files = spec_files(spec, project=folder.parent)
    assert resolve({"url": "../secret.csv"}, files=files).rows == [{"x": "1"}]
    assert resolve({"url": "../../etc/passwd"}, files=files).reason is not None
    assert "no folder to read from" in (resolve({"url": "a.csv"}, files=NO_FILES).reason or "")


def test_data_format_infers_the_type_as_vega_lite_does() -> None:
    assert data_format({"url": "x/y.CSV"}) == {"type": "csv"}
    assert data_format({"url": "y.topojson?x=1"}) == {"type": "topojson"}
    assert data_format({"url": "y.txt"}) == {"type": "json"}
    assert data_format({"url": "y.csv", "format": {"type": "tsv"}}) == {"type": "tsv"}
    assert data_format({"values": "[]"}) == {"type": "json"}


def test_iter_data_finds_views_and_lookups_but_not_config_or_usermeta() -> None:
    spec = {
        "data": {"name": "top"},
        "layer": [{"data": {"url": "a.csv"}}, {"mark": "bar"}],
        "transform": [{"lookup": "k", "from": {"data": {"url": "b.csv"}, "key": "k"}}],
        "config": {"data": {"url": "no.csv"}},
        "usermeta": {"data": {"url": "no.csv"}},
        "datasets": {"top": [{"data": {"url": "no.csv"}}]},
    }
    assert [d.get("name") or d.get("url") for d in iter_data(spec)] == ["top", "a.csv", "b.csv"]
    assert list(data_urls({**spec, "hconcat": [{"data": {"url": "https://x/y.csv"}}]})) == [
        "a.csv",
        "b.csv",
    ]


def test_parsed_rows_apply_number_and_boolean_parse() -> None:
    rows = [{"n": "3", "f": "2.5", "b": "true", "s": "x", "e": ""}]
    fmt = {"parse": {"n": "number", "f": "number", "b": "boolean", "e": "number"}}
    assert parsed_rows(rows, fmt) == [{"n": 3, "f": 2.5, "b": True, "s": "x", "e": None}]
    assert parsed_rows(rows, {}) is rows


# --------------------------------------------------------------------------- inlining


def test_inlining_puts_delimited_rows_and_other_text_inline(folder: Path) -> None:
    spec = {
        "data": {"url": "data/a.csv", "format": {"parse": {"x": "number"}}},
        "layer": [{"data": {"url": "data/map.topojson", "format": {"feature": "f"}}}],
        "transform": [{"lookup": "x", "from": {"data": {"url": "data/a.tsv"}, "key": "x"}}],
    }
    inlined = inline_data(spec, spec_files(folder / "x.vl.json"))
    assert inlined["data"] == {
        "values": [{"x": "1", "y": "2"}, {"x": "3", "y": "4"}],
        "format": {"type": "json", "parse": {"x": "number"}},
    }
    assert inlined["layer"][0]["data"] == {
        "values": '{"type": "Topology"}',
        "format": {"type": "topojson", "feature": "f"},
    }
    assert inlined["transform"][0]["from"]["data"]["values"] == [{"x": "1", "y": "2"}]
    assert spec["data"]["url"] == "data/a.csv"  # the input is left alone
    assert inline_data(inlined, NO_FILES) is inlined  # nothing left to inline


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://example.org/a.csv", "is remote and not pinned; save the file inside"),
        ("data/absent.csv", "data url 'data/absent.csv': file not found"),
        ("../secret.csv", "points outside the project"),
    ],
)
def test_inlining_unreadable_data_names_the_spec_and_the_reason(
    folder: Path, url: str, message: str
) -> None:
    spec_file = folder / "x.vl.json"
    with pytest.raises(DataNotRead, match=message) as caught:
        inline_data({"data": {"url": url}}, spec_files(spec_file), source=spec_file)
    assert isinstance(caught.value, ChartspecError)
    assert caught.value.file == str(spec_file)


def test_a_git_revision_brings_its_own_files() -> None:
    files = FilesFrom({"a.csv": b"x\n1\n"}.get, where="HEAD:specs")
    assert resolve({"url": "a.csv"}, files=files).rows == [{"x": "1"}]
    assert resolve({"url": "b.csv"}, files=files).reason == "data url 'b.csv' is not in HEAD:specs"


# --------------------------------------------------------------------------- tables


def test_spec_datasets_are_distinct_and_in_order(folder: Path) -> None:
    spec = {
        "datasets": {"t": [{"n": 1}]},
        "data": {"url": "data/a.csv"},
        "layer": [{"data": {"url": "./data/a.csv"}}, {"data": {"name": "t"}}, {"mark": "x"}],
        "hconcat": [{"data": {"values": [{"v": True}]}}, {"data": {"values": [{"v": True}]}}],
    }
    found = spec_datasets(spec, spec_files(folder / "x.vl.json"))
    assert [(d.label, d.columns, len(d.rows)) for d in found] == [
        ("data/a.csv", ["x", "y"], 2),
        ("t", ["n"], 1),
        ("", ["v"], 1),
    ]
    assert found[0].source_file == folder / "data" / "a.csv"


def test_one_data_table_for_pages_and_reports() -> None:
    rows = [{"a": i, "b": None if i % 2 else "x", "c": [i] if i % 2 else True} for i in range(1005)]
    table = data_table(Dataset("t", ["a", "b", "c"], rows))
    assert (table.total, len(table.rows), table.truncated, table.numeric) == (1005, 1000, True, "1")
    assert table.rows[0] == ["0", "x", "true"] and table.rows[1] == ["1", "", "[1]"]
    csv_text = dataset_to_csv(Dataset("t", ["a", "b", "c"], rows[:2]))
    assert csv_text == "a,b,c\n0,x,true\n1,,[1]\n"


# --------------------------------------------------------------------------- the official corpus


@needs_corpus
def test_every_data_form_of_the_official_examples() -> None:
    """Every spec loads; all its data resolves, except remote URLs, which say so; it inlines."""
    assert CORPUS is not None
    forms: dict[str, int] = {}
    unread: dict[str, list[str]] = {}
    paths = find_specs(CORPUS)
    assert len(paths) == 816
    read: dict[str, Any] = {}  # the same file in the same format is read once
    for path in paths:
        spec = load_spec_file(path)
        files = spec_files(path)
        resolved = []
        for data in iter_data(spec):
            form = _form(data, spec)
            forms[form] = forms.get(form, 0) + 1
            key = json.dumps(data, sort_keys=True) if "url" in data else None
            if key not in read:
                found = resolve(data, datasets=spec.get("datasets"), files=files)
            found = read.setdefault(key, found) if key else found
            resolved.append(found)
            if found.reason is not None:
                unread.setdefault(path.name, []).append(found.reason)
            elif form.startswith(("values", "url-csv", "url-tsv", "url-json", "name")):
                assert found.rows, (path.name, form)
            else:
                assert found.rows is None, (path.name, form)  # generators and maps: no table
        if path.name in unread:
            with pytest.raises(DataNotRead, match="is remote and not pinned"):
                inline_data(spec, files, source=path)
            continue
        inlined = inline_data(spec, files, source=path)
        for found, after in zip(resolved, iter_data(inlined), strict=True):
            assert "url" not in after, path.name
            if found.file is not None:  # delimited rows, or the text as read
                assert after["values"] in (found.rows, found.text), path.name
    assert set(forms) >= {
        "values-rows",
        "values-text-csv",
        "values-object-with-property",
        "name-dataset",
        "url-csv",
        "url-tsv",
        "url-json",
        "url-topojson",
        "url-remote",
        "generator-sequence",
        "generator-graticule",
        "generator-sphere",
    }
    assert sorted(unread) == [
        "point_constant_legend_domain.vl.json",
        "selection_type_point_zorder.vl.json",
        "stocks-2009-layered-line-point.vl.json",
    ]
    reasons = [reason for found in unread.values() for reason in found]
    assert all(r.endswith("' is remote and not pinned") for r in reasons), reasons


def _form(data: dict[str, Any], spec: dict[str, Any]) -> str:
    if "values" in data:
        values = data["values"]
        if isinstance(values, str):
            return f"values-text-{data_format(data)['type']}"
        return "values-rows" if isinstance(values, list) else "values-object-with-property"
    if "url" in data:
        return "url-remote" if "://" in data["url"] else f"url-{data_format(data)['type']}"
    if "name" in data:
        return "name-dataset" if data["name"] in (spec.get("datasets") or {}) else "name-unbound"
    return f"generator-{next(iter(data))}"


@needs_corpus
def test_the_linter_reads_corpus_data_through_the_model() -> None:
    """A typo in a field of a spec whose data is a file is caught, because the file was read."""
    assert CORPUS is not None
    path = CORPUS / "bar_aggregate.vl.json"
    spec = load_spec_file(path)
    assert spec["data"] == {"url": "data/population.json"}
    spec["encoding"]["y"]["field"] = "peple"
    problems = check_spec(spec, base_dir=path.parent)
    assert [p.rule.name for p in problems if p.rule.name == "field-exists"] == ["field-exists"]
    assert "did you mean 'people'?" in json.dumps([p.message for p in problems])


def test_a_pinned_remote_url_is_read_offline_from_its_copy(tmp_path: Path) -> None:
    import hashlib

    url, body = "https://example.org/points.csv", b"a,b\n1,2\n"
    copy = tmp_path / "data" / "remote" / "points.0123456789abcdef.csv"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(body)
    pin = {"file": "data/remote/points.0123456789abcdef.csv", "size": len(body)}
    pin |= {"sha256": hashlib.sha256(body).hexdigest(), "fetched": "2026-01-01T00:00:00Z"}
    (tmp_path / "data" / "remote.lock.json").write_text(json.dumps({url: pin}))
    files = LocalFiles(tmp_path)
    found = resolve({"url": url}, files=files)
    assert (found.rows, found.file) == ([{"a": "1", "b": "2"}], copy)
    assert inline_data({"data": {"url": url}}, files)["data"]["values"] == [{"a": "1", "b": "2"}]
    unpinned = resolve({"url": "https://example.org/other.csv"}, files=files)
    assert unpinned.rows is None and "is remote and not pinned" in (unpinned.reason or "")
    copy.write_bytes(b"a,b\n9,9\n")  # a copy that no longer matches its pin is not read
    assert resolve({"url": url}, files=files).rows is None
