from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from chartspec.errors import ChartspecError
from chartspec.tables import (
    ChartspecWarning,
    Column,
    TableSchema,
    check_frame,
    load_records,
    load_table,
)
from conftest import run_cli
from leaks import tree_hashes

SCHEMA = TableSchema(
    [
        Column("model"),
        Column("speed", "number", unit="tokens/s", min=0),
        Column("score", "number", min=0, max=100, required=False),
        Column("runs", "integer", required=False),
        Column("day", "date", required=False),
    ],
    key="model",
)
HEADER = "model,speed,score,runs,day\n"


def write(tmp_path, text: str | bytes, name: str = "t.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def error_for(tmp_path, text: str | bytes) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ChartspecError) as caught:
        load_table(path, SCHEMA)
    return str(caught.value).replace(str(path), "t.csv")


def test_loads_typed_columns(tmp_path):
    path = write(tmp_path, HEADER + "a,1.5,40,3,2024-07-01\nb,2e3,,,\n")
    table = load_table(path, SCHEMA)
    assert list(table["model"]) == ["a", "b"]
    assert list(table["speed"]) == [1.5, 2000.0]
    assert table["score"].iloc[0] == 40 and math.isnan(table["score"].iloc[1])
    assert table["runs"].iloc[0] == 3
    assert str(table["day"].iloc[0].date()) == "2024-07-01"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "t.csv: the file is empty; add a header and data rows"),
        (HEADER, "t.csv: the table has a header but no rows; add data rows"),
        (
            "model,score\na,1\n",
            "t.csv:1: missing column 'speed' (the header has 'model', 'score'); "
            "add the column to the file or fix its name in the header",
        ),
        (
            "model;speed;score;runs;day\na;1;2;3;2024-01-01\n",
            "t.csv:1: missing column 'model' (the header has 'model;speed;score;runs;day'); "
            "the header has one column: is the delimiter not a comma?",
        ),
        (
            HEADER + "a,1,2,3,2024-01-01\nb,2,3\n",
            "t.csv:3: the row has 3 cells but the header has 5; "
            "every row needs one cell per column (quote cells that contain commas)",
        ),
        (
            HEADER + "a,fast,2,3,\n",
            "t.csv:2:speed: 'fast' is not a number; write a number (NaN and infinity are not allowed)",
        ),
        (
            HEADER + "a,nan,2,3,\n",
            "t.csv:2:speed: 'nan' is not a number; write a number (NaN and infinity are not allowed)",
        ),
        (
            HEADER + "a,-inf,2,3,\n",
            "t.csv:2:speed: '-inf' is not a number; write a number (NaN and infinity are not allowed)",
        ),
        (
            HEADER + "a,1e999,2,3,\n",
            "t.csv:2:speed: '1e999' is not a number; write a number (NaN and infinity are not allowed)",
        ),
        (HEADER + "a,,2,3,\n", "t.csv:2:speed: empty cell; fill it in"),
        (
            HEADER + "a,1,2,3,\nb,1,2,3,\na,1,2,3,\n",
            "t.csv:4:model: duplicate key 'a' (first on line 2); each row needs its own key",
        ),
        (
            HEADER + "a,-1,2,3,\n",
            "t.csv:2:speed: -1 tokens/s is below the allowed minimum 0; "
            "check the value or the column's declared range",
        ),
        (
            HEADER + "a,1,101,3,\n",
            "t.csv:2:score: 101 is above the allowed maximum 100; check the value or the column's declared range",
        ),
        (
            HEADER + "a,1,2,3.5,\n",
            "t.csv:2:runs: '3.5' is not an integer; write an integer (NaN and infinity are not allowed)",
        ),
        (
            HEADER + "a,1,2,3,yesterday\n",
            "t.csv:2:day: 'yesterday' is not an ISO 8601 date (YYYY-MM-DD); write an ISO 8601 date (YYYY-MM-DD)",
        ),
        (
            "model,speed,speed,score,runs,day\na,1,1,2,3,\n",
            "t.csv:1: duplicate column name 'speed'; rename one",
        ),
        (
            HEADER + 'a,"1,2,3,\n',
            "t.csv:2: malformed CSV (unexpected end of data); check the quoting",
        ),
    ],
)
def test_bad_tables_give_one_line_errors(tmp_path, text, message):
    assert error_for(tmp_path, text) == message


def test_non_utf8_names_the_line(tmp_path):
    message = error_for(tmp_path, (HEADER + "a,1,2,3,\nb\xe9,1,2,3,\n").encode("latin-1"))
    assert message == "t.csv:3: byte 0xe9 at offset 37 is not UTF-8; save the file as UTF-8"


def test_missing_file(tmp_path):
    with pytest.raises(ChartspecError, match="file not found; check the path"):
        load_table(tmp_path / "nope.csv", SCHEMA)


def test_byte_order_mark_is_ignored(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + (HEADER + "a,1,2,3,\n").encode())
    assert list(load_table(path, SCHEMA)["model"]) == ["a"]


def test_extra_column_warns(tmp_path):
    path = write(tmp_path, "model,speed,note\na,1,hello\n")
    with pytest.warns(ChartspecWarning, match="ignoring undeclared column\\(s\\) 'note'"):
        table = load_table(path, TableSchema([Column("model"), Column("speed", "number")]))
    assert list(table.columns) == ["model", "speed"]


def test_schema_refuses_unknown_key():
    with pytest.raises(ValueError, match="key column 'id'"):
        TableSchema([Column("model")], key="id")


def test_schema_refuses_a_list_of_keys():
    with pytest.raises(ValueError, match=r"key is one column's name \(a string\), not \['model'\]"):
        TableSchema([Column("model")], key=["model"])  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["0", "-2.5"])
def test_positive_column_refuses_zero_and_negative(tmp_path, value):
    path = write(tmp_path, f"model,rate\na,1\nb,{value}\n")
    schema = TableSchema([Column("model"), Column("rate", "number", positive=True)])
    with pytest.raises(ChartspecError) as caught:
        load_table(path, schema)
    assert str(caught.value) == (
        f"{path}:3:rate: {float(value):g} is not positive (a log scale needs values > 0); "
        "check the value or the column's declared range"
    )


def test_date_column_with_a_format(tmp_path):
    schema = TableSchema([Column("day", "date", format="%b %d %Y")])
    table = load_table(write(tmp_path, "day\nJan 1 2000\n"), schema)
    assert str(table["day"].iloc[0].date()) == "2000-01-01"
    with pytest.raises(ChartspecError) as caught:
        load_table(write(tmp_path, "day\n2000-01-01\n", "u.csv"), schema)
    assert str(caught.value).endswith(
        "u.csv:2:day: '2000-01-01' is not a date like '%b %d %Y'; write a date like '%b %d %Y'"
    )


def test_only_date_columns_take_a_format():
    with pytest.raises(ValueError, match="only date columns take a format"):
        Column("n", "number", format="%Y")


def test_check_frame_types_and_checks_like_load_table():
    frame = pd.DataFrame(
        {
            "model": ["a", "b"],
            "speed": [1.5, 2000],
            "score": [40, None],
            "runs": [3, None],
            "day": ["2024-07-01", None],
        }
    )
    table = check_frame(frame, SCHEMA, file="frame")
    assert list(table["speed"]) == [1.5, 2000.0]
    assert math.isnan(table["score"].iloc[1])
    assert table["runs"].iloc[0] == 3
    assert str(table["day"].iloc[0].date()) == "2024-07-01"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"model": ["a"]}, "frame: missing column 'speed' (the header has 'model'); "),
        (
            {"model": ["a", "b"], "speed": [1, -2]},
            "frame:2:speed: -2 tokens/s is below the allowed minimum 0; ",
        ),
        (
            {"model": ["a", "a"], "speed": [1, 2]},
            "frame:2:model: duplicate key 'a' (first on line 1)",
        ),
        ({"model": ["a", None], "speed": [1, 2]}, "frame:2:model: empty cell; fill it in"),
        ({"model": ["a"], "speed": ["fast"]}, "frame:1:speed: 'fast' is not a number; "),
    ],
)
def test_check_frame_errors_name_the_row_and_column(frame, message):
    schema = TableSchema(SCHEMA.columns[:2], key="model")
    with pytest.raises(ChartspecError) as caught:
        check_frame(pd.DataFrame(frame), schema, file="frame")
    assert str(caught.value).startswith(message)


def test_load_records_reads_a_json_array(tmp_path):
    path = write(
        tmp_path, '[{"model": "a", "speed": 1, "note": "x"}, {"model": "b", "speed": 2}]', "t.json"
    )
    schema = TableSchema(SCHEMA.columns[:2], key="model")
    with pytest.warns(ChartspecWarning, match="t.json: ignoring undeclared column\\(s\\) 'note'"):
        table = load_records(path, schema)
    assert list(table["model"]) == ["a", "b"] and list(table["speed"]) == [1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "malformed JSON"),
        ('{"model": "a"}', "the file is not a JSON array of objects"),
        ("[]", "the table has no rows"),
        ('[{"model": "a", "speed": -1}]', "t.json:1:speed: -1 tokens/s is below"),
    ],
)
def test_load_records_errors(tmp_path, text, message):
    path = write(tmp_path, text, "t.json")
    with pytest.raises(ChartspecError) as caught:
        load_records(path, TableSchema(SCHEMA.columns[:2], key="model"))
    assert message in str(caught.value).replace(str(path), "t.json")


def _utf16(path):
    path.write_bytes("city,rainfall_mm,rainy_days\nBergen,2250,235\n".encode("utf-16-le"))


def _fifo(path):
    os.mkfifo(path)  # nobody writes: reading it would wait forever


def _zero(path):
    path.symlink_to("/dev/zero")  # endless: reading it would exhaust memory


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            _utf16,
            "the file looks like UTF-16 (a zero byte beside every character); "
            "save the file as UTF-8",
        ),
        (_fifo, "is not a regular file (a device, FIFO or socket); point at a data or image file"),
        (_zero, "is not a regular file (a device, FIFO or socket); point at a data or image file"),
    ],
)
def test_cli_refuses_data_files_that_are_not_tables(tmp_path, make, message):
    project = tmp_path / "project"
    assert run_cli("init", project).returncode == 0
    data = project / "data" / "rainfall.csv"
    data.unlink()
    make(data)
    # nothing of the user's or the outputs changes; the cache may keep the charts it listed
    kept = ("data/", ".chartspec-cache/")
    before = tree_hashes(project, skip=kept)
    done = run_cli("build", cwd=project)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert errors == [f"chartspec: error: {data}: {message}"], done.stderr
    assert tree_hashes(project, skip=kept) == before
