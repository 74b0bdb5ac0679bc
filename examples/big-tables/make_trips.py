"""Write a synthetic table of taxi-like trips as Parquet: `python make_trips.py --rows 10000000`.

The trips are made by hashing each row's number, so the same row count gives the same table on
every machine. Needs DuckDB (`pip install 'chartspec[duckdb]'`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
TRIPS = HERE / "data" / "trips"

# Rush hours on weekdays, late mornings to nights at weekends, short trips more than long ones.
TRIPS_SQL = """
WITH draws AS (
    SELECT hash(i) AS a, hash(i + 1000000007) AS b, hash(i + 2000000014) AS c
    FROM range({rows}) AS r(i)
), days AS (
    SELECT *, DATE '2024-01-01' + CAST(a % 366 AS INTEGER) AS day, (b % 1000) / 1000 AS u FROM draws
)
SELECT
    day + to_seconds(CAST(
        3600 * CASE
            WHEN dayofweek(day) IN (0, 6) THEN 10 + c % 14
            WHEN u < 0.3 THEN 7 + c % 3
            WHEN u < 0.6 THEN 16 + c % 4
            ELSE c % 24
        END + (a >> 20) % 3600 AS BIGINT)) AS pickup,
    round(exp(0.9 + 0.35 * (((a >> 40) % 1000 + (b >> 40) % 1000 + (c >> 40) % 1000) / 500 - 3)
        * 1.7), 2) AS distance_km,
    CAST(1 + (c >> 50) % 4 AS INTEGER) AS passengers
FROM days
"""


def write_trips(rows: int, folder: Path = TRIPS) -> Path:
    """Write `rows` trips to `folder`/trips.parquet, replacing the table written before."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "trips.parquet"
    query = TRIPS_SQL.format(rows=int(rows))
    duckdb.sql(f"COPY ({query}) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=TRIPS, help="folder of the table")
    args = parser.parse_args()
    print(write_trips(args.rows, args.out))


if __name__ == "__main__":
    main()
