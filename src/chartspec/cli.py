"""The `chartspec` command: parses arguments and calls the pipeline's stages."""

from __future__ import annotations

import sys
import traceback
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

import click

from chartspec.errors import EXIT_BUG, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, ChartspecError

EXIT_CODES = """\b
Exit status:
  0  success (for check: every check passed)
  1  a check failed (invalid, failing lint, or stale specs; for site: a spec left out)
  2  bad input or usage (one line on stderr: file:row:column: what; what to do)
  3  a bug in chartspec (please report it)
"""

DIFF_EXIT_CODES = """\b
Exit status:
  0  nothing changed
  1  something changed
  2  bad input or usage (unknown revision, not a git repository, a file that is not JSON)
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


DATA_OPTION = click.option(
    "--data",
    "data",
    type=click.Choice(["inline", "external"]),
    default="inline",
    show_default=True,
    help="Where tables go: inside each spec, or (external) in specs/data/<chart>.<hash>.csv|json.",
)
INLINE_MAX_ROWS_OPTION = click.option(
    "--inline-max-rows",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="With --data external, tables up to this many rows stay inline.",
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
@DATA_OPTION
@INLINE_MAX_ROWS_OPTION
@JOBS_OPTION
@QUIET_OPTION
@NO_CACHE_OPTION
def build(
    names: tuple[str, ...],
    charts_dir: Path | None,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path,
    data: Literal["inline", "external"],
    inline_max_rows: int,
    jobs: int | None,
    quiet: bool,
    no_cache: bool,
) -> int:
    """Write specs/<name>.vl.json for every chart, or the NAMES given, then the site.

    Charts whose code and data are unchanged come from .chartspec-cache/ beside the specs.
    """
    from chartspec.build import build_project

    done = build_project(
        names=names,
        charts_dir=_charts_dir(charts_dir),
        specs_dir=specs_dir,
        site_dir=site_dir,
        reports_dir=reports_dir,
        data=data,
        inline_max_rows=inline_max_rows,
        jobs=_jobs(jobs),
        quiet=quiet,
        use_cache=not no_cache,
    )
    changed = len(done.published.changed_specs)
    click.echo(f"built {len(done.texts)} chart(s) into {specs_dir}/ ({changed} file(s) changed)")
    click.echo(f"published {len(done.published.site_files)} file(s) into {site_dir}/")
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
@click.option(
    "--reports",
    "reports_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of Markdown reports to publish too (default: none).",
)
@JOBS_OPTION
@QUIET_OPTION
@NO_CACHE_OPTION
def site(
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path | None,
    jobs: int | None,
    quiet: bool,
    no_cache: bool,
) -> int:
    """Publish a folder of Vega-Lite specs (any, not only built ones) as a static site.

    A spec that cannot be published (unreadable, invalid, failing check, its data or images
    unreadable or remote) is named on stderr with its reason and left out; the others are
    published, and the exit status is then 1 (2 when none can be published).
    """
    from chartspec.publish import publish_build
    from chartspec.site import left_out_specs

    done = publish_build(
        None,
        specs_dir=specs_dir,
        site_dir=site_dir,
        reports_dir=reports_dir,
        jobs=_jobs(jobs),
        quiet=quiet,
        use_cache=not no_cache,
        leave_out=True,
    )
    left_out = left_out_specs(site_dir)
    for line in left_out:
        click.echo(f"chartspec: left out {specs_dir.as_posix().rstrip('/')}/{line}", err=True)
    click.echo(f"published {len(done.site_files)} file(s) into {site_dir}/")
    if left_out:
        click.echo(f"chartspec: {len(left_out)} spec(s) left out", err=True)
        return EXIT_CHECK_FAILED
    return EXIT_OK


@cli.command(epilog=EXIT_CODES)
@click.option("--port", type=int, default=8000, show_default=True, help="Port (0: any free one).")
@CHARTS_OPTION
@SPECS_OPTION
@SITE_OPTION
@REPORTS_OPTION
@DATA_OPTION
@INLINE_MAX_ROWS_OPTION
@JOBS_OPTION
def serve(
    port: int,
    charts_dir: Path | None,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path,
    data: Literal["inline", "external"],
    inline_max_rows: int,
    jobs: int | None,
) -> int:
    """Serve the site on 127.0.0.1, rebuilding and reloading when charts, data or specs change.

    Like `build`, only charts whose code or data changed are rebuilt.
    """
    from chartspec.build import build_project, select_charts
    from chartspec.serve import serve as serve_site

    chosen = _charts_dir(charts_dir)

    def rebuild() -> None:
        build_project(
            charts_dir=chosen,
            specs_dir=specs_dir,
            site_dir=site_dir,
            reports_dir=reports_dir,
            data=data,
            inline_max_rows=inline_max_rows,
            jobs=_jobs(jobs),
            quiet=True,
        )

    rebuild()
    sources = {d.module_file.parent for d in select_charts(chosen).values()}
    watch = sorted(sources | {p for p in (specs_dir, reports_dir) if p.is_dir()})
    try:
        serve_site(site_dir, port=port, rebuild=rebuild, watch=watch)
    except OSError as error:
        raise ChartspecError(
            f"cannot serve on 127.0.0.1:{port} ({error.strerror or error})",
            hint="choose another --port (0 picks a free one)",
        ) from None
    return EXIT_OK


@cli.command(epilog=EXIT_CODES)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@CHARTS_OPTION
@SPECS_OPTION
@SITE_OPTION
@REPORTS_OPTION
@DATA_OPTION
@INLINE_MAX_ROWS_OPTION
@click.option(
    "--changed",
    is_flag=True,
    help="Check only charts whose module, data or spec changed since git HEAD.",
)
@JOBS_OPTION
def check(
    files: tuple[Path, ...],
    charts_dir: Path | None,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path,
    data: Literal["inline", "external"],
    inline_max_rows: int,
    changed: bool,
    jobs: int | None,
) -> int:
    """Validate specs against the pinned schema and lint rules, and find stale specs.

    With FILES, check just those spec files (any Vega-Lite spec). Without, check every spec
    in --specs, that each matches what its chart produces now (--data and --inline-max-rows
    as given to build), and that the site matches a rebuild.
    """
    from chartspec.build import place_data, spec_path, stale_site, stale_specs
    from chartspec.incremental import (
        build_texts_incremental,
        check_files_cached,
        select_charts_tracked,
    )
    from chartspec.publish import recovered
    from chartspec.spec import find_specs

    if files and changed:
        raise ChartspecError("give either FILES or --changed, not both")
    with ExitStack() as stack:
        if not files:  # finish a build that was killed half way before comparing anything
            stack.enter_context(recovered(specs_dir, site_dir))
        chosen = _charts_dir(charts_dir)
        charts, module_inputs = select_charts_tracked(chosen) if not files else ({}, {})
        known: list[str] = []
        if changed:
            from chartspec.vcs import changed_charts

            known = list(charts)
            charts = {name: charts[name] for name in changed_charts(charts, specs_dir)}
            paths = [spec_path(specs_dir, n) for n in charts if spec_path(specs_dir, n).is_file()]
        else:
            paths = list(files) or find_specs(specs_dir)
        failures = 0
        cache = None if files else specs_dir
        for path, problems in check_files_cached(paths, cache_specs_dir=cache):
            for problem in problems:
                click.echo(f"{path}: {problem} [{problem.rule}]")
                failures += 1
        if not files:
            refresh = "chartspec build" + (f" --charts {chosen}" if chosen else "")
            if specs_dir != Path("specs"):
                refresh += f" --specs {specs_dir}"
            if site_dir != Path("site"):
                refresh += f" --site {site_dir}"
            if data != "inline":
                refresh += f" --data {data} --inline-max-rows {inline_max_rows}"
            texts = build_texts_incremental(
                charts,
                specs_dir=specs_dir,
                charts_dir=chosen,
                module_inputs=module_inputs,
                jobs=_jobs(jobs),
                quiet=True,
            )
            texts, data_files = place_data(texts, data=data, max_inline_rows=inline_max_rows)
            stale = stale_specs(texts, specs_dir, refresh=refresh, files=data_files, known=known)
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
    from chartspec.export import export_specs
    from chartspec.spec import find_spec, find_specs

    if scale is not None and ppi is not None:
        raise click.UsageError("give --scale or --ppi, not both")
    paths = [find_spec(name, specs_dir=specs_dir) for name in names]
    paths = paths or find_specs(specs_dir)
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


@cli.command(epilog=DIFF_EXIT_CODES)
@click.argument("old", required=False)
@click.argument("new", required=False)
@SPECS_OPTION
@click.option("--chart", "chart", default=None, help="Compare only the chart NAME.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report for people (text) or for tools (json).",
)
@click.option(
    "--visual",
    "visual_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write DIR/<chart>.png: old and new rendering side by side, per changed chart.",
)
@click.option(
    "--textconv",
    "textconv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Print one spec FILE as one line per fact (for git's diff.<driver>.textconv).",
)
def diff(
    old: str | None,
    new: str | None,
    specs_dir: Path,
    chart: str | None,
    fmt: str,
    visual_dir: Path | None,
    textconv_file: Path | None,
) -> int:
    """Show what changed in charts and their data between OLD and NEW.

    OLD and NEW are each an existing spec file, an existing folder, or a git revision.
    Default: HEAD against the --specs folder of the work tree.
    """
    if textconv_file is not None:
        return textconv.callback(textconv_file)  # type: ignore[misc]
    from chartspec.diff import render_json, render_text
    from chartspec.vcs import compare, write_visuals

    diffs, before, after = compare(old, new, specs_dir=specs_dir, chart=chart)
    click.echo((render_json if fmt == "json" else render_text)(diffs), nl=False)
    if visual_dir is not None:
        for path in write_visuals(diffs, before, after, visual_dir):
            click.echo(f"wrote {path}", err=True)
    return EXIT_CHECK_FAILED if any(d.changed for d in diffs) else EXIT_OK


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def textconv(file: Path) -> int:
    """Print spec FILE as one line per fact, data cells included (a git textconv filter)."""
    from chartspec.diff import spec_to_facts
    from chartspec.spec import load_spec_file
    from chartspec.spec_data import spec_files

    spec = load_spec_file(file)
    for line in spec_to_facts(spec, files=spec_files(file)):
        click.echo(line)
    return EXIT_OK


@cli.command(epilog=EXIT_CODES)
@click.argument("folder", type=click.Path(path_type=Path))
def init(folder: Path) -> int:
    """Create a chart project in FOLDER (new or empty): an example chart, its data, a README."""
    from chartspec.scaffold import init_project

    written = init_project(folder)
    click.echo(f"created {len(written)} file(s) in {folder}/")
    click.echo(f"next: cd {folder} && chartspec build && chartspec check")
    return EXIT_OK


@cli.command(name="list")
@CHARTS_OPTION
def list_charts(charts_dir: Path | None) -> int:
    """List the charts: name, title and source."""
    from chartspec.build import select_charts

    for definition in select_charts(_charts_dir(charts_dir)).values():
        click.echo(f"{definition.name}\t{definition.title}\t{definition.source}")
    return EXIT_OK


def project_defaults(pyproject: Path = Path("pyproject.toml")) -> dict[str, dict[str, object]]:
    """Return click defaults from `[tool.chartspec]` in ./pyproject.toml, per command.

    Keys are long option names without their dashes, e.g. `data = "external"` or
    `inline-max-rows = 0`; each applies to every command that has that option, so `build`
    and `check` always agree.
    """
    import tomllib

    if not pyproject.is_file():
        return {}
    try:
        settings = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ChartspecError(f"cannot read settings: {error}", file=pyproject) from None
    settings = settings.get("chartspec", {})
    known: set[str] = set()
    defaults: dict[str, dict[str, object]] = {}
    for name, command in cli.commands.items():
        for param in command.params:
            for flag in getattr(param, "opts", []):
                key = flag.lstrip("-")
                known.add(key)
                if flag.startswith("--") and key in settings:
                    defaults.setdefault(name, {})[param.name or key] = settings[key]
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ChartspecError(
            f"unknown setting {unknown[0]!r} in [tool.chartspec]",
            file=pyproject,
            hint="use the name of a command-line option, e.g. `data` or `inline-max-rows`",
        )
    return defaults


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    click.echo(f"chartspec: warning: {message}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with its documented status."""
    args = sys.argv[1:] if argv is None else argv
    warnings.showwarning = _show_warning
    try:
        status = cli.main(
            args=args,
            prog_name="chartspec",
            standalone_mode=False,
            default_map=project_defaults(),
        )
    except ChartspecError as error:
        if "--debug" in args:
            traceback.print_exc()
        click.echo(f"chartspec: error: {_one_line(str(error))}", err=True)
        status = EXIT_USAGE
    except OSError as error:
        # The environment refused something (permissions, disk full, a path in the way):
        # the user's to fix, not a bug, as long as it names the path.
        if error.filename is None:
            status = _report_bug(error, args)
        else:
            from chartspec.files import os_error

            if "--debug" in args:
                traceback.print_exc()
            click.echo(f"chartspec: error: {os_error(error, error.filename, 'failed')}", err=True)
            status = EXIT_USAGE
    except click.exceptions.Exit as done:
        status = done.exit_code
    except click.ClickException as error:
        ctx = getattr(error, "ctx", None)  # only a UsageError knows its command
        command = f"chartspec {ctx.info_name}" if ctx else "chartspec"
        if command == "chartspec chartspec":
            command = "chartspec"
        click.echo(f"chartspec: error: {_with_help(error.format_message(), command)}", err=True)
        status = EXIT_USAGE
    except click.Abort:
        click.echo("chartspec: interrupted", err=True)
        status = EXIT_USAGE
    except Exception as error:
        status = _report_bug(error, args)
    sys.exit(status if isinstance(status, int) else EXIT_OK)


def _with_help(message: str, command: str) -> str:
    """Join a usage error and the pointer to the command's help into one line that reads well."""
    # Click puts a missing option's choices on lines of their own.
    what = " ".join(message.split())
    if what.endswith(("?", "!")):  # "... Did you mean '--jobs'?" ends a sentence
        return f"{what} See `{command} --help`."
    return f"{what.rstrip('.')}; see `{command} --help`"


def _one_line(text: str) -> str:
    """Keep a message on one line, whatever text user code or libraries put in it."""
    return " ".join(text.splitlines())


def _report_bug(error: BaseException, args: list[str]) -> int:
    """Say that chartspec itself failed, ask for a report, and return EXIT_BUG."""
    if "--debug" in args:
        traceback.print_exc()
    text = _one_line(str(error))
    click.echo(
        f"chartspec: internal error: {type(error).__name__}: {text}; this is a bug in "
        "chartspec, please report it with the command you ran (add --debug for a traceback)",
        err=True,
    )
    return EXIT_BUG
