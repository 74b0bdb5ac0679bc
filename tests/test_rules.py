"""Tests for chartspec.rules: the catalogue of lint rules, `check --rules`, and choosing rules and
their severities in pyproject.toml and on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

import test_check
from chartspec.rules import RULES, load_settings
from test_check import point, run, write

project = test_check.project  # the fixture: a folder holding a hand-written spec with a typo


# --------------------------------------------------------------------------- rules


def test_every_rule_has_a_stable_code_name_severity_and_summary() -> None:
    assert len({r.name for r in RULES.values()}) == len(RULES)
    for code, rule in RULES.items():
        assert code == rule.code and code.startswith("CS") and len(code) == 5
        assert rule.severity in ("error", "warning") and rule.summary.endswith(".")


def test_rules_lists_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["check", "--rules"], capsys)
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == list(RULES)
    status, out, _ = run(["check", "--rules", "field-exists"], capsys)
    assert (status, out.splitlines()[0]) == (0, "CS201 field-exists")
    status, out, _ = run(["check", "--rules", "CS101"], capsys)
    assert "default: error (warning for hand-written specs)" in out
    status, _, err = run(["check", "--rules", "CS999"], capsys)
    assert (status, err) == (
        2,
        "chartspec: error: unknown rule 'CS999'; see `chartspec check --rules`\n",
    )


# --------------------------------------------------------------------------- selection


def test_hand_written_title_is_a_warning_and_warnings_do_not_fail(project: Path, capsys) -> None:
    write(project, "typo.vl.json", point(encoding={"x": {"field": "a"}}))
    status, out, _ = run(["check", "typo.vl.json"], capsys)
    assert status == 0
    assert out.splitlines() == [
        'typo.vl.json: warning: title: missing; expected a string or an object with "text" [CS101 title]',
        "typo.vl.json: warning: description: missing; expected a sentence saying what the chart shows [CS102 description]",
        "1 spec(s) checked: no errors, 2 warning(s)",
    ]


@pytest.mark.parametrize(
    ("settings", "args", "status", "codes"),
    [
        ("", [], 1, ["CS101", "CS102", "CS201"]),
        ('ignore = ["field-exists"]', [], 0, ["CS101", "CS102"]),
        ('select = ["CS2"]', [], 1, ["CS201"]),
        ('select = ["CS2"]\nignore = ["CS201"]', [], 0, []),
        (
            'select = ["CS"]\nignore = ["CS2"]\n[tool.chartspec.lint.severity]\ntitle = "error"',
            [],
            1,
            ["CS101", "CS102"],
        ),
        ('[tool.chartspec.lint.per-file-ignores]\n"typo*.vl.json" = ["CS201", "CS1"]', [], 0, []),
        (
            '[tool.chartspec.lint.per-file-ignores]\n"other.vl.json" = ["CS201"]',
            [],
            1,
            ["CS101", "CS102", "CS201"],
        ),
        # The command line comes last: --select starts afresh, --ignore removes more.
        ('ignore = ["CS201"]', ["--select", "CS201"], 1, ["CS201"]),
        ("", ["--ignore", "CS101,description", "--ignore", "CS201"], 0, []),
        ("", ["--select", "ALL", "--ignore", "CS1"], 1, ["CS201"]),
    ],
)
def test_rule_selection(
    project: Path, capsys, settings: str, args: list[str], status: int, codes: list[str]
) -> None:
    (project / "pyproject.toml").write_text(
        f"[tool.chartspec.lint]\n{settings}\n", encoding="utf-8"
    )
    done, out, _ = run(["check", "typo.vl.json", *args], capsys)
    assert done == status, out
    assert [
        line.rsplit("[", 1)[1].split()[0] for line in out.splitlines() if "[CS" in line
    ] == codes


def test_bad_rule_settings_are_usage_errors(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.chartspec.lint]\nselect = ["CS9"]\n', encoding="utf-8"
    )
    status, _, err = run(["check", "typo.vl.json"], capsys)
    assert status == 2 and "unknown rule 'CS9'" in err
    (project / "pyproject.toml").write_text('[tool.chartspec.lint]\nseverity = {title = "fatal"}\n')
    status, _, err = run(["check", "typo.vl.json"], capsys)
    assert status == 2 and "expected 'error' or 'warning'" in err
    (project / "pyproject.toml").write_text("[tool.chartspec.lint]\nselct = []\n")
    status, _, err = run(["check", "typo.vl.json"], capsys)
    assert status == 2 and "unknown setting 'selct'" in err
    (project / "pyproject.toml").unlink()
    status, _, err = run(["check", "typo.vl.json", "--ignore", "nope"], capsys)
    assert status == 2 and "unknown rule 'nope' in --ignore" in err


def test_settings_default_to_every_rule(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "pyproject.toml").enabled == frozenset(RULES)
