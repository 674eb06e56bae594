"""Deterministic synthetic extract generator: realistic rows, plus rule-breaking rows on request."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np

from jcp.extract import contract
from jcp.extract.generate.bad_rows import BadRows
from jcp.extract.generate.calendar import Calendar, claims_per_day
from jcp.extract.generate.reference import Reference
from jcp.extract.generate.tables import (
    Counters,
    budgets_table,
    chunk_tables,
    districts_table,
    grants_table,
    offices_table,
    strings_table,
)
from jcp.extract.generate.writers import open_writers

CHUNK_CLAIMS = 500_000
AUTO_PARQUET_ABOVE = 200_000
FORMATS = ("auto", "csv", "parquet")
GEOGRAPHIES = ("sample", "national")
# From this many claims the default geography is the national network (37 districts, 380 offices);
# below it, the sample's 6 districts and 53 offices, small enough for a person to read.
NATIONAL_FROM_CLAIMS = 1_000_000


def generate(
    out_dir: str | Path,
    claims: int,
    seed: int = 1,
    bad_rows: int = 0,
    fmt: str = "auto",
    extract_date: date = date(2026, 10, 31),
    geography: str | None = None,
) -> dict[str, int]:
    """Write a complete extract folder; return rows written per table.

    The counts include the bad rows (and the valid claims added to host them). `geography` is
    "sample" or "national"; None picks by size (`default_geography`).
    """
    if claims < 0 or bad_rows < 0 or seed < 0:
        raise ValueError("claims, seed and bad_rows must not be negative")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    geography = geography or default_geography(claims)
    if geography not in GEOGRAPHIES:
        raise ValueError(f"geography must be one of {', '.join(GEOGRAPHIES)}, not {geography!r}")
    if bad_rows and fmt == "parquet":
        # Type errors can only be written as text, so a bad-row extract is always CSV.
        raise ValueError("bad rows need CSV output: use fmt='csv' or 'auto'")
    if fmt == "auto":
        fmt = "parquet" if claims > AUTO_PARQUET_ABOVE and not bad_rows else "csv"

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for table in contract.TABLES:
        # A stale file of the other format would make the folder ambiguous to the loader.
        for ext in ("csv", "parquet"):
            (out / f"{table.name}.{ext}").unlink(missing_ok=True)

    cal = Calendar.ending(extract_date)
    # One independent stream per purpose and per chunk, so output never depends on timing or
    # on how much of another stream was consumed.
    ref_seq, day_seq, grant_seq, chunk_root = np.random.SeedSequence(seed).spawn(4)
    ref_rng = np.random.default_rng(ref_seq)
    ref = (
        Reference.national(ref_rng, claims)
        if geography == "national"
        else Reference.build(ref_rng, claims)
    )
    per_day = claims_per_day(np.random.default_rng(day_seq), cal, claims)
    day_of_claim_end = np.cumsum(per_day)
    n_chunks = max(1, math.ceil(claims / CHUNK_CLAIMS))
    ids = Counters()
    spend = np.zeros((len(ref.district_codes), cal.n_financial_years + 1), dtype=np.int64)

    with open_writers(out, fmt) as write:
        write("districts", districts_table(ref))
        write("offices", offices_table(ref))
        for chunk, chunk_seq in enumerate(chunk_root.spawn(n_chunks)):
            index = np.arange(chunk * CHUNK_CLAIMS, min(claims, (chunk + 1) * CHUNK_CLAIMS))
            start = cal.window_start + np.searchsorted(day_of_claim_end, index, side="right")
            for name, table in chunk_tables(
                np.random.default_rng(chunk_seq), cal, ref, index, start, ids, spend
            ):
                write(name, table)
        write("fsf_payments", grants_table(np.random.default_rng(grant_seq), cal, ref, ids, spend))
        write("fsf_budgets", budgets_table(cal, ref, spend))
        if bad_rows:
            for name, rows in BadRows(cal, ref, bad_rows).build().items():
                write(name, strings_table(contract.TABLES_BY_NAME[name], rows))
        counts = write.counts

    source = f"synthetic generator seed={seed} claims={claims}"
    if geography != "sample":  # the sample's manifest stays as it was before there was a choice
        source += f" geography={geography}"
    if bad_rows:
        source += f" bad_rows={bad_rows}"
    (out / "extract.toml").write_text(
        f'extract_date = "{extract_date.isoformat()}"\nsource = "{source}"\n', encoding="utf-8"
    )
    return counts


def default_geography(claims: int) -> str:
    """national from NATIONAL_FROM_CLAIMS claims up, sample below."""
    return "national" if claims >= NATIONAL_FROM_CLAIMS else "sample"


def bad_row_rules() -> list[str]:
    """The rule ids `generate(bad_rows=K)` breaks, K rows each (all of the contract's)."""
    injectors = BadRows(Calendar.ending(date(2026, 10, 31)), None, 1).injectors()
    return [rule_id for rule_id in contract.all_rule_ids() if rule_id in injectors]
