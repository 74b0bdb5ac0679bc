"""Tests for chartspec.check: severities, exit codes, crash isolation, the link policy shared by
`check` and `site`, and the official corpus (the rules themselves: test_rules.py)."""

from __future__ import annotations

import copy
import json
import os
import random
import re
from pathlib import Path
from typing import Any

import pytest

from chartspec import check as check_module
from chartspec.check import CheckResult, check_files, format_problem
from chartspec.cli import main
from chartspec.errors import ChartspecError
from chartspec.project import specs_to_site
from chartspec.rules import LintSettings
from chartspec.validate import check_spec, load_spec_file, validate_spec
from conftest import REPO

# In CI the corpus sits beside the repository; CHARTSPEC_CORPUS points at another copy.
CORPUS = (
    Path(os.environ.get("CHARTSPEC_CORPUS", REPO.parent / "shared" / "corpus"))
    / "vega-lite-examples"
)
INVALID = {
    "bar_tooltip_filter",
    "facet_column_facet_column_point_future",
    "facet_column_facet_row_point_future",
    "facet_row_facet_row_point_future",
    "layer_line_exponential",
}
ROWS = [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
ABOUT = {"title": "A chart", "description": "What it shows."}


def write(folder: Path, name: str, spec: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def point(**parts: Any) -> dict[str, Any]:
    return {"data": {"values": ROWS}, "mark": "point", **parts}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in this process (so monkeypatches apply); return status, stdout, stderr."""
    with pytest.raises(SystemExit) as done:
        main(args)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a hand-written spec lacking a title and using a field that is not there."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "typo.vl.json", point(encoding={"x": {"field": "aa"}}))
    return tmp_path


# --------------------------------------------------------------------------- severities


def test_built_specs_keep_title_and_description_as_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "built.vl.json", point(encoding={"x": {"field": "a"}}))
    (built,) = check_files([path], settings=LintSettings(), built=[path])
    (hand,) = check_files([path], settings=LintSettings())
    assert [(p.code, p.severity) for p in built.problems] == [
        ("CS101", "error"),
        ("CS102", "error"),
    ]
    assert [(p.code, p.severity) for p in hand.problems] == [
        ("CS101", "warning"),
        ("CS102", "warning"),
    ]
    assert CheckResult([built]).exit_status == 1 and CheckResult([hand]).exit_status == 0


def test_sub_view_titles_count(tmp_path: Path) -> None:
    view = point(encoding={"x": {"field": "a"}})
    both = {"hconcat": [{**view, "title": "Left"}, view], "description": "Two views."}
    assert check_spec(both) == []


# --------------------------------------------------------------------------- crash isolation


def test_a_crash_in_one_file_is_reported_and_the_others_are_checked(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = check_module.load_spec_file

    def fragile(path: Path):
        if path.name == "boom.vl.json":
            raise TypeError("unhashable type: 'dict'")
        return real(path)

    monkeypatch.setattr(check_module, "load_spec_file", fragile)
    write(project, "boom.vl.json", point(**ABOUT))
    write(project, "zz.vl.json", point(**ABOUT, encoding={"x": {"field": "nope"}}))
    status, out, err = run(["check", "boom.vl.json", "typo.vl.json", "zz.vl.json"], capsys)
    assert status == 3
    assert (
        "chartspec: internal error: checking boom.vl.json: TypeError: unhashable type: 'dict'"
        in err
    )
    assert "typo.vl.json: encoding.x.field: no field 'aa' in the data" in out
    assert "zz.vl.json: encoding.x.field: no field 'nope' in the data" in out


def test_a_file_that_is_not_a_spec_does_not_stop_the_others(project: Path, capsys) -> None:
    (project / "bad.vl.json").write_text("{oops", encoding="utf-8")
    status, out, err = run(["check", "bad.vl.json", "typo.vl.json"], capsys)
    assert status == 2
    assert err.startswith("chartspec: error: bad.vl.json:1:2: not valid JSON")
    assert "typo.vl.json: encoding.x.field: no field 'aa'" in out


def test_argmax_does_not_crash_the_linter() -> None:
    spec = point(
        **ABOUT,
        encoding={"x": {"aggregate": {"argmax": "a"}, "field": "b", "type": "quantitative"}},
    )
    assert validate_spec(spec) == []
    assert check_spec(spec) == []


# --------------------------------------------------------------------------- one link policy

LINK_CASES = {
    "config.mark.href": point(**ABOUT, config={"mark": {"href": "javascript:alert(1)"}}),
    "config.point.href": point(**ABOUT, config={"point": {"href": "JavaScript:alert(1)"}}),
    "config.style href expr": point(
        **ABOUT, config={"style": {"s": {"href": {"expr": "'javascript:x'"}}}}
    ),
    "mark.href": point(**ABOUT, mark={"type": "point", "href": "javascript:alert(1)"}),
    "mark.href expr": point(
        **ABOUT, mark={"type": "point", "href": {"expr": "'java' + 'script:alert(1)'"}}
    ),
    "encoding.href.value expr": point(
        **ABOUT, encoding={"href": {"value": {"expr": "'javascript:alert(1)'"}}}
    ),
    "encoding.href.condition": point(
        **ABOUT,
        params=[{"name": "p", "select": "point"}],
        encoding={
            "href": {
                "condition": {"param": "p", "value": "javascript:alert(1)"},
                "value": "https://a.example",
            }
        },
    ),
    "param named in an expression": point(
        **ABOUT,
        params=[{"name": "target", "value": "javascript:alert(1)"}],
        mark={"type": "point", "href": {"expr": "target"}},
    ),
    "calculate used as href": point(
        **ABOUT,
        transform=[{"calculate": "'javascript:alert(' + datum.a + ')'", "as": "link"}],
        encoding={"href": {"field": "link", "type": "nominal"}},
    ),
    "data used as href": point(
        **ABOUT,
        data={"values": [{"u": "javascript:alert(1)"}]},
        encoding={"href": {"field": "u", "type": "nominal"}},
    ),
    "escaped in an expression": point(
        **ABOUT, mark={"type": "point", "href": {"expr": "'javascript\\x3aalert(1)'"}}
    ),
}


@pytest.mark.parametrize("case", list(LINK_CASES))
def test_check_and_site_refuse_unsafe_links(case: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    specs = tmp_path / "specs"
    specs.mkdir()
    write(specs, "link.vl.json", LINK_CASES[case])
    status, out, _ = run(["check", "specs/link.vl.json"], capsys)
    assert status == 1, out
    assert "[CS301 href-scheme]" in out and "'javascript:'" in out
    with pytest.raises(
        ChartspecError, match=r"not published: .*'javascript:'.*\[CS301 href-scheme\]"
    ):
        specs_to_site(specs, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_safe_links_pass() -> None:
    safe = point(
        **ABOUT,
        transform=[{"calculate": "'https://example.org/?q=' + datum.b", "as": "link"}],
        mark={"type": "point", "href": {"expr": "'page-' + datum.b + '.html'"}},
        encoding={"href": {"field": "link", "type": "nominal"}},
        config={"mark": {"href": "mailto:a@example.org"}},
    )
    assert check_spec(safe) == []


def test_site_refuses_invalid_hand_written_specs(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    specs = tmp_path / "specs"
    specs.mkdir()
    write(specs, "bad.vl.json", point(**ABOUT, mark="circl"))
    status, _, err = run(["site", "--specs", "specs", "--out", "site"], capsys)
    assert status == 2
    assert "bad.vl.json: not published: mark: 'circl' is not a mark type" in err
    assert not (tmp_path / "site").exists()


# --------------------------------------------------------------------------- the official corpus

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not at {CORPUS}")


@corpus
def test_corpus_with_default_settings() -> None:
    paths = sorted(CORPUS.glob("*.vl.json"))
    assert len(paths) == 816
    checked = check_files(paths, settings=LintSettings(), jobs=None)  # on every core
    crashed = [c.path.name for c in checked if c.crash or c.error]
    assert crashed == []
    failing = {c.path.name.removesuffix(".vl.json"): c.errors for c in checked if c.errors}
    assert set(failing) == INVALID, {
        k: [str(p) for p in v] for k, v in failing.items() if k not in INVALID
    }
    for errors in failing.values():
        for error in errors:
            line = format_problem(error)
            assert error.code == "CS001" and "\n" not in line and len(line) < 300, line
            assert "any of the given schemas" not in line, line
    exponential = " ".join(str(e) for e in failing["layer_line_exponential"])
    assert "unknown property 'exponential'; expected one of 'average', 'count'" in exponential
    assert "missing a required" not in exponential  # not "add argmax"
    # Data that cannot be read is said once per spec, as a warning.
    notices = {c.path.name: [str(p) for p in c.warnings if p.code == "CS204"] for c in checked}
    notices = {k: v for k, v in notices.items() if v}
    assert all(len(v) == 1 for v in notices.values())
    assert sorted(notices) == [
        "point_constant_legend_domain.vl.json",
        "selection_type_point_zorder.vl.json",
        "stocks-2009-layered-line-point.vl.json",
    ]
    assert all("remote or absolute URL 'https://" in v[0] for v in notices.values())
    # Colours with too little contrast are warnings that name the colour, background and ratio.
    contrast = [p for c in checked for p in c.problems if p.code == "CS401"]
    assert contrast and all(p.severity == "warning" for p in contrast)
    said = re.compile(
        r"(text|mark) colour '[^']+'( of the scheme '\w+')?( at opacity [\d.]+)? has "
        r"\d+\.\d\d:1 against ((the light|the dark|its own) background|the layer's \w+ "
        r"colour) #[0-9a-f]{6}.*; needs (4\.5|3):1"
    )
    assert all(said.match(p.message) for p in contrast), [p.message for p in contrast]


@corpus
def test_corpus_through_the_cli(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    valid = [
        str(p)
        for p in sorted(CORPUS.glob("*.vl.json"))
        if p.name.removesuffix(".vl.json") not in INVALID
    ]
    status, out, err = run(["check", *valid], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[-1].startswith("811 spec(s) checked: no errors")
    invalid = [str(CORPUS / f"{name}.vl.json") for name in sorted(INVALID)]
    status, out, err = run(["check", *invalid], capsys)
    assert status == 1
    assert {
        Path(line.split(": ")[0]).name.removesuffix(".vl.json")
        for line in out.splitlines()
        if "[CS001" in line
    } == INVALID


def encoded_fields(view: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the locations of every `encoding.<channel>.field` string in a spec's views."""
    found: list[tuple[Any, ...]] = []
    if not isinstance(view, dict):
        return found
    for channel, fdef in (view.get("encoding") or {}).items():
        if isinstance(fdef, dict) and isinstance(fdef.get("field"), str):
            found.append((*loc, "encoding", channel))
    for key in ("layer", "concat", "hconcat", "vconcat"):
        for i, child in enumerate(view.get(key) or []):
            found.extend(encoded_fields(child, (*loc, key, i)))
    if "spec" in view:
        found.extend(encoded_fields(view["spec"], (*loc, "spec")))
    return found


@corpus
def test_typo_probe_is_caught_or_said_not_read() -> None:
    rng = random.Random(12)
    paths = [
        p
        for p in sorted(CORPUS.glob("*.vl.json"))
        if p.name.removesuffix(".vl.json") not in INVALID
    ]
    caught = unread = 0
    missed = []
    for path in rng.sample(paths, 250):
        spec = load_spec_file(path)
        if not (fields := encoded_fields(spec)):
            continue
        loc = rng.choice(fields)
        broken = copy.deepcopy(spec)
        node = broken
        for part in loc:
            node = node[part]
        node["field"] = typo = node["field"] + "_typo"
        problems = check_spec(broken, base_dir=CORPUS)
        if any(p.code == "CS201" and f"'{typo}'" in p.message for p in problems):
            caught += 1
        elif any(p.code == "CS204" for p in problems):
            unread += 1
        else:
            missed.append(f"{path.name} {loc}")
    assert missed == []
    print(f"typo probe: {caught} caught, {unread} said not read")
    assert caught >= 200 and unread <= 5, (caught, unread)
