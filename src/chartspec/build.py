"""Build every registered chart into `specs/`, and tell which committed specs are stale."""

from __future__ import annotations

import filecmp
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartspec.errors import ChartspecError
from chartspec.registry import (
    ChartDef,
    builtin_charts,
    describe_exception,
    draw_chart,
    load_chart_folder,
)
from chartspec.specs import SPEC_SUFFIX, chart_to_spec, spec_to_json


def select_charts(charts_dir: Path | None) -> dict[str, ChartDef]:
    """Return the charts of `charts_dir`, or the built-in charts when it is None."""
    return builtin_charts() if charts_dir is None else load_chart_folder(charts_dir)


def pick_charts(charts: dict[str, ChartDef], names: Sequence[str]) -> dict[str, ChartDef]:
    """Return the charts called `names` (all charts when none are named)."""
    unknown = [name for name in names if name not in charts]
    if unknown:
        raise ChartspecError(
            f"unknown chart {unknown[0]!r}",
            hint=f"known charts: {', '.join(charts)} (see `chartspec list`)",
        )
    return {name: charts[name] for name in names} if names else charts


def build_spec(definition: ChartDef) -> dict[str, Any]:
    """Draw one chart and return its checked, canonical spec."""
    from chartspec.validate import check_spec

    drawn = draw_chart(definition)
    try:
        spec = chart_to_spec(drawn, definition)
    except ChartspecError:
        raise
    except Exception as error:
        raise ChartspecError(
            f"chart {definition.name!r} cannot be turned into a spec: {describe_exception(error)}",
            file=definition.location,
            hint="fix the chart function",
        ) from None
    problems = check_spec(spec, base_dir=definition.module_file.parent)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ChartspecError(
            f"chart {definition.name!r} gives an invalid spec: {problems[0]}{more}",
            file=definition.location,
            hint="fix the chart function",
        )
    return spec


def build_texts(charts: dict[str, ChartDef]) -> dict[str, str]:
    """Return each chart's canonical spec text, by name; any failure stops the whole build."""
    return {name: spec_to_json(build_spec(definition)) for name, definition in charts.items()}


def spec_path(specs_dir: Path, name: str) -> Path:
    """Return where the spec of chart `name` lives."""
    return specs_dir / f"{name}{SPEC_SUFFIX}"


def write_specs(texts: dict[str, str], specs_dir: Path, *, prune: bool = True) -> list[Path]:
    """Write the specs that changed and (if `prune`) remove specs of charts that are gone."""
    from chartspec.files import write_if_changed

    changed = [
        spec_path(specs_dir, name)
        for name, text in texts.items()
        if write_if_changed(spec_path(specs_dir, name), text)
    ]
    for orphan in orphan_specs(texts, specs_dir) if prune else []:
        orphan.unlink()
        changed.append(orphan)
    return changed


def orphan_specs(texts: dict[str, str], specs_dir: Path) -> list[Path]:
    """Return specs that chartspec built for a chart that no longer exists."""
    orphans = []
    for path in sorted(specs_dir.glob(f"*{SPEC_SUFFIX}")):
        name = path.name.removesuffix(SPEC_SUFFIX)
        if name not in texts and _built_by_chartspec(path):
            orphans.append(path)
    return orphans


def _built_by_chartspec(path: Path) -> bool:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(spec, dict) and "chartspec" in (spec.get("usermeta") or {})


@dataclass(frozen=True)
class Stale:
    """A committed spec that does not match what its chart produces now."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def stale_specs(texts: dict[str, str], specs_dir: Path, *, refresh: str) -> list[Stale]:
    """Compare freshly built `texts` with the files in `specs_dir`."""
    stale = []
    for name, text in texts.items():
        path = spec_path(specs_dir, name)
        if not path.is_file():
            stale.append(Stale(path, f"missing: chart {name!r} has no spec; run `{refresh}`"))
        elif path.read_text(encoding="utf-8") != text:
            stale.append(
                Stale(path, f"stale: chart {name!r} now produces a different spec; run `{refresh}`")
            )
    stale += [
        Stale(path, f"orphan: no chart named {path.name.removesuffix(SPEC_SUFFIX)!r}; run `{refresh}`")
        for path in orphan_specs(texts, specs_dir)
    ]
    return stale


def report_sources(reports_dir: Path) -> list[Path]:
    """Return the Markdown reports to publish with the site."""
    return sorted(reports_dir.glob("*.md")) if reports_dir.is_dir() else []


def build_site(
    specs_dir: Path,
    site_dir: Path,
    *,
    reports_dir: Path,
    jobs: int = 1,
    quiet: bool = True,
    use_cache: bool = True,
) -> list[Path]:
    """Publish every spec in `specs_dir`, and the reports, as the static site `site_dir`.

    Renders come from the cache beside `specs_dir` when their spec is unchanged (`use_cache`);
    the rest are spread over `jobs` processes.
    """
    from chartspec.incremental import build_site_incremental

    return build_site_incremental(
        specs_dir,
        site_dir,
        reports=report_sources(reports_dir),
        jobs=jobs,
        quiet=quiet,
        use_cache=use_cache,
    )


def stale_site(
    specs_dir: Path, site_dir: Path, *, reports_dir: Path, refresh: str, jobs: int = 1
) -> list[Stale]:
    """Rebuild the site in a temporary folder and name every file that differs from `site_dir`."""
    from chartspec.incremental import site_is_current

    if site_is_current(specs_dir, site_dir, reports=report_sources(reports_dir)):
        return []  # the record of its last build matches every input and every file
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "site"
        build_site(specs_dir, fresh, reports_dir=reports_dir, jobs=jobs)
        stale = []
        for path in sorted({*_files(fresh), *_files(site_dir)}):
            old, new = site_dir / path, fresh / path
            if not old.is_file():
                stale.append(Stale(old, f"missing from the site; run `{refresh}`"))
            elif not new.is_file():
                stale.append(Stale(old, f"no longer part of the site; run `{refresh}`"))
            elif not filecmp.cmp(old, new, shallow=False):
                stale.append(Stale(old, f"stale: the site page differs from a rebuild; run `{refresh}`"))
        return stale


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()
