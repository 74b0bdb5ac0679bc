"""Comparing git revisions, folders and the work tree: `chartspec diff` on a repository."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest

from chartspec.vcs import site_revision
from test_diff import ROWS, make_spec, write


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope-rev",), "chartspec: error: unknown revision 'nope-rev'"),
        (("HEAD", "bad.vl.json"), "chartspec: error: cannot compare a spec file with a folder"),
        (("bad.vl.json", "bad.vl.json"), "chartspec: error: bad.vl.json:1:2: not valid JSON"),
        (("a", "b", "--chart", "zzz"), "chartspec: error: no chart named 'zzz' on either side"),
    ],
)
def test_cli_bad_input(git_repo, cli, args, message):
    (git_repo / "bad.vl.json").write_text("{oops")
    (git_repo / "a").mkdir()
    (git_repo / "b").mkdir()
    done = cli("diff", *args, cwd=git_repo)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(message), done.stderr


def test_cli_outside_a_git_repository(tmp_path, cli):
    done = cli("diff", cwd=tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert done.returncode == 2
    assert done.stderr.startswith("chartspec: error: ") and "not a git repository" in done.stderr


# --------------------------------------------------------------------------- git


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def git_repo(tmp_path) -> Path:
    """A git repository with two committed charts."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "config", "commit.gpgsign", "false")
    write(repo / "specs" / "speed.vl.json", make_spec())
    write(repo / "specs" / "other.vl.json", make_spec(title="Other"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Add charts")
    return repo


def test_git_revisions(git_repo, cli):
    write(git_repo / "specs" / "speed.vl.json", make_spec(mark="circle"))
    work_tree = cli("diff", cwd=git_repo)  # HEAD against the work tree
    assert work_tree.returncode == 1
    assert work_tree.stdout.splitlines()[:2] == ["speed: changed", "  mark: point → circle"]
    git(git_repo, "commit", "-q", "-am", "Circles")
    done = cli("diff", "HEAD~1", "HEAD", cwd=git_repo)
    assert done.returncode == 1
    assert done.stdout == "speed: changed\n  mark: point → circle\n2 charts compared: 1 changed\n"
    assert cli("diff", cwd=git_repo).returncode == 0


def test_git_revision_with_data_files(git_repo, cli):
    def commit(score: float) -> None:
        spec = make_spec()
        del spec["datasets"]
        spec["data"] = {
            "url": f"data/t.{score}.csv",
            "format": {"type": "csv", "parse": {"score": "number"}},
        }
        write(git_repo / "specs" / "speed.vl.json", spec)
        (git_repo / "specs" / "data").mkdir(exist_ok=True)
        for old in (git_repo / "specs" / "data").iterdir():
            old.unlink()
        (git_repo / "specs" / "data" / f"t.{score}.csv").write_text(f"model,score\nPhi-2,{score}\n")
        git(git_repo, "add", "-A")
        git(git_repo, "commit", "-q", "-m", f"score {score}")

    commit(35.36)
    commit(35.5)
    done = cli("diff", "HEAD~1", "HEAD", "--chart", "speed", cwd=git_repo)
    assert done.stdout.splitlines()[1:] == [
        "  data: rows matched by key column 'model': 1 changed",
        "  data: row 'Phi-2': score 35.36 → 35.5",
        "1 chart compared: 1 changed",
    ]


def test_branches_changing_different_charts_merge_cleanly(git_repo, cli):
    git(git_repo, "checkout", "-q", "-b", "colour")
    write(git_repo / "specs" / "speed.vl.json", make_spec(mark="circle"))
    git(git_repo, "commit", "-q", "-am", "Circles")
    git(git_repo, "checkout", "-q", "main")
    rows = copy.deepcopy(ROWS)
    rows[1]["score"] = 35.5
    write(git_repo / "specs" / "other.vl.json", make_spec(rows, title="Other"))
    git(git_repo, "commit", "-q", "-am", "New Phi-2 score")
    git(git_repo, "merge", "-q", "--no-edit", "colour")  # check=True: fails on a conflict
    done = cli("diff", "HEAD~2", "HEAD", cwd=git_repo)
    assert done.stdout.splitlines() == [
        "other: changed",
        "  data: rows matched by key column 'model': 1 changed",
        "  data: row 'Phi-2': score 35.36 → 35.5",
        "speed: changed",
        "  mark: point → circle",
        "2 charts compared: 2 changed",
    ]


def changed_lines(repo: Path, *paths: str) -> list[str]:
    """Return the removed and added lines of `git diff` (index and work tree against HEAD)."""
    git(repo, "add", "-A")
    out = git(repo, "diff", "--cached", "-M", "-U0", "--", *paths).splitlines()
    return [line for line in out if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_one_changed_data_row_is_one_changed_line(git_repo):
    from chartspec.datafiles import externalize_data

    def place(rows: list[dict]) -> None:
        spec, files = externalize_data(make_spec(rows), name="speed", max_inline_rows=0)
        write(git_repo / "specs" / "speed.vl.json", spec)
        for old in (git_repo / "specs" / "data").glob("*"):
            old.unlink()
        for relative, content in files.items():
            (git_repo / "specs" / relative).parent.mkdir(exist_ok=True)
            (git_repo / "specs" / relative).write_bytes(content)

    place(ROWS)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "External data")
    rows = copy.deepcopy(ROWS)
    rows[1]["score"] = 35.5
    place(rows)
    # External data: the spec changes in one line (the file's URL), the data in one row.
    spec_lines = changed_lines(git_repo, "specs/speed.vl.json")
    assert len(spec_lines) == 2 and all('"url": "data/speed.' in line for line in spec_lines)
    assert changed_lines(git_repo, "specs/data") == ["-Phi-2,35.36,622.2", "+Phi-2,35.5,622.2"]
    # Inline data: one row line, plus the content-hash name where it is defined and used.
    git(git_repo, "commit", "-q", "-m", "New score")
    write(git_repo / "specs" / "speed.vl.json", make_spec(ROWS))
    git(git_repo, "commit", "-q", "-am", "Inline again")
    write(git_repo / "specs" / "speed.vl.json", make_spec(rows))
    inline = changed_lines(git_repo, "specs/speed.vl.json")
    assert len(inline) == 6
    assert [line for line in inline if "Phi-2" in line] == [
        '-      {"model":"Phi-2","score":35.36,"speed":622.2},',
        '+      {"model":"Phi-2","score":35.5,"speed":622.2},',
    ]


def test_textconv_gives_a_semantic_git_diff(git_repo, cli, repo):
    (git_repo / ".gitattributes").write_text("*.vl.json diff=chartspec\n")
    git(git_repo, "config", "diff.chartspec.textconv", f"{cli_command(repo)} textconv")
    rows = copy.deepcopy(ROWS)
    rows[1]["score"] = 35.5
    write(git_repo / "specs" / "speed.vl.json", make_spec(rows, mark="circle"))
    changed = [
        line
        for line in git(git_repo, "diff", "-U0", "--", "specs/speed.vl.json").splitlines()
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == [
        "-mark: point",
        "+mark: circle",
        "-data: row 'Phi-2': score 35.36",
        "+data: row 'Phi-2': score 35.5",
    ]
    same = cli("diff", "--textconv", git_repo / "specs" / "speed.vl.json")
    assert same.returncode == 0 and "mark: circle" in same.stdout.splitlines()


def cli_command(repo: Path) -> str:
    """Return a shell command that runs this checkout's chartspec."""
    import shlex
    import sys

    path = shlex.quote(str(repo / "src"))
    return f"env PYTHONPATH={path} {shlex.quote(sys.executable)} -m chartspec"


def test_visual_side_by_side(git_repo, cli):
    from PIL import Image

    write(git_repo / "specs" / "speed.vl.json", make_spec(mark="circle"))
    done = cli("diff", "--visual", "shots", cwd=git_repo)
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in (git_repo / "shots").iterdir()) == ["speed.png"]
    image = Image.open(git_repo / "shots" / "speed.png")
    single = Image.open(
        __import__("io").BytesIO(__import__("vl_convert").vegalite_to_png(make_spec()))
    )
    assert image.width > 2 * single.width and image.height > single.height


# --------------------------------------------------------------------------- the commit a site names


def test_a_site_names_head_when_git_does_not_commit_it(git_repo, tmp_path):
    specs = git_repo / "specs"
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert site_revision(specs, git_repo / "site") is None  # would be committed with it
    (git_repo / ".gitignore").write_text("site/\n")
    ignored = site_revision(specs, git_repo / "site")  # ignored, though not made yet
    assert ignored is not None and ignored.commit == head
    outside = site_revision(specs, tmp_path / "deploy" / "site")  # in no repository
    assert outside is not None and outside.commit == head
    git(git_repo, "checkout", "-q", "--detach")  # as CI checks a commit out
    assert site_revision(specs, git_repo / "site") == ignored


def test_a_site_names_no_commit_without_one(git_repo, tmp_path, monkeypatch):
    (git_repo / ".gitignore").write_text("site/\n")
    (git_repo / "site").mkdir()
    (git_repo / "site" / "index.html").write_text("<!doctype html>\n")
    git(git_repo, "add", "-f", "site")  # committed before the folder was ignored
    git(git_repo, "commit", "-q", "-m", "Publish")
    assert site_revision(git_repo / "specs", git_repo / "site") is None
    empty = tmp_path / "empty"
    (empty / "specs").mkdir(parents=True)
    git(empty, "init", "-q")
    assert site_revision(empty / "specs", tmp_path / "out") is None  # no commit yet
    plain = tmp_path / "plain"
    (plain / "specs").mkdir(parents=True)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert site_revision(plain / "specs", tmp_path / "out") is None  # not a repository
    assert site_revision(git_repo / "specs", tmp_path / "out", commit="f" * 40) is None
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    assert site_revision(git_repo / "specs", tmp_path / "out") is None  # git not installed


def test_a_revision_names_files_whose_content_is_not_the_commits(git_repo):
    revision = site_revision(git_repo / "specs", git_repo.parent / "out")
    assert revision is not None
    committed = (git_repo / "specs" / "speed.vl.json").read_bytes()
    files = {
        "specs/speed.vl.json": committed.replace(b"\n", b"\r\n"),  # a Windows checkout
        "specs/other.vl.json": b"{}\n",  # changed
        "charts/new.csv": b"x\n",  # never committed
    }
    assert revision.uncommitted(files) == ["charts/new.csv", "specs/other.vl.json"]
