"""Provenance of published charts: metadata JSON, the ZIP download, the page's About section."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chartspec.datatable import reader_datasets
from chartspec.inputs import input_version
from chartspec.project import specs_to_site
from chartspec.provenance import (
    ZIP_DATE,
    chart_metadata,
    files_to_zip,
    metadata_schema,
    spec_inputs,
    table_input,
)
from chartspec.spec import find_specs, load_spec_file
from chartspec.spec_data import LocalFiles, dataset_to_csv

TITLE = "Rainfall at two stations"
SOURCE = "Met Office station records"
DESCRIPTION = "Bar chart of the yearly rainfall at Oxford and Durham in 2020."


def _validator() -> jsonschema.protocols.Validator:
    schema = metadata_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _hand_written_spec() -> dict[str, Any]:
    """A spec written by hand, giving its provenance through `usermeta`."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": {"text": TITLE, "subtitle": f"Source: {SOURCE}"},
        "description": DESCRIPTION,
        "data": {"url": "data/rain.csv"},
        "mark": "bar",
        "encoding": {
            "x": {"field": "station", "type": "nominal"},
            "y": {"field": "rain", "type": "quantitative"},
        },  # fmt: skip
        "usermeta": {
            "chartspec": {
                "title": TITLE,
                "source": SOURCE,
                "sources": [
                    {
                        "name": SOURCE,
                        "url": "https://www.metoffice.gov.uk/research/climate/maps-and-data",
                        "retrieved": "2021-01-04",
                        "note": "monthly totals",
                    },
                    "Station metadata, Met Office",
                ],
                "notes": ["Monthly totals summed by year.", "Months with a gap are left out."],
                "license": "Open Government Licence v3.0",
                "key": "station",
                "columns": [
                    {"name": "station", "description": "the station's name"},
                    {"name": "rain", "type": "number", "unit": "mm", "decimals": 1},
                ],
            }
        },
    }


@pytest.fixture(scope="module")
def hand_written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A specs folder with one hand-written spec and its data file, and a report."""
    root = tmp_path_factory.mktemp("provenance")
    specs = root / "specs"
    (specs / "data").mkdir(parents=True)
    (specs / "data" / "rain.csv").write_text("station,rain\nOxford,712.4\nDurham,655.0\n")
    text = json.dumps(_hand_written_spec(), indent=2, ensure_ascii=False) + "\n"
    (specs / "rain.vl.json").write_text(text, encoding="utf-8")
    (root / "reports").mkdir()
    (root / "reports" / "rain-report.md").write_text("# Rain in 2020\n\n{{ chart: rain }}\n")
    return root


@pytest.fixture(scope="module")
def site(hand_written: Path) -> Path:
    out = hand_written / "site"
    specs_to_site(hand_written / "specs", out, reports=[hand_written / "reports/rain-report.md"])
    return out


def test_zip_bytes_depend_only_on_the_files() -> None:
    files = {"b.csv": b"x,y\n1,2\n", "a.png": b"\x89PNG" + bytes(200), "README.md": b"# A\n"}
    packed = files_to_zip(files)
    assert packed == files_to_zip(dict(reversed(files.items())))
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["README.md", "a.png", "b.csv"]
        assert {i.date_time for i in infos} == {ZIP_DATE}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        assert [i.compress_type for i in infos] == [
            zipfile.ZIP_DEFLATED,
            zipfile.ZIP_STORED,  # a PNG is compressed already
            zipfile.ZIP_DEFLATED,
        ]
        assert {i.filename: archive.read(i) for i in infos} == files


def test_an_input_is_named_by_its_project_path(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "data").mkdir()
    table = tmp_path / "data" / "sales.csv"
    table.write_bytes(b"region,revenue\nnorth,12.5\n")
    found = table_input(table, module_file=tmp_path / "charts" / "sales.py")
    assert found == {"path": "data/sales.csv"}
    elsewhere = table_input(table, module_file=tmp_path / "a" / "b" / "c" / "x.py")
    assert elsewhere["path"] == "sales.csv"  # outside the project: no local folders named


def test_metadata_of_a_hand_written_spec_is_valid_and_complete(site: Path) -> None:
    metadata = json.loads((site / "charts/rain.metadata.json").read_text(encoding="utf-8"))
    _validator().validate(metadata)
    assert metadata["title"] == TITLE and metadata["description"] == DESCRIPTION
    assert metadata["sources"] == [
        {
            "name": SOURCE,
            "url": "https://www.metoffice.gov.uk/research/climate/maps-and-data",
            "retrieved": "2021-01-04",
            "note": "monthly totals",
        },
        {"name": "Station metadata, Met Office"},
    ]
    assert metadata["notes"] == [
        "Monthly totals summed by year.",
        "Months with a gap are left out.",
    ]
    assert metadata["license"] == "Open Government Licence v3.0"
    assert metadata["key"] == "station"
    assert metadata["columns"][1] == {"name": "rain", "type": "number", "unit": "mm", "decimals": 1}
    [data] = metadata["data"]
    csv = (site / "charts" / data["file"]).read_bytes()
    assert data["rows"] == 2 and data["sha256"] == hashlib.sha256(csv).hexdigest()
    assert metadata["versions"]["vega-lite"] == "6"  # the version the spec's $schema names


def test_zip_holds_readme_data_spec_and_drawings_the_same_across_builds(
    hand_written: Path, site: Path, tmp_path: Path
) -> None:
    again = tmp_path / "site"
    specs_to_site(hand_written / "specs", again, reports=[hand_written / "reports/rain-report.md"])
    packed = (site / "charts/rain.zip").read_bytes()
    assert packed == (again / "charts/rain.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert names == [
            "README.md",
            "rain.csv",  # the declared columns, as the page's table shows them
            "rain.metadata.json",
            "rain.png",
            "rain.svg",
            "rain.vl.json",
        ]
        for name in names[1:]:
            assert archive.read(name) == (site / "charts" / name).read_bytes(), name
        readme = archive.read("README.md").decode("utf-8")
    assert readme.startswith(f"# {TITLE}\n\n{DESCRIPTION}\n")
    assert f"- {SOURCE}, <https://www.metoffice.gov.uk/" in readme
    assert "| rain | number | mm |" in readme
    assert "Open Government Licence v3.0" in readme
    assert "- Months with a gap are left out." in readme


class _Text(HTMLParser):
    """The text of a page, leaving out the drawing, the embed snippet and the head."""

    SKIPPED = ("fallback", "snippet")
    VOID = frozenset({"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self._skip: list[str] = []
        self._in_body = False
        self._section: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._in_body |= tag == "body"
        if tag in self.VOID:  # no end tag follows
            return
        if self._skip or any(c in (found.get("class") or "").split() for c in self.SKIPPED):
            self._skip.append(tag)
        if tag == "section":
            self._section.append(found.get("id") or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
        if tag == "section":
            self._section.pop()

    def handle_data(self, data: str) -> None:
        if self._in_body and not self._skip and data.strip():
            self.text.append(data)
            if self._section:
                self.sections.setdefault(self._section[-1], []).append(data)


def _page_text(page: Path) -> _Text:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_page_states_title_description_and_source_once(site: Path) -> None:
    page = _page_text(site / "rain.html")
    text = " ".join(page.text)
    assert text.count(TITLE) == 1  # the heading; the drawing shows it to sighted readers
    assert text.count(DESCRIPTION) == 1
    assert text.count(SOURCE) == 1  # in About this data; the drawing's subtitle shows it too
    html = (site / "rain.html").read_text(encoding="utf-8")
    assert f'<h1 class="visually-hidden">{TITLE}</h1>' in html


def test_page_says_where_the_data_comes_from(site: Path) -> None:
    about = " ".join(_page_text(site / "rain.html").sections["about"])
    assert "About this data" in about
    for said in (SOURCE, "retrieved 2021-01-04", "Station metadata, Met Office",
                 "Monthly totals summed by year.", "Open Government Licence v3.0", "mm"):  # fmt: skip
        assert said in about, said
    html = (site / "rain.html").read_text(encoding="utf-8")
    assert 'href="charts/rain.zip" download' in html
    assert 'href="charts/rain.metadata.json" download' in html


def test_index_lists_the_reports(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="rain-report.html">Rain in 2020</a>' in html
    assert "1 chart and 1 report" in html
    assert (site / "rain-report.html").is_file()


def test_a_chart_function_gives_notes_licence_and_inputs(project: Path, cli: Any) -> None:
    module = project / "charts" / "speed.py"
    code = module.read_text(encoding="utf-8")
    module.write_text(
        code.replace('source="made up")', 'source="made up", notes="Speeds rounded.")'),
        encoding="utf-8",
    )
    (project / "pyproject.toml").write_text('[tool.chartspec]\nlicense = "CC-BY-4.0"\n')
    done = cli("build", cwd=project)
    assert done.returncode == 0, done.stderr
    spec = json.loads((project / "specs/speed.vl.json").read_text(encoding="utf-8"))
    assert spec["usermeta"]["chartspec"]["notes"] == ["Speeds rounded."]
    assert spec["usermeta"]["chartspec"]["inputs"] == [{"path": "charts/data.csv"}]
    metadata = json.loads((project / "site/charts/speed.metadata.json").read_text("utf-8"))
    _validator().validate(metadata)
    assert metadata["license"] == "CC-BY-4.0"  # the project's, since the chart gives none
    assert metadata["notes"] == ["Speeds rounded."]
    table = (project / "charts/data.csv").read_bytes()
    assert metadata["inputs"] == [{"path": "charts/data.csv", **input_version(table)}]
    assert metadata["sources"] == [{"name": "made up"}]
    check = cli("check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    (project / "pyproject.toml").write_text('[tool.chartspec]\nlicense = "CC0-1.0"\n')
    assert cli("check", cwd=project).returncode == 1  # the site names the old licence
    assert cli("build", cwd=project).returncode == 0
    metadata = json.loads((project / "site/charts/speed.metadata.json").read_text("utf-8"))
    assert metadata["license"] == "CC0-1.0"


def test_every_builtin_chart_has_valid_metadata(repo: Path) -> None:
    validator = _validator()
    specs = repo / "specs"
    for path in find_specs(specs):
        spec = load_spec_file(path)
        meta = spec["usermeta"]["chartspec"]
        files = LocalFiles(path.parent, roots=[specs], source=path)
        datasets = reader_datasets(spec, files, title=meta["title"], source=path)
        metadata = chart_metadata(
            spec,
            name=meta["name"],
            title=meta["title"],
            description=spec["description"],
            data_files=[
                (f"{meta['name']}.csv", ds.label, len(ds.rows), dataset_to_csv(ds).encode())
                for ds in datasets
            ],
        )
        errors = [e.message for e in validator.iter_errors(metadata)]
        assert errors == [], (path.name, errors)
        assert metadata["sources"], path.name
        if meta.get("columns"):
            assert all(c["type"] for c in metadata["columns"]), path.name


def test_an_input_version_is_the_same_on_every_checkout() -> None:
    unix = input_version(b"region,revenue\nnorth,12.5\n")
    assert input_version(b"region,revenue\r\nnorth,12.5\r\n") == unix  # a Windows checkout
    bom = input_version(b"\xef\xbb\xbfregion,revenue\nnorth,12.5\n")
    assert bom["sha256"] == unix["sha256"]  # the same data
    assert bom["git_blob"] != unix["git_blob"]  # git keeps a byte order mark
    assert unix == {
        "sha256": hashlib.sha256(b"region,revenue\nnorth,12.5\n").hexdigest(),
        "git_blob": hashlib.sha1(b"blob 26\0region,revenue\nnorth,12.5\n").hexdigest(),
    }
    binary = b"PAR1\r\n\0\xff"
    assert input_version(binary)["sha256"] == hashlib.sha256(binary).hexdigest()


def test_only_inputs_inside_the_project_are_versioned(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    (tmp_path.parent / "outside.csv").write_text("x\n2\n")
    recorded = ["data/a.csv", "../outside.csv", "missing.csv", str(tmp_path / "data" / "a.csv")]
    spec = {"usermeta": {"chartspec": {"inputs": [{"path": p} for p in recorded]}}}
    found = spec_inputs(spec, root=tmp_path)
    assert found[0] == {"path": "data/a.csv", **input_version(b"x\n1\n")}
    assert found[1:] == [{"path": p} for p in recorded[1:]]
    assert spec_inputs(spec) == [{"path": p} for p in recorded]  # no project: no versions


_BUILD_FILES = ".chartspec-cache/\n.chartspec-lock\n"  # what a project's .gitignore names


def _git(project: Path, *args: str) -> str:
    """Run git in `project` as a user without settings of their own would."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _metadata(project: Path) -> dict[str, Any]:
    metadata: dict[str, Any] = json.loads(
        (project / "site/charts/speed.metadata.json").read_text("utf-8")
    )
    _validator().validate(metadata)
    return metadata


def test_a_site_outside_version_control_names_its_commit(project: Path, cli: Any) -> None:
    """A site the repository ignores is deployed, not committed: it names the commit it was
    built from and the chart's files that differed from it, and a later commit alone does
    not make it stale."""
    (project / ".gitignore").write_text("site/\n" + _BUILD_FILES)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "charts")
    assert cli("build", cwd=project).returncode == 0
    head = _git(project, "rev-parse", "HEAD")
    metadata = _metadata(project)
    assert metadata["code"] == "charts/speed.py"
    assert metadata["revision"] == {"commit": head, "uncommitted": []}
    page = (project / "site/speed.html").read_text(encoding="utf-8")
    assert f'Built from commit <code title="{head}">{head[:12]}</code></dd>' in page
    with zipfile.ZipFile(project / "site/charts/speed.zip") as archive:
        readme = archive.read("README.md").decode("utf-8")
    assert f"Built from commit `{head}`." in readme

    table = project / "charts" / "data.csv"
    table.write_text(table.read_text(encoding="utf-8").replace("47.8", "47.9"), encoding="utf-8")
    assert cli("build", cwd=project).returncode == 0
    changed = ["charts/data.csv", "specs/speed.vl.json"]  # the spec holds the data
    assert _metadata(project)["revision"] == {"commit": head, "uncommitted": changed}
    page = (project / "site/speed.html").read_text(encoding="utf-8")
    assert "with uncommitted changes to <code>charts/data.csv</code>, <code>specs/" in page
    before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    _git(project, "commit", "-qam", "new numbers")
    done = cli("check", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr  # it names what it was built from
    assert {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()} == before
    assert cli("build", cwd=project).returncode == 0
    head = _git(project, "rev-parse", "HEAD")
    assert _metadata(project)["revision"] == {"commit": head, "uncommitted": []}
    (project / ".gitignore").write_text(_BUILD_FILES)  # the site is to be committed
    done = cli("check", cwd=project)
    assert done.returncode == 1 and "speed.metadata.json" in done.stdout, done.stdout


def test_a_clone_checks_clean_before_its_deployed_site_is_built(
    project: Path, cli: Any, tmp_path: Path
) -> None:
    """CI checks a fresh clone before it builds: a site the repository ignores is not there
    yet, and not missing; a site the repository commits is missing."""
    (project / ".gitignore").write_text("site/\n" + _BUILD_FILES)
    assert cli("build", cwd=project).returncode == 0
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "charts")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(project), str(clone))
    assert not (clone / "site").exists()
    done = cli("check", cwd=clone)
    assert done.returncode == 0, done.stdout + done.stderr
    (clone / ".gitignore").write_text(_BUILD_FILES)  # the site is to be committed
    done = cli("check", cwd=clone)
    assert done.returncode == 1 and "missing from the site" in done.stdout, done.stdout


def test_a_site_outside_a_repository_names_no_commit(site: Path) -> None:
    metadata = json.loads((site / "charts/rain.metadata.json").read_text(encoding="utf-8"))
    assert "revision" not in metadata and "code" not in metadata  # a hand-written spec
    assert "Built from commit" not in (site / "rain.html").read_text(encoding="utf-8")


def test_build_commit_check_stays_clean_with_input_versions(project: Path, cli: Any) -> None:
    """A site committed with the project names no commit (none can be the one holding it), so
    committing it leaves it a rebuild's equal; the input's git blob is the one git stores,
    even from a checkout with CRLF line ends."""
    assert cli("build", cwd=project).returncode == 0
    (project / ".gitignore").write_text(_BUILD_FILES)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "-c", "core.autocrlf=false", "commit", "-qm", "charts")
    done = cli("check", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert cli("build", cwd=project).returncode == 0
    assert _git(project, "status", "--porcelain") == ""  # the rebuild is byte-identical
    metadata = _metadata(project)
    assert "revision" not in metadata
    stored = subprocess.run(
        ["git", "rev-parse", "HEAD:charts/data.csv"],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert metadata["inputs"][0]["git_blob"] == stored
    table = project / "charts" / "data.csv"
    table.write_bytes(table.read_bytes().replace(b"\n", b"\r\n"))  # as Windows checks it out
    done = cli("check", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
