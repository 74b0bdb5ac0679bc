"""Tracking the files a chart reads."""

from __future__ import annotations

import json

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
