"""The lint rules as data (code, name, default severity, explanation), the problems they
report, and which rules a project or a run selects, in the manner of ruff."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from chartspec.errors import ChartspecError
from chartspec.settings import tool_settings

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Rule:
    """One check: a stable code and name, its default severity, and why it matters."""

    code: str
    name: str
    severity: Severity
    summary: str
    # Severity for specs written by hand (given to `check FILE` or published with `site`).
    hand_written: Severity | None = None

    def severity_for(self, *, hand_written: bool) -> Severity:
        """Return the default severity for a built chart or a hand-written spec."""
        return (self.hand_written or self.severity) if hand_written else self.severity


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("CS001", "schema", "error", "The spec is valid against the pinned Vega-Lite schema."),
        Rule(
            "CS101",
            "title",
            "error",
            "The chart has a title (a sub-view's counts): the site and screen readers show it.",
            hand_written="warning",
        ),
        Rule(
            "CS102",
            "description",
            "error",
            "The chart has a description: screen readers read it and the site shows it.",
            hand_written="warning",
        ),
        Rule(
            "CS201",
            "field-exists",
            "error",
            "Every field a view uses exists in its data or is made by a transform.",
        ),
        Rule(
            "CS202",
            "quantitative-numeric",
            "error",
            "A quantitative field holds numbers (unless the mark says how to treat invalid ones).",
        ),
        Rule("CS203", "log-positive", "error", "A log scale's values are all greater than zero."),
        Rule(
            "CS204",
            "data-not-read",
            "warning",
            "The data rules could read the data (not remote, not missing, a known format).",
        ),
        Rule(
            "CS301",
            "href-scheme",
            "error",
            "Links (encodings, marks, config, expressions, computed fields) are http, https, "
            "mailto or relative.",
        ),
        Rule(
            "CS401",
            "contrast",
            "warning",
            "Colours a spec sets, as drawn (at their mark's opacity; discrete schemes and "
            "config ranges too), have WCAG contrast against the site's light and dark page "
            "backgrounds, and text against the bars it may stand on: 4.5:1 for text, 3:1 for "
            "marks (the dark theme lightens those it can). Continuous schemes and colours from "
            "data or expressions are not measured.",
        ),
    )
}
RULES_BY_NAME = {rule.name: rule for rule in RULES.values()}


@dataclass(frozen=True)
class Problem:
    """One thing a rule found in a spec: which rule, how bad, where, and what."""

    code: str
    path: str  # JSON location inside the spec, e.g. `layer[0].mark.type`; "" for the root
    message: str
    severity: Severity = "error"
    file: Path | None = None

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


def problem(code: str, path: str, message: str) -> Problem:
    """Return a problem of rule `code` at its default severity for built charts."""
    return Problem(code, path, message, RULES[code].severity)


def explain_rule(code: str) -> str:
    """Return the description of one rule, by code or name, for `check --rules CODE`."""
    rule = RULES.get(code.upper()) or RULES_BY_NAME.get(code)
    if rule is None:
        raise ChartspecError(f"unknown rule {code!r}", hint="see `chartspec check --rules`")
    severity: str = rule.severity
    if rule.hand_written and rule.hand_written != rule.severity:
        severity += f" ({rule.hand_written} for hand-written specs)"
    return f"{rule.code} {rule.name}\n  default: {severity}\n  {rule.summary}"


def rules_table() -> list[str]:
    """Return one line per rule: code, name, default severity, summary."""
    return [f"{r.code}  {r.name:<21} {r.severity:<8} {r.summary}" for r in RULES.values()]


# --------------------------------------------------------------------------- selection


def _specificity(selector: str, rule: Rule) -> int | None:
    """How specifically `selector` names `rule` (None: not at all); names are exact."""
    if selector == "ALL":
        return 0
    if selector == rule.name or selector.upper() == rule.code:
        return 100
    if rule.code.startswith(selector.upper()):
        return len(selector)
    return None


def _check_selectors(selectors: Iterable[str], where: str) -> tuple[str, ...]:
    out = tuple(s.strip() for s in selectors if s.strip())
    for selector in out:
        if not any(_specificity(selector, r) is not None for r in RULES.values()):
            raise ChartspecError(
                f"unknown rule {selector!r} in {where}",
                hint="see `chartspec check --rules` for codes and names",
            )
    return out


def _most_specific(selectors: Sequence[str], rule: Rule) -> int | None:
    found = [s for sel in selectors if (s := _specificity(sel, rule)) is not None]
    return max(found) if found else None


@dataclass(frozen=True)
class LintSettings:
    """Which rules run, at which severity, for which files."""

    enabled: frozenset[str] = frozenset(RULES)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    root: Path = Path()  # per-file patterns are relative to this folder

    def with_selection(
        self, select: Sequence[str] | None = None, ignore: Sequence[str] = ()
    ) -> LintSettings:
        """Apply one more layer of `select`/`ignore` (the command line over the project).

        A layer that selects starts afresh; within a layer the most specific selector wins,
        and an ignore wins a tie, as in ruff.
        """
        select = None if select is None else _check_selectors(select, "--select")
        ignore = _check_selectors(ignore, "--ignore")
        enabled = set()
        for code, rule in RULES.items():
            chosen = _most_specific(select, rule) if select is not None else None
            on = chosen is not None if select is not None else code in self.enabled
            dropped = _most_specific(ignore, rule)
            if dropped is not None and (chosen is None or dropped >= chosen):
                on = False
            if on:
                enabled.add(code)
        return replace(self, enabled=frozenset(enabled))

    def applies(self, problem: Problem, *, file: Path | None) -> bool:
        """Say whether `problem` is reported for `file` under these settings."""
        if problem.code not in self.enabled:
            return False
        if file is None or not self.per_file_ignores:
            return True
        names = _relative_names(file, self.root)
        rule = RULES[problem.code]
        return not any(
            _most_specific(codes, rule) is not None
            and any(fnmatch.fnmatch(name, pattern) for name in names)
            for pattern, codes in self.per_file_ignores
        )

    def apply(
        self, problems: Iterable[Problem], *, file: Path | None, hand_written: bool
    ) -> list[Problem]:
        """Keep the selected problems, each at its severity for this file."""
        out = []
        for found in problems:
            if self.applies(found, file=file):
                rule = RULES[found.code]
                severity = self.severities.get(found.code) or rule.severity_for(
                    hand_written=hand_written
                )
                out.append(replace(found, severity=severity, file=file))
        return out


def _relative_names(file: Path, root: Path) -> list[str]:
    """Return the forms a per-file pattern is matched against: relative path and file name."""
    names = [file.as_posix(), file.name]
    if file.resolve().is_relative_to(root.resolve()):
        names.append(file.resolve().relative_to(root.resolve()).as_posix())
    return names


def load_settings(pyproject: Path = Path("pyproject.toml")) -> LintSettings:
    """Read `[tool.chartspec.lint]` (select, ignore, per-file-ignores, severity) if present."""
    root = pyproject.parent
    if not pyproject.is_file():
        return LintSettings(root=root)
    lint = tool_settings(pyproject).get("lint", {})
    where = f"{pyproject} [tool.chartspec.lint]"
    known = {"select", "ignore", "per-file-ignores", "severity"}
    if not isinstance(lint, dict) or set(lint) - known:
        unknown = sorted(set(lint) - known) if isinstance(lint, dict) else ["lint"]
        raise ChartspecError(
            f"unknown setting {unknown[0]!r} in [tool.chartspec.lint]",
            file=pyproject,
            hint="use select, ignore, per-file-ignores or severity",
        )
    select = lint.get("select")
    settings = LintSettings(root=root).with_selection(
        None if select is None else _strings(select, f"{where} select", pyproject),
        _strings(lint.get("ignore", []), f"{where} ignore", pyproject),
    )
    per_file = lint.get("per-file-ignores", {})
    severity = lint.get("severity", {})
    if not isinstance(per_file, dict) or not isinstance(severity, dict):
        raise ChartspecError(
            "per-file-ignores and severity must be tables", file=pyproject, hint=where
        )
    ignores = tuple(
        (pattern, _check_selectors(_strings(codes, where, pyproject), where))
        for pattern, codes in per_file.items()
    )
    return replace(
        settings, per_file_ignores=ignores, severities=_severities(severity, where, pyproject)
    )


def _strings(value: Any, where: str, pyproject: Path) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ChartspecError(f"{where} must be a list of rule codes or names", file=pyproject)
    return value


def _severities(table: dict[str, Any], where: str, pyproject: Path) -> dict[str, Severity]:
    """Resolve `{selector: "error"|"warning"}` to one severity per rule code."""
    for selector, level in table.items():
        _check_selectors([selector], f"{where} severity")
        if level not in SEVERITIES:
            raise ChartspecError(
                f"severity of {selector!r} is {level!r}; expected 'error' or 'warning'",
                file=pyproject,
            )
    out: dict[str, Severity] = {}
    for code, rule in RULES.items():
        ranked = [
            (s, lvl) for sel, lvl in table.items() if (s := _specificity(sel, rule)) is not None
        ]
        if ranked:
            out[code] = max(ranked, key=lambda item: item[0])[1]
    return out


__all__ = [
    "RULES",
    "LintSettings",
    "Problem",
    "Rule",
    "Severity",
    "explain_rule",
    "load_settings",
    "problem",
    "rules_table",
]
