"""The manifest of what chartspec wrote into a folder: reading it, and which files it may replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartspec.errors import ChartspecError
from chartspec.manifest import MANIFEST_NAME, Manifest, file_hash, manifest_text


def test_a_folder_without_a_manifest_claims_nothing(tmp_path: Path) -> None:
    assert Manifest.read(tmp_path, legacy=False) == Manifest(tmp_path, {})
    # Written before manifests existed: the paths a build writes are taken as chartspec's.
    assert Manifest.read(tmp_path, legacy=True).legacy
    assert not Manifest.read(tmp_path / "not-yet", legacy=True).legacy


def test_the_manifest_reads_back_what_was_written_in_one_canonical_form(tmp_path: Path) -> None:
    files = {"site/b.html": "2" * 64, "a.vl.json": "1" * 64}
    text = manifest_text(files)
    assert text == manifest_text(dict(reversed(files.items())))
    (tmp_path / MANIFEST_NAME).write_text(text, encoding="utf-8")
    assert Manifest.read(tmp_path, legacy=True) == Manifest(tmp_path, files)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{oops", "the list of files chartspec wrote cannot be read"),
        ("[]", "the list of files chartspec wrote has an unknown form"),
        ('{"version": 99, "files": {}}', "the list of files chartspec wrote has an unknown form"),
        ('{"version": 1, "files": []}', "the list of files chartspec wrote has an unknown form"),
    ],
)
def test_a_damaged_manifest_is_one_error_naming_it(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / MANIFEST_NAME
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChartspecError) as raised:
        Manifest.read(tmp_path, legacy=False)
    assert raised.value.file == str(path)
    assert raised.value.what.startswith(reason)
    assert "delete it to let the next build rebuild it" in (raised.value.hint or "")


def test_only_a_file_with_the_bytes_chartspec_wrote_may_be_replaced(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("as written", encoding="utf-8")
    written = file_hash(page)
    manifest = Manifest(tmp_path, {"page.html": str(written)})
    assert manifest.may_replace("page.html", written)
    assert manifest.may_replace("new.html", None)  # nothing there yet
    page.write_text("edited by hand", encoding="utf-8")
    assert not manifest.may_replace("page.html", file_hash(page))
    assert "changed after chartspec wrote it" in str(manifest.refuse("page.html"))
    assert not manifest.may_replace("CNAME", "3" * 64)
    assert "not chartspec's" in str(manifest.refuse("CNAME"))
    assert Manifest(tmp_path, {}, legacy=True).may_replace("CNAME", "3" * 64)


def test_a_folder_in_the_way_has_a_hash_no_file_has(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    assert file_hash(tmp_path / "charts") == "(a folder)"
    assert file_hash(tmp_path / "missing") is None
