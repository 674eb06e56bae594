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


class DatabaseUnreadable(DatabaseMissing):
    """The file is not a DuckDB database, or DuckDB cannot open it (damaged, locked, too new)."""


# Every DuckDB database file starts with an 8-byte checksum and then these 4 bytes. Checked by
# hand because DuckDB has no call that says whether a file is a database without opening it,
# and opening one takes its lock.
DUCKDB_MAGIC = b"DUCK"


def is_duckdb_file(path: str | os.PathLike) -> bool:
    """True when the file starts as a DuckDB database does (it may still be damaged)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


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
    if not is_duckdb_file(path):
        raise DatabaseUnreadable(
            f"{path}: not a DuckDB database; give the file `python -m jcp load` built (--db or "
            "$JCP_DB)"
        )
    try:
        return duckdb.connect(str(path), read_only=True, config=HARDENED_CONFIG)
    except duckdb.Error as exc:
        # E.g. a damaged file, or a load of an older DuckDB holding it open for writing.
        reason = str(exc).strip().splitlines()[0].replace(f'"{path}"', "the file")
        raise DatabaseUnreadable(f"{path}: DuckDB cannot open it ({reason})") from None
