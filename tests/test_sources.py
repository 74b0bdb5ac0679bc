"""Tests for chartspec.sources: a chart's scan_parquet and scan_csv read by the project's engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import chartspec.spark
from chartspec.sources import scan_csv, scan_parquet
from test_lazy import SCHEMA, parquet


@pytest.fixture
def csv_and_parquet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)  # the engine is the one ./pyproject.toml sets
    monkeypatch.delenv("CHARTSPEC_ENGINE", raising=False)
    table = parquet(tmp_path / "t.parquet")
    (tmp_path / "t.csv").write_text("id,km,n\nr1,0.5,3\nr2,1.5,4\n", encoding="utf-8")
    return tmp_path / "t.csv", table


def test_without_a_setting_duckdb_reads_the_files(csv_and_parquet: tuple[Path, Path]) -> None:
    csv, table = csv_and_parquet
    for scanned, kind in ((scan_csv(csv, SCHEMA), "csv"), (scan_parquet(table, SCHEMA), "parquet")):
        assert scanned.kind == kind and scanned.schema == SCHEMA
        assert f"read_{kind}(" in scanned.reader


@pytest.mark.parametrize("how", ["pyproject", "variable"])
def test_a_project_set_to_spark_hands_the_files_to_spark(
    csv_and_parquet: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    csv, table = csv_and_parquet
    if how == "pyproject":
        Path("pyproject.toml").write_text('[tool.chartspec.engine]\nname = "spark"\n')
    else:
        monkeypatch.setenv("CHARTSPEC_ENGINE", "spark")
    handed: list[tuple[Any, ...]] = []
    monkeypatch.setattr(chartspec.spark, "scan_files", lambda *args: handed.append(args))
    scan_csv(csv, SCHEMA)
    scan_parquet(table, SCHEMA)
    assert handed == [(csv, "csv", SCHEMA), (table, "parquet", SCHEMA)]
