"""The `chartspec` command: parses arguments and calls the pipeline's stages.

Each command imports the stages it runs when it runs: Altair, pandas and vl-convert take a
second to import, which `chartspec --help` and a usage error need not wait for.
"""

from __future__ import annotations

import sys
import traceback
import warnings
from pathlib import Path
from typing import Any, Literal, NoReturn, TextIO

import click

from chartspec.errors import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    ChartspecError,
    ChartspecException,
    InternalError,
    Interrupted,
    LintWarning,
    UsageError,
)
from chartspec.settings import DEFAULT_CACHE_LIMIT_MB, tool_settings

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
CHART_TIMEOUT_OPTION = click.option(
    "--chart-timeout",
    "chart_timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600,
    show_default=True,
    help="Seconds a chart module may take to import, and a chart function to draw.",
)
QUIET_OPTION = click.option("--quiet", "-q", is_flag=True, help="No progress output on stderr.")
NO_CACHE_OPTION = click.option(
    "--no-cache",
    is_flag=True,
    help="Rebuild everything without reading .chartspec-cache/; the specs built are stored there.",
)
CACHE_LIMIT_OPTION = click.option(
    "--cache-limit",
    "cache_limit_mb",
    type=click.IntRange(min=1),
    default=DEFAULT_CACHE_LIMIT_MB,
    show_default=True,
    help="Megabytes .chartspec-cache/ may hold; past that, what builds used longest ago goes.",
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
FETCH_REMOTE_OPTION = click.option(
    "--fetch-remote",
    is_flag=True,
    help="Fetch remote (http/https) data not pinned yet into specs/data/remote/ and record it "
    "in specs/data/remote.lock.json; pinned data is then read offline.",
)
REFRESH_REMOTE_OPTION = click.option(
    "--refresh-remote",
    is_flag=True,
    help="Fetch all remote data again and update its pins (a changed file shows up in the specs).",
)


def _jobs(jobs: int | None) -> int:
    """Return the number of processes to use: the given one, or one per core."""
    # imported when run: see the module's docstring
    from chartspec.pool import worker_count

    return worker_count(jobs)


def _charts_dir(charts_dir: Path | None) -> Path | None:
    """Return the chart folder to use: the given one, ./charts, or None for the built-ins."""
    if charts_dir is None and Path("charts").is_dir():
        return Path("charts")
    return charts_dir


class ChartspecGroup(click.Group):
    """The `chartspec` group: runs a command with chartspec's warnings and `--debug` tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; its warnings print as one line each, only while it runs."""
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except KeyboardInterrupt:  # before click turns it into Abort and a blank line
                raise Interrupted("interrupted") from None
            except Exception:
                if ctx.params["debug"]:
                    traceback.print_exc()
                raise


@click.group(
    cls=ChartspecGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES,
)
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
@CHART_TIMEOUT_OPTION
@JOBS_OPTION
@QUIET_OPTION
@NO_CACHE_OPTION
@CACHE_LIMIT_OPTION
@FETCH_REMOTE_OPTION
@REFRESH_REMOTE_OPTION
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
    cache_limit_mb: int,
    chart_timeout: float,
    fetch_remote: bool,
    refresh_remote: bool,
) -> int:
    """Write specs/<name>.vl.json for every chart, or the NAMES given, then the site.

    Charts whose code and data are unchanged come from .chartspec-cache/ beside the specs.
    """
    # imported when run: see the module's docstring
    from chartspec.project import build_project

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
        cache_limit_mb=cache_limit_mb,
        time_limit=chart_timeout,
        fetch_remote=fetch_remote,
        refresh_remote=refresh_remote,
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
    help="Folder of Markdown reports to publish too (default: reports/ when --specs is specs/, "
    "so the site is the one `build` publishes; else none).",
)
@JOBS_OPTION
@QUIET_OPTION
@NO_CACHE_OPTION
@CACHE_LIMIT_OPTION
@FETCH_REMOTE_OPTION
@REFRESH_REMOTE_OPTION
def site(
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path | None,
    jobs: int | None,
    quiet: bool,
    no_cache: bool,
    cache_limit_mb: int,
    fetch_remote: bool,
    refresh_remote: bool,
) -> int:
    """Publish a folder of Vega-Lite specs (any, not only built ones) as a static site.

    A spec that cannot be published (unreadable, rejected by check, its data or images
    unreadable, its remote data not pinned) is named on stderr with its reason and left out;
    the others are published, and the exit status is then 1 (2 when none can be published).
    """
    # imported when run: see the module's docstring
    from chartspec.project import publish_outputs
    from chartspec.remote import pin_folder
    from chartspec.site import left_out_specs

    if reports_dir is None and specs_dir == Path("specs"):
        reports_dir = Path("reports")  # a project's own specs: publish what `build` does
    pinned = pin_folder(specs_dir, refresh=refresh_remote) if fetch_remote or refresh_remote else {}

    done = publish_outputs(
        pinned or None,  # the specs stay; pinned copies join them
        specs_dir=specs_dir,
        site_dir=site_dir,
        reports_dir=reports_dir,
        prune=False,
        jobs=_jobs(jobs),
        quiet=quiet,
        use_cache=not no_cache,
        leave_out=True,
        cache_limit_mb=cache_limit_mb,
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
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free one).",
)
@CHARTS_OPTION
@SPECS_OPTION
@SITE_OPTION
@REPORTS_OPTION
@DATA_OPTION
@INLINE_MAX_ROWS_OPTION
@CHART_TIMEOUT_OPTION
@JOBS_OPTION
@CACHE_LIMIT_OPTION
@FETCH_REMOTE_OPTION
def serve(
    port: int,
    charts_dir: Path | None,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path,
    data: Literal["inline", "external"],
    inline_max_rows: int,
    jobs: int | None,
    cache_limit_mb: int,
    chart_timeout: float,
    fetch_remote: bool,
) -> int:
    """Serve the site on 127.0.0.1, rebuilding and reloading when charts, data or specs change.

    Like `build`, only charts whose code or data changed are rebuilt.
    """
    # imported when run: see the module's docstring
    from chartspec.build import load_project_charts
    from chartspec.cache import recorded_inputs
    from chartspec.project import build_project
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
            time_limit=chart_timeout,
            fetch_remote=fetch_remote,
            cache_limit_mb=cache_limit_mb,
        )

    rebuild()
    project = load_project_charts(chosen, specs_dir=specs_dir, time_limit=chart_timeout)
    charts = project.charts
    folders = {d.module_file.parent for d in charts.values()} | {specs_dir, reports_dir}
    read_on_import = {Path(path) for path in project.module_inputs}

    def watched() -> list[Path]:
        """The chart folders, specs and reports, and every file a chart read when last built."""
        return sorted(folders | read_on_import | recorded_inputs(specs_dir, charts))

    try:
        serve_site(site_dir, port=port, rebuild=rebuild, watch=watched)
    except OSError as error:
        raise ChartspecError(
            f"cannot serve on 127.0.0.1:{port} ({error.strerror or error})",
            hint="choose another --port (0 picks a free one)",
        ) from None
    return EXIT_OK


def _rule_list(value: tuple[str, ...]) -> list[str]:
    """Split repeated, comma-separated rule options (`--ignore CS101,CS102 --ignore CS204`)."""
    return [part for item in value for part in item.split(",") if part.strip()]


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
@click.option(
    "--select",
    multiple=True,
    help="Rules to run, by code, code prefix or name (comma-separated; replaces the project's).",
)
@click.option(
    "--ignore", multiple=True, help="Rules to skip, by code, code prefix or name (comma-separated)."
)
@click.option(
    "--rules",
    "rules",
    is_flag=False,
    flag_value="",
    default=None,
    help="List the lint rules, or explain one (--rules CODE), and exit.",
)
@CHART_TIMEOUT_OPTION
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
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    rules: str | None,
    jobs: int | None,
    chart_timeout: float,
) -> int:
    """Validate specs against the pinned schema and lint rules, and find stale specs.

    With FILES, check just those spec files (any Vega-Lite spec). Without, check every spec
    in --specs, that each matches what its chart produces now (--data and --inline-max-rows
    as given to build), and that the site matches a rebuild. Rules are chosen in
    [tool.chartspec.lint] of pyproject.toml and with --select/--ignore; warnings do not fail.
    """
    # imported when run: see the module's docstring
    from chartspec.check import format_problem
    from chartspec.project import check_project
    from chartspec.rules import explain_rule, load_settings, rules_table

    if rules is not None:
        click.echo(explain_rule(rules) if rules else "\n".join(rules_table()))
        return EXIT_OK
    settings = load_settings().with_selection(_rule_list(select) or None, _rule_list(ignore))
    result = check_project(
        files,
        settings=settings,
        charts_dir=_charts_dir(charts_dir),
        specs_dir=specs_dir,
        site_dir=site_dir,
        reports_dir=reports_dir,
        data=data,
        inline_max_rows=inline_max_rows,
        changed=changed,
        jobs=_jobs(jobs),
        time_limit=chart_timeout,
    )
    for checked in result.files:
        if checked.error:
            click.echo(f"chartspec: error: {checked.error}", err=True)
        if checked.crash:
            click.echo(
                f"chartspec: internal error: checking {checked.path}: {checked.crash}; this is a "
                "bug in chartspec, please report it with the file",
                err=True,
            )
        for found in checked.problems:
            click.echo(format_problem(found))
    for stale in result.stale:
        click.echo(str(stale))
    count = len(result.files)
    warned = f", {result.warnings} warning(s)" if result.warnings else ""
    if result.failures:
        click.echo(f"{result.failures} problem(s) in {count} spec(s){warned}", err=True)
    elif result.exit_status == EXIT_OK:
        click.echo(f"{count} spec(s) checked: " + (f"no errors{warned}" if warned else "all clean"))
    return result.exit_status


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
    # imported when run: see the module's docstring
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
    # imported when run: see the module's docstring
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
        return _print_facts(textconv_file)
    # imported when run: see the module's docstring
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
    return _print_facts(file)


def _print_facts(file: Path) -> int:
    """Print a spec file as one line per fact; return the exit status."""
    # imported when run: see the module's docstring
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
    # imported when run: see the module's docstring
    from chartspec.scaffold import init_project

    written = init_project(folder)
    click.echo(f"created {len(written)} file(s) in {folder}/")
    click.echo(f"next: cd {folder} && chartspec build && chartspec check")
    return EXIT_OK


@cli.command(name="list")
@CHARTS_OPTION
def list_charts(charts_dir: Path | None) -> int:
    """List the charts: name, title and source."""
    # imported when run: see the module's docstring
    from chartspec.build import load_project_charts

    for definition in load_project_charts(_charts_dir(charts_dir)).charts.values():
        click.echo(f"{definition.name}\t{definition.title}\t{definition.source}")
    return EXIT_OK


def project_defaults(pyproject: Path = Path("pyproject.toml")) -> dict[str, dict[str, object]]:
    """Return click defaults from `[tool.chartspec]` in ./pyproject.toml, per command.

    Keys are long option names without their dashes, e.g. `data = "external"` or
    `inline-max-rows = 0`; each applies to every command that has that option, so `build`
    and `check` always agree.
    """
    settings = tool_settings(pyproject)
    known: set[str] = set()
    defaults: dict[str, dict[str, object]] = {}
    for name, command in cli.commands.items():
        for param in command.params:
            for flag in getattr(param, "opts", []):
                key = flag.lstrip("-")
                known.add(key)
                if flag.startswith("--") and key in settings:
                    value = _setting(pyproject, key, settings[key], param)
                    defaults.setdefault(name, {})[param.name or key] = value
    # [tool.chartspec.lint]: the rules; [tool.chartspec.engine]: how lazy tables are queried;
    # license: the site's (settings.project_license)
    unknown = sorted(set(settings) - known - {"lint", "engine", "license"})
    if unknown:
        raise ChartspecError(
            f"unknown setting {unknown[0]!r} in [tool.chartspec]",
            file=pyproject,
            hint="use the name of a command-line option, e.g. `data` or `inline-max-rows`",
        )
    return defaults


def _setting(pyproject: Path, key: str, value: object, param: click.Parameter) -> object:
    """Return setting `key` as it is, or raise a one-line error naming the settings file when its
    option would refuse it (click would name only the option)."""
    items = value if getattr(param, "multiple", False) and isinstance(value, list) else [value]
    try:
        for item in items:
            param.type.convert(item, param, None)
    except click.BadParameter as error:
        raise ChartspecError(
            f"{key} = {value!r} in [tool.chartspec]: {error.message.rstrip('.')}",
            file=pyproject,
            hint=f"use a value that --{key} takes",
        ) from None
    return value


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    prefix = "" if issubclass(category, LintWarning) else "chartspec: warning: "
    click.echo(f"{prefix}{message}", err=True)


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI and exit with its documented status."""
    try:
        status = cli.main(
            args=argv,
            prog_name="chartspec",
            standalone_mode=False,
            default_map=project_defaults(),
        )
    except click.exceptions.Exit as done:
        status = done.exit_code
    except (Interrupted, KeyboardInterrupt):
        Interrupted.end_process()
    except Exception as error:
        failure = _as_chartspec_error(error)
        failure.show()
        status = failure.exit_code
    sys.exit(status if isinstance(status, int) else EXIT_OK)


def _as_chartspec_error(error: Exception) -> ChartspecException:
    """Return the chartspec error that reports `error`: bad usage, bad input, or a bug."""
    if isinstance(error, ChartspecException):
        return error
    if isinstance(error, click.ClickException):
        ctx = getattr(error, "ctx", None)  # only a UsageError knows its command
        command = "chartspec" if ctx is None or ctx.parent is None else f"chartspec {ctx.info_name}"
        return UsageError(_with_help(error.format_message(), command))
    if isinstance(error, click.Abort):
        return UsageError("interrupted")
    if isinstance(error, OSError) and error.filename is not None:
        # The environment refused something (permissions, disk full, a path in the way):
        # the user's to fix, not a bug, as long as it names the path.
        from chartspec.files import os_error

        return os_error(error, error.filename, "failed")
    return InternalError.from_exception(error)


def _with_help(message: str, command: str) -> str:
    """Join a usage error and the pointer to the command's help into one line that reads well."""
    # Click puts a missing option's choices on lines of their own.
    what = " ".join(message.split())
    if what.endswith(("?", "!")):  # "... Did you mean '--jobs'?" ends a sentence
        return f"{what} See `{command} --help`."
    return f"{what.rstrip('.')}; see `{command} --help`"
