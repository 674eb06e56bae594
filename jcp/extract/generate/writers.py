"""Write generated tables to one CSV or Parquet file per contract table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from jcp.extract import contract
from jcp.extract.generate.tables import ARROW_TYPES


class Writers:
    """Append tables to one file per contract table, in CSV or Parquet."""

    def __init__(self, out: Path, fmt: str) -> None:
        self.out, self.fmt = out, fmt
        self.counts = {t.name: 0 for t in contract.TABLES}
        self._csv = {}
        self._parquet = {}
        for t in contract.TABLES:
            if fmt == "csv":
                handle = (out / f"{t.name}.csv").open("wb")
                handle.write((",".join(t.column_names) + "\n").encode())
                self._csv[t.name] = handle
            else:
                schema = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in t.columns])
                self._parquet[t.name] = pq.ParquetWriter(
                    out / f"{t.name}.parquet", schema, compression="zstd"
                )

    def __call__(self, name: str, table: pa.Table) -> None:
        self.counts[name] += table.num_rows
        if table.num_rows == 0:
            return
        if self.fmt == "csv":
            # polars quotes only where needed, writes dates as ISO and decimals with their scale.
            pl.from_arrow(table).write_csv(self._csv[name], include_header=False)
        else:
            self._parquet[name].write_table(table)

    def close(self) -> None:
        for handle in self._csv.values():
            handle.close()
        for writer in self._parquet.values():
            writer.close()


@contextmanager
def open_writers(out: Path, fmt: str) -> Iterator[Writers]:
    writers = Writers(out, fmt)
    try:
        yield writers
    finally:
        writers.close()
