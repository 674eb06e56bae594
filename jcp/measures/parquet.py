"""The Parquet engine's connection: DuckDB in memory over the layout `export-parquet` writes.

Each exported table is a view of its own Parquet files (queries/parquet/table.sql), so several app
instances can serve one national layout, built once, without a copy of a database file each. The
connection is hardened as the database engine's is (jcp.extract.db.HARDENED_CONFIG), with one
difference it cannot do without: views over files need file access. So the files the layout held
when the engine opened are the only paths DuckDB may open (`allowed_paths`), external access is
otherwise off, and the configuration is locked: no statement can read another file, write one
(not even beside the layout's), reach the network or load an extension. Files exported into the
folder later are served by the next engine, which the app opens when the manifest changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from jcp.extract.db import DatabaseMissing, DatabaseOutdated, DatabaseUnreadable
from jcp.extract.facts import exported_tables
from jcp.measures.export import MANIFEST
from jcp.measures.queries import query_sql

# What can be set as the database starts; allowed_paths cannot be (DuckDB refuses it before the
# database has started, and after external access is off), so the rest is set in order below.
STARTUP_CONFIG = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
TABLE_QUERY = "parquet/table"


def layout_files(folder: Path) -> dict[str, list[str]]:
    """Each exported table's Parquet files under FOLDER (absolute, sorted): a table whose folder
    is missing or holds no Parquet file is left out."""
    files = {}
    for table in exported_tables():
        found = sorted(str(p) for p in (folder / table).rglob("*.parquet") if p.is_file())
        if found:
            files[table] = found
    return files


def connect_parquet(folder: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """A locked-down in-memory DuckDB connection with a view per table of the layout in FOLDER.

    Raises DatabaseMissing (no export here), DatabaseOutdated (a table the queries read has no
    files: an older export-parquet) or DatabaseUnreadable (DuckDB cannot read the files).
    """
    folder = Path(folder).resolve()
    if not (folder / MANIFEST).is_file():
        raise DatabaseMissing(
            f"{folder}: no Parquet export here; write one with "
            f"`python -m jcp export-parquet {folder} --db DATABASE`"
        )
    files = layout_files(folder)
    missing = [table for table in exported_tables() if table not in files]
    if missing:
        raise DatabaseOutdated(
            f"{folder}: written by an older version of export-parquet (no {', '.join(missing)}); "
            "export the database again into a new folder"
        )
    con = duckdb.connect(":memory:", config=STARTUP_CONFIG)
    try:
        # Order matters: the paths first (refused once external access is off), then access
        # off, then the lock, after the views, which need neither.
        con.execute(
            "set allowed_paths = $paths", {"paths": [f for paths in files.values() for f in paths]}
        )
        con.execute("set enable_external_access = false")
        # Every query reads the same footers again; keep them once read (warm queries).
        con.execute("set parquet_metadata_cache = true")
        for table in exported_tables():
            # The view's name is the registry's (jcp.extract.facts), never input; the file list is
            # bound, and DuckDB writes it into the view itself.
            con.sql(query_sql(TABLE_QUERY), params={"files": files[table]}).create_view(table)
        con.execute("set lock_configuration = true")
    except duckdb.Error as exc:
        con.close()
        reason = str(exc).strip().splitlines()[0]
        raise DatabaseUnreadable(
            f"{folder}: DuckDB cannot read its Parquet files ({reason})"
        ) from None
    return con
