"""Tracking the files a chart reads."""

from __future__ import annotations

import json
import threading
import zoneinfo
from pathlib import Path

from chartspec.inputs import declare_input, track_inputs
from chartspec.tables import Column, TableSchema, load_table


def test_files_opened_and_tables_loaded_are_recorded(tmp_path):
    table, other, declared = tmp_path / "t.csv", tmp_path / "o.json", tmp_path / "d.bin"
    table.write_text("a\n1\n")
    other.write_text("{}")
    declared.write_bytes(b"x")
    with track_inputs() as read:
        load_table(table, TableSchema([Column("a", "number")]))
        json.loads(other.read_text())
        declare_input(declared)
    assert read == {str(table), str(other), str(declared)}


def test_library_files_and_written_files_are_not_inputs(tmp_path):
    with track_inputs() as read:
        json.__file__ and open(json.__file__).close()
        (tmp_path / "out.txt").write_text("x")
    assert read == set()


def test_files_other_threads_open_meanwhile_are_not_inputs(tmp_path):
    mine, theirs = tmp_path / "mine.csv", tmp_path / "theirs.html"
    mine.write_text("a\n")
    theirs.write_text("<p>")
    with track_inputs() as read:
        reader = threading.Thread(target=theirs.read_text)  # e.g. the dev server serving a page
        reader.start()
        reader.join()
        mine.read_text()
    assert read == {str(mine)}


def test_the_time_zone_database_is_not_an_input():
    # Read once per process by the libraries, so counting it would change a chart's key.
    utc = next(Path(root) / "UTC" for root in zoneinfo.TZPATH if (Path(root) / "UTC").is_file())
    with track_inputs() as read:
        utc.read_bytes()
    assert read == set()
