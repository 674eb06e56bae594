"""The SQL files in queries/, and what an engine that runs them is (DuckDB, or Spark).

The engines and the Parquet export read query text from here, so none of them needs another.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Protocol

import polars as pl

QUERIES_DIR = Path(__file__).resolve().parent.parent.parent / "queries"


@cache
def query_sql(name: str) -> str:
    """The text of queries/NAME.sql (read once per process)."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql_parameters(sql: str) -> set[str]:
    """The $names a query's statement binds (header comments name parameters too)."""
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return set(re.findall(r"\$([a-z_]+)", body))


class Engine(Protocol):
    name: str

    def query(self, name: str, params: dict[str, object] | None = None) -> pl.DataFrame:
        """queries/NAME.sql run with `params` bound by name."""
        ...

    def columns(self, name: str) -> list[str] | None:
        """The columns queries/NAME.sql returns, found without running it (None: unknown)."""
        ...

    def close(self) -> None: ...


class EngineUnavailable(RuntimeError):
    """The configured engine cannot start; the message says what to install or set."""
