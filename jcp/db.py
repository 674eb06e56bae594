"""Where the database is, and the hardened read-only connection the app and commands use."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

DEFAULT_DB = Path("data/dashboard.duckdb")

# Once open, the connection can read only the tables already in the database: no files, no
# network, no extensions, and no statement can loosen that again.
HARDENED_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "lock_configuration": True,
}


class DatabaseMissing(FileNotFoundError):
    """The database file does not exist yet."""


class DatabaseOutdated(DatabaseMissing):
    """The database was built by an older loader: tables the queries read are missing."""


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """The --db argument if given, else $JCP_DB, else data/dashboard.duckdb."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("JCP_DB") or DEFAULT_DB)


def connect_read_only(path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.is_file():
        raise DatabaseMissing(
            f"{path}: no database here; build one with `python -m jcp load EXTRACT_DIR --db {path}`"
            " (or `make db` for the sample data)"
        )
    return duckdb.connect(str(path), read_only=True, config=HARDENED_CONFIG)
