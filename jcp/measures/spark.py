"""The Spark engine: the same queries/*.sql, transpiled once with sqlglot, run by Spark SQL.

Optional: `pip install .[spark]` (PySpark 4) and Java 17. Spark reads the Parquet layout that
`python -m jcp export-parquet` writes (jcp.measures.export). The runner above this engine does the
request checks, scope and disclosure control, exactly as for DuckDB.

Transpiling is checked, not trusted: the result is refused (TranspileError, naming the query)
when it still holds DuckDB syntax, a function Spark does not know, or an approximate
aggregate. The queries are written so that nothing needs approximating: see the comments in
queries/ where a form was chosen because both engines read it the same way.
"""

from __future__ import annotations

import os
import re
import warnings
from functools import cache
from pathlib import Path

import polars as pl
import sqlglot
from sqlglot import exp

from jcp.extract.db import DatabaseMissing, DatabaseOutdated
from jcp.extract.facts import exported_tables
from jcp.measures.export import MANIFEST
from jcp.measures.queries import QUERIES_DIR, EngineUnavailable, query_sql

DEFAULT_MASTER = "local[2]"
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
# List parameters: NULL means "no filter". Spark cannot bind a NULL array, so a NULL list is
# written into the statement as a typed NULL (a constant chosen here, never a user's value).
LIST_PARAMETERS = ("districts", "offices", "benefits", "groups")
NULL_LIST = exp.cast(exp.null(), exp.DataType.build("ARRAY<STRING>", dialect="spark"))
# Functions sqlglot passes through untranslated that Spark has under the same name.
SPARK_FUNCTIONS = {"MAKE_DATE"}
APPROXIMATE = (exp.ApproxDistinct, exp.ApproxQuantile)
DUCKDB_ONLY = re.compile(
    r"::|\$[a-z_]|\bLIST_|\bSTRFTIME\b|\bGENERATE_SERIES\b|\bQUALIFY\b|\bSTRUCT_PACK\b|"
    r"\bARG_MAX\b|\bEXCLUDE\b|\bINT128\b|\bHUGEINT\b|\bU(?:TINY|SMALL|BIG|HUGE)?INT\b",
    re.IGNORECASE,
)


class TranspileError(ValueError):
    """A query whose Spark SQL would not mean what the DuckDB SQL means."""


def query_names() -> list[str]:
    """Every measure and report query (queries/*.sql, not the load-time facts or exports)."""
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


@cache
def spark_tree(name: str) -> exp.Expression:
    """queries/NAME.sql as a checked Spark SQL syntax tree (transpiled once per process)."""
    try:
        text = sqlglot.transpile(
            query_sql(name),
            read="duckdb",
            write="spark",
            unsupported_level=sqlglot.ErrorLevel.RAISE,
        )
    except sqlglot.errors.SqlglotError as exc:
        raise TranspileError(f"queries/{name}.sql: does not transpile to Spark SQL: {exc}") from exc
    if len(text) != 1:
        raise TranspileError(f"queries/{name}.sql: holds {len(text)} statements, not one")
    problems = spark_problems(text[0])
    if problems:
        raise TranspileError(f"queries/{name}.sql: {'; '.join(problems)}")
    return sqlglot.parse_one(text[0], read="spark")


def spark_problems(spark_sql: str) -> list[str]:
    """What in transpiled text Spark would reject or compute differently (empty when none)."""
    tree = sqlglot.parse_one(spark_sql, read="spark")
    body = tree.sql(dialect="spark", comments=False)
    problems = [f"DuckDB-only syntax {m.group(0)!r} left" for m in DUCKDB_ONLY.finditer(body)]
    problems += [
        f"function {f.name} is not a Spark function"
        for f in tree.find_all(exp.Anonymous)
        if f.name.upper() not in SPARK_FUNCTIONS
    ]
    problems += [f"approximate aggregate {f.sql('spark')}" for f in tree.find_all(*APPROXIMATE)]
    return problems


def spark_sql(name: str, null_lists: frozenset[str] = frozenset()) -> str:
    """The Spark SQL for queries/NAME.sql, with the named list parameters NULL."""
    return _spark_sql(name, null_lists)


@cache
def _spark_sql(name: str, null_lists: frozenset[str]) -> str:
    def typed_null(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in null_lists:
            return NULL_LIST.copy()
        return node

    return spark_tree(name).transform(typed_null).sql(dialect="spark")


def _session(master: str):
    # PySpark warns about pandas 3 at import; this engine hands results over as Arrow instead.
    warnings.filterwarnings("ignore", message="PySpark does not yet", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineUnavailable(
            "the Spark engine needs PySpark: pip install '.[spark]' (and Java 17)"
        ) from exc
    try:
        session = (
            SparkSession.builder.master(master)
            .appName("jcp-dashboard")
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG_CONFIG}")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            # Hive folder names are codes and months: keep them text ("001" must not become 1).
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .getOrCreate()
        )
    except Exception as exc:  # PySpark raises its own types; the gateway fails without Java
        raise EngineUnavailable(
            f"Spark did not start on {master} (is Java 17 installed, or JAVA_HOME set?): {exc}"
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """Runs queries/*.sql on Spark over the Parquet written by `export-parquet`."""

    name = "spark"

    def __init__(self, parquet: str | os.PathLike, master: str = DEFAULT_MASTER) -> None:
        self.parquet = Path(parquet)
        if not (self.parquet / MANIFEST).is_file():
            raise DatabaseMissing(
                f"{self.parquet}: no Parquet export here; write one with "
                f"`python -m jcp export-parquet --db DATABASE {self.parquet}`"
            )
        missing = sorted(
            table for table in exported_tables() if not (self.parquet / table).is_dir()
        )
        if missing:
            raise DatabaseOutdated(
                f"{self.parquet}: written by an older version of export-parquet (no "
                f"{', '.join(missing)}); export the database again into a new folder"
            )
        for name in query_names():  # transpile and check every query before serving any
            spark_tree(name)
        # Each engine gets its own session on the process's one Spark context: its table views
        # are its own, so engines over different exports never see each other's tables.
        self.session = _session(master).newSession()
        for table in exported_tables():
            self.session.read.parquet(str(self.parquet / table)).createOrReplaceTempView(table)

    def query(self, name: str, params: dict[str, object] | None = None) -> pl.DataFrame:
        params = dict(params or {})
        nulls = frozenset(k for k in LIST_PARAMETERS if k in params and params[k] is None)
        for key in nulls:
            del params[key]
        frame = self.session.sql(spark_sql(name, nulls), args=params or None)
        return pl.from_arrow(frame.toArrow())

    def columns(self, name: str) -> list[str] | None:
        # Planning a query on Spark takes a second or more: the runner checks each result's
        # columns against its spec instead.
        return None

    def close(self) -> None:
        """Drop this engine's views; the process's Spark context stays up for the next engine."""
        for table in exported_tables():
            self.session.catalog.dropTempView(table)
