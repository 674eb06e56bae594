"""`python -m jcp export-parquet`: a validated database written as Parquet that Spark reads.

Layout (Hive-style folders, which Spark and DuckDB both read as columns):

    OUT/manifest.json                                       one entry per database exported into OUT
    OUT/<table>/district_code=D01/part-<export>-0.parquet   (every table but loads and rejects)
    OUT/loads/part-<export>-0.parquet, OUT/rejects/...      (not partitioned)

One file per district per table per export, not smaller ones: every query reads every file of its
tables, and each file costs its opening (docs/scale-out.md, "Speed"). Within a file the rows keep
the table's order, which for the fact tables is date order (each queries/facts/ query ends
`order by` its date), so a date filter still skips row groups by their min/max statistics.

Which tables are written, and which are partitioned by district, is declared once
(jcp.extract.facts: the fact files' `export:` lines and BASE_EXPORTS). A table is written as it
is stored, unless queries/export/<table>.sql exists, for the few whose export differs from the
table. Databases holding different districts (one per district's extract, each validated by the
loader) can be exported into the same OUT: their partitions sit side by side, and a district
already in OUT is refused rather than doubled.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from jcp.extract.facts import Export, exports
from jcp.measures.queries import query_sql

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as ds

MANIFEST = "manifest.json"
BATCH_ROWS = 1_000_000
# Rows per row group, as DuckDB writes them: the unit a date filter skips by its statistics and
# a reader's threads share. Without a floor, pyarrow writes each incoming batch's share of a
# district as a group of its own: about 1,100 rows at 1M claims and 37 districts, which made
# the Parquet engine up to 2x slower.
ROW_GROUP_ROWS = 122_880


class ExportError(ValueError):
    """The export cannot be written; the message names the folder and the problem."""


def exported_districts(out: Path) -> set[str]:
    """District codes already written under OUT (from the districts table's folders)."""
    folder = out / "districts"
    if not folder.is_dir():
        return set()
    return {p.name.split("=", 1)[1] for p in folder.glob("district_code=*") if p.is_dir()}


def read_manifest(out: Path) -> dict:
    path = out / MANIFEST
    if not path.is_file():
        return {"exports": []}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_empty(
    folder: Path, schema: pa.Schema, by_district: bool, district: str, token: str
) -> None:
    """A table with no rows still needs one file, so that readers know its columns.

    The file goes where a row of the first district would (no rows, so it adds nothing).
    """
    import pyarrow.parquet as pq

    if by_district:
        folder = folder / f"district_code={district}"
        schema = schema.remove(schema.get_field_index("district_code"))
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.empty_table(), folder / f"part-{token}-0.parquet")


def _exported_rows(cursor: duckdb.DuckDBPyConnection, export: Export) -> duckdb.DuckDBPyRelation:
    """The rows written for a table: the table itself, or what its export query selects."""
    # The table by a name from the registry (a fact file's name or BASE_EXPORTS), never input,
    # and as a relation, not SQL text, so nothing is pasted into a statement.
    return cursor.sql(query_sql(export.query)) if export.query else cursor.table(export.table)


def export_parquet(con: duckdb.DuckDBPyConnection, out: Path, source: str = "") -> dict:
    """Write every declared export (jcp.extract.facts.exports) under OUT; returns the manifest entry
    for this export."""
    # Imported here, not with the module: every jcp command imports this module (for its
    # error), and pyarrow.dataset with pandas took 0.37 s of `jcp load`'s start.
    import pyarrow as pa
    import pyarrow.dataset as ds

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise ExportError(f"{out}: folder is not empty and holds no {MANIFEST}; choose a new one")
    cursor = con.cursor()  # its own cursor: the caller's connection may hold a result
    rows_of_districts = cursor.table("districts").select(duckdb.ColumnExpression("district_code"))
    districts = sorted(r[0] for r in rows_of_districts.fetchall())
    if not districts:
        raise ExportError(f"{source or 'the database'}: holds no districts; load an extract first")
    already = sorted(set(districts) & exported_districts(out))
    if already:
        raise ExportError(
            f"{out}: already holds district(s) {', '.join(already)}; export into a new folder"
            " (or remove it) rather than count them twice"
        )
    token = uuid.uuid4().hex[:12]
    rows: dict[str, int] = {}
    for export in exports():
        table = export.table
        reader = _exported_rows(cursor, export).to_arrow_reader(BATCH_ROWS)
        written = []

        def count(file: ds.WrittenFile, written: list = written) -> None:
            written.append(file.metadata.num_rows if file.metadata else 0)

        ds.write_dataset(
            reader,
            out / table,
            format="parquet",
            partitioning=ds.partitioning(pa.schema([("district_code", pa.string())]), flavor="hive")
            if export.by_district
            else None,
            basename_template=f"part-{token}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            # The batches in the table's order: otherwise threads write them as they finish,
            # and a district's file is no longer in date order.
            preserve_order=True,
            min_rows_per_group=ROW_GROUP_ROWS,
            max_rows_per_group=ROW_GROUP_ROWS,
            file_visitor=count,
        )
        rows[table] = sum(written)
        if not written:
            _write_empty(out / table, reader.schema, export.by_district, districts[0], token)
    cursor.close()
    entry = {
        "export": token,
        "source": source,
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "districts": districts,
        "rows": rows,
    }
    manifest = read_manifest(out)
    manifest["exports"].append(entry)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return entry
