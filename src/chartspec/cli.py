"""The `chartspec` command: parses arguments and calls the pipeline's stages."""

from __future__ import annotations

import sys
import traceback
import warnings
from pathlib import Path

import click

from chartspec.errors import EXIT_BUG, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, ChartspecError

EXIT_CODES = """\b
Exit status:
  0  success (for check: every check passed)
  1  a check failed (invalid, failing lint, or stale specs)
  2  bad input or usage (one line on stderr: file:row:column: what; what to do)
  3  a bug in chartspec (please report it)
"""

SPECS_OPTION = click.option(
    "--specs",
    "specs_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="specs",
    show_default=True,
    help="Folder of generated specs.",
)
SITE_OPTION = click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="site",
    show_default=True,
    help="Folder of the generated static site.",
)
REPORTS_OPTION = click.option(
    "--reports",
    "reports_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="reports",
    show_default=True,
    help="Folder of Markdown reports published with the site (skipped when absent).",
)
CHARTS_OPTION = click.option(
    "--charts",
    "charts_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of chart modules (default: ./charts if it exists, else the built-in charts).",
)

JOBS_OPTION = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to build and render with (default: one per core).",
)
QUIET_OPTION = click.option("--quiet", "-q", is_flag=True, help="No progress output on stderr.")
NO_CACHE_OPTION = click.option(
    "--no-cache",
    is_flag=True,
    help="Rebuild everything, ignoring .chartspec-cache/ (the cache is still refreshed).",
)


def _jobs(jobs: int | None) -> int:
    """Return the number of processes to use: the given one, or one per core."""
    from chartspec.incremental import default_jobs

    return jobs or default_jobs()


def _charts_dir(charts_dir: Path | None) -> Path | None:
    """Return the chart folder to use: the given one, ./charts, or None for the built-ins."""
    if charts_dir is None and Path("charts").is_dir():
        return Path("charts")
    return charts_dir


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES)
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.version_option(package_name="chartspec")
def cli(debug: bool) -> None:
    """Turn data tables into canonical, schema-checked Vega-Lite specs."""


@cli.command(epilog=EXIT_CODES)
@click.argument("names", nargs=-1)
@CHARTS_OPTION
@SPECS_OPTION
@SITE_OPTION
@REPORTS_OPTION
@JOBS_OPTION
@QUIET_OPTION
@NO_CACHE_OPTION
def build(
    names: tuple[str, ...],
    charts_dir: Path | None,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path,
    jobs: int | None,
    quiet: bool,
    no_cache: bool,
) -> int:
    """Write specs/<name>.vl.json for every chart, or the NAMES given, then the site.

    Charts whose code and data are unchanged come from .chartspec-cache/ beside the specs.
    """
    from chartspec.build import build_site, pick_charts, write_specs
    from chartspec.incremental import (
        build_texts_incremental,
        select_charts_tracked,
        shared_workers,
    )

    chosen = _charts_dir(charts_dir)
    charts, module_inputs = select_charts_tracked(chosen)
    with shared_workers(_jobs(jobs), charts_dir=chosen):
        texts = build_texts_incremental(
            pick_charts(charts, names),
            specs_dir=specs_dir,
            charts_dir=chosen,
            module_inputs=module_inputs,
            jobs=_jobs(jobs),
            use_cache=not no_cache,
            quiet=quiet,
        )
        changed = write_specs(texts, specs_dir, prune=not names)
        click.echo(
            f"built {len(texts)} chart(s) into {specs_dir}/ ({len(changed)} file(s) changed)"
        )
        pages = build_site(
            specs_dir,
            site_dir,
            reports_dir=reports_dir,
            jobs=_jobs(jobs),
            quiet=quiet,
            use_cache=not no_cache,
        )
    click.echo(f"published {len(pages)} file(s) into {site_dir}/")
    return EXIT_OK


@cli.command(epilog=EXIT_CODES)
@SPECS_OPTION
@click.option(
    "--out",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="site",
    show_default=True,
    help="Folder to write the site to.",
)
@REPORTS_OPTION
@JOBS_OPTION
@QUIET_OPTION
@NO_CACHE_OPTION
def site(
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path,
    jobs: int | None,
    quiet: bool,
    no_cache: bool,
) -> int:
    """Publish a folder of Vega-Lite specs (any, not only built ones) as a static site."""
    from chartspec.build import build_site

    pages = build_site(
        specs_dir,
        site_dir,
        reports_dir=reports_dir,
        jobs=_jobs(jobs),
        quiet=quiet,
        use_cache=not no_cache,
    )
    click.echo(f"published {len(pages)} file(s) into {site_dir}/")
    return EXIT_OK


@cli.command(epilog=EXIT_CODES)
@click.option("--port", type=int, default=8000, show_default=True, help="Port (0: any free one).")
@CHARTS_OPTION
@SPECS_OPTION
@SITE_OPTION
@REPORTS_OPTION
def serve(
    port: int, charts_dir: Path | None, specs_dir: Path, site_dir: Path, reports_dir: Path
) -> int:
    """Serve the site on 127.0.0.1, rebuilding and reloading when charts, data or specs change."""
    from chartspec.build import build_site, build_texts, select_charts, write_specs
    from chartspec.serve import serve as serve_site

    chosen = _charts_dir(charts_dir)

    def rebuild() -> None:
        charts = select_charts(chosen)
        write_specs(build_texts(charts), specs_dir)
        build_site(specs_dir, site_dir, reports_dir=reports_dir)

    rebuild()
    sources = {d.module_file.parent for d in select_charts(chosen).values()}
    watch = sorted(sources | {p for p in (specs_dir, reports_dir) if p.is_dir()})
    serve_site(site_dir, port=port, rebuild=rebuild, watch=watch)
    return EXIT_OK


@cli.command(epilog=EXIT_CODES)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@CHARTS_OPTION
@SPECS_OPTION
@SITE_OPTION
@REPORTS_OPTION
@JOBS_OPTION
def check(
    files: tuple[Path, ...],
    charts_dir: Path | None,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path,
    jobs: int | None,
) -> int:
    """Validate specs against the pinned schema and lint rules, and find stale specs.

    With FILES, check just those spec files (any Vega-Lite spec). Without, check every spec
    in --specs, that each matches what its chart produces now, and that the site matches a
    rebuild.
    """
    from chartspec.build import stale_site, stale_specs
    from chartspec.incremental import (
        build_texts_incremental,
        check_files_cached,
        select_charts_tracked,
    )

    paths = list(files) or sorted(specs_dir.glob("*.vl.json"))
    failures = 0
    for path, problems in check_files_cached(paths, cache_specs_dir=None if files else specs_dir):
        for problem in problems:
            click.echo(f"{path}: {problem} [{problem.rule}]")
            failures += 1
    if not files:
        chosen = _charts_dir(charts_dir)
        refresh = "chartspec build" + (f" --charts {chosen}" if chosen else "")
        if specs_dir != Path("specs"):
            refresh += f" --specs {specs_dir}"
        if site_dir != Path("site"):
            refresh += f" --site {site_dir}"
        charts, module_inputs = select_charts_tracked(chosen)
        texts = build_texts_incremental(
            charts,
            specs_dir=specs_dir,
            charts_dir=chosen,
            module_inputs=module_inputs,
            jobs=_jobs(jobs),
            quiet=True,
        )
        stale = stale_specs(texts, specs_dir, refresh=refresh)
        if not stale:  # a site is only comparable once its specs are fresh
            stale = stale_site(
                specs_dir, site_dir, reports_dir=reports_dir, refresh=refresh, jobs=_jobs(jobs)
            )
        for problem in stale:
            click.echo(str(problem))
            failures += 1
    if failures:
        click.echo(f"{failures} problem(s) in {len(paths)} spec(s)", err=True)
        return EXIT_CHECK_FAILED
    click.echo(f"{len(paths)} spec(s) checked: all clean")
    return EXIT_OK


@cli.command(epilog=EXIT_CODES)
@click.argument("names", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png", "pdf"]),
    required=True,
    help="File format.",
)
@click.option("--scale", type=float, default=None, help="PNG only: multiply the size by N.")
@click.option("--ppi", type=float, default=None, help="PNG only: pixels per inch (72 = 1x).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="exports",
    show_default=True,
    help="Folder to write the files to.",
)
@SPECS_OPTION
@QUIET_OPTION
def export(
    names: tuple[str, ...],
    fmt: str,
    scale: float | None,
    ppi: float | None,
    out_dir: Path,
    specs_dir: Path,
    quiet: bool,
) -> int:
    """Render the specs of NAMES (default: all) to SVG, PNG or PDF files (all or nothing)."""
    from chartspec.export import export_specs, find_spec

    if scale is not None and ppi is not None:
        raise click.UsageError("give --scale or --ppi, not both")
    paths = [find_spec(name, specs_dir=specs_dir) for name in names]
    paths = paths or sorted(specs_dir.glob("*.vl.json"))
    if not paths:
        raise ChartspecError(f"no specs in {specs_dir}", hint="run `chartspec build` first")
    written = export_specs(
        paths,
        fmt=fmt,  # type: ignore[arg-type]
        out_dir=out_dir,
        scale=scale,
        ppi=ppi,
        quiet=quiet,
    )
    click.echo(f"exported {len(written)} chart(s) to {out_dir}/")
    return EXIT_OK


@cli.command(epilog=EXIT_CODES)
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write (default: SOURCE with .html).",
)
@click.option("--interactive", is_flag=True, help="Add live charts (inlines the Vega bundle).")
@SPECS_OPTION
def report(source: Path, out_path: Path | None, interactive: bool, specs_dir: Path) -> int:
    """Turn a Markdown file with `{{ chart: NAME }}` lines into one standalone HTML file."""
    from chartspec.report import markdown_to_report

    out = out_path or source.with_suffix(".html")
    markdown_to_report(source, specs_dir=specs_dir, out_path=out, interactive=interactive)
    click.echo(f"wrote {out}")
    return EXIT_OK


@cli.command(name="list")
@CHARTS_OPTION
def list_charts(charts_dir: Path | None) -> int:
    """List the charts: name, title and source."""
    from chartspec.build import select_charts

    for definition in select_charts(_charts_dir(charts_dir)).values():
        click.echo(f"{definition.name}\t{definition.title}\t{definition.source}")
    return EXIT_OK


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    click.echo(f"chartspec: warning: {message}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with its documented status."""
    args = sys.argv[1:] if argv is None else argv
    warnings.showwarning = _show_warning
    try:
        status = cli.main(args=args, prog_name="chartspec", standalone_mode=False)
    except ChartspecError as error:
        if "--debug" in args:
            traceback.print_exc()
        click.echo(f"chartspec: error: {error}", err=True)
        status = EXIT_USAGE
    except click.exceptions.Exit as done:
        status = done.exit_code
    except click.ClickException as error:
        error.show()
        status = EXIT_USAGE
    except click.Abort:
        click.echo("chartspec: interrupted", err=True)
        status = EXIT_USAGE
    except Exception as error:
        if "--debug" in args:
            traceback.print_exc()
        click.echo(
            f"chartspec: internal error: {type(error).__name__}: {error}; this is a bug in "
            "chartspec, please report it with the command you ran (add --debug for a traceback)",
            err=True,
        )
        status = EXIT_BUG
    sys.exit(status if isinstance(status, int) else EXIT_OK)
