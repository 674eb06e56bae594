"""Where the SQL in queries/ runs: DuckDB, embedded and the default, on the database file or on the
Parquet layout (jcp.measures.parquet), or Spark (jcp.measures.spark).

An engine takes a query's name and its bound parameters and gives back a polars frame. It knows
nothing of requests, scope or disclosure control: the runner (jcp.measures.runner) sits above it, so
every engine gets the same checks, the same narrowing to the scope and the same suppression.
"""

from __future__ import annotations

import os

import duckdb
import polars as pl
import polars.selectors as cs

from jcp.extract.db import DatabaseOutdated, connect_read_only, database_path
from jcp.measures.parquet import connect_parquet
from jcp.measures.queries import (
    QUERIES_DIR,
    Engine,
    EngineUnavailable,
    query_sql,
    sql_parameters,
)

ENGINES = ("duckdb", "parquet", "spark")
# The engines that read the Parquet folder `export-parquet` wrote, not a database file.
PARQUET_ENGINES = ("parquet", "spark")


class DuckDBEngine:
    """Queries run on a DuckDB connection, one cursor per query (safe across threads)."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str = "duckdb") -> None:
        self.con = con
        self.name = name  # "parquet" on the views over the Parquet layout

    def query(self, name: str, params: dict[str, object] | None = None) -> pl.DataFrame:
        cursor = self.con.cursor()
        try:
            frame = cursor.sql(query_sql(name), params=params or None).pl()
        finally:
            cursor.close()
        # Enumerations are stored as ENUMs (docs/data-contract.md §4), which polars reads as
        # categoricals: a measure answers in text, as it does on Spark.
        return frame.with_columns((cs.categorical() | cs.enum()).cast(pl.String))

    def columns(self, name: str) -> list[str] | None:
        sql = query_sql(name)
        cursor = self.con.cursor()
        try:
            # Bound, not run: every parameter NULL, DuckDB only plans the query (~5 ms).
            rows = cursor.execute(
                "describe " + sql, dict.fromkeys(sql_parameters(sql)) or None
            ).fetchall()
        finally:
            cursor.close()
        return [row[0] for row in rows]

    def close(self) -> None:
        self.con.close()


def open_engine(
    engine: str = "duckdb",
    *,
    db: str | os.PathLike | None = None,
    parquet: str | os.PathLike | None = None,
    spark_master: str = "local[2]",
) -> Engine:
    """DuckDB on the database file (--db, $JCP_DB or the default), or DuckDB ("parquet") or Spark
    on a Parquet export."""
    if engine == "duckdb":
        path = database_path(db)
        con = connect_read_only(path)
        check_built_tables(con, path)
        return DuckDBEngine(con)
    if engine in PARQUET_ENGINES and parquet is None:
        raise EngineUnavailable(f"the {engine} engine needs the Parquet folder (--parquet DIR)")
    if engine == "parquet":
        con = connect_parquet(parquet)
        check_built_tables(con, parquet, exported=True)
        return DuckDBEngine(con, name="parquet")
    if engine == "spark":
        try:
            from jcp.measures.spark import SparkEngine
        except ImportError as exc:
            raise EngineUnavailable(
                f"the Spark engine needs its extras: pip install '.[spark]' ({exc})"
            ) from None
        return SparkEngine(parquet, spark_master)
    raise EngineUnavailable(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")


def check_built_tables(
    con: duckdb.DuckDBPyConnection, path: str | os.PathLike, *, exported: bool = False
) -> None:
    """Refuse a database an older loader built (or, `exported`, a Parquet layout an older
    export-parquet wrote), naming what it lacks, rather than fail later on the first query that
    reads a table (a fact table or summary) or column it does not have."""
    cursor = con.cursor()
    try:
        # The database's tables, or the Parquet engine's views of the layout's tables.
        built = {row[0] for row in cursor.sql("select table_name from duckdb_tables()").fetchall()}
        built |= {
            row[0]
            for row in cursor.sql(
                "select view_name from duckdb_views() where not internal"
            ).fetchall()
        }
        # Record keys came with their key sums in every summary: a loader without one has none.
        keyed = cursor.execute(
            "select count(*) from duckdb_columns() "
            "where table_name = 'claims' and column_name = 'record_key'"
        ).fetchone()[0]
        # Case-mix cells came with the claim's age band in the comparable measures' facts.
        banded = cursor.execute(
            "select count(*) from duckdb_columns() "
            "where table_name = 'job_entry_months' and column_name = 'age_band'"
        ).fetchone()[0]
    finally:
        cursor.close()
    missing = sorted(p.stem for p in (QUERIES_DIR / "facts").glob("*.sql") if p.stem not in built)
    if not missing and not keyed:
        missing = ["record keys"]
    if not missing and not banded:
        missing = ["age bands in its facts, which case-mix comparisons need"]
    if missing:
        con.close()
        if exported:
            raise DatabaseOutdated(
                f"{path}: written by an older version of export-parquet (no "
                f"{', '.join(missing)}); load the extract again with `python -m jcp load` and "
                "export it into a new folder"
            )
        raise DatabaseOutdated(
            f"{path}: built by an older version of the loader (no {', '.join(missing)}); "
            f"load the extract again with `python -m jcp load EXTRACT_DIR --db {path}`"
        )


def as_engine(source: Engine | duckdb.DuckDBPyConnection) -> Engine:
    """An engine as given, or a DuckDB connection wrapped in one."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return DuckDBEngine(source)
    return source
