"""The files a chart reads lazily, read by the engine the project is set to.

`scan_parquet` and `scan_csv` are the same calls on DuckDB (`lazy.py`, the default) and on
Spark (`spark.py`, `[tool.chartspec.engine] name = "spark"`), so charts never name an engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from chartspec.lazy import LazyTable, duckdb_csv, duckdb_parquet, engine_settings
from chartspec.tables import TableSchema


def scan_parquet(path: str | Path, schema: TableSchema) -> LazyTable:
    """Return the Parquet file, folder of files or glob at `path` as a checked lazy table."""
    return _scan(path, "parquet", schema)


def scan_csv(path: str | Path, schema: TableSchema) -> LazyTable:
    """Return the CSV file, folder of files or glob at `path` as a checked lazy table."""
    return _scan(path, "csv", schema)


def _scan(path: str | Path, kind: Literal["parquet", "csv"], schema: TableSchema) -> LazyTable:
    if engine_settings().name == "spark":
        from chartspec.spark import scan_files  # PySpark and sqlglot only when asked for

        return scan_files(path, kind, schema)
    return (duckdb_parquet if kind == "parquet" else duckdb_csv)(path, schema)
