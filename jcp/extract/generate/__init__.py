"""Deterministic synthetic extract generator: realistic rows, plus rule-breaking rows on request."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jcp import contract
from jcp.contract import Table
from jcp.extract.generate.behaviour import (
    AGE_GIVEN_GROUP,
    ASSESSED_P,
    ATTENDED,
    DEFER_BASE,
    DEFERRAL_DAYS,
    DEFERRAL_DAYS_P,
    DEFERRAL_REASON_GIVEN_GROUP,
    DEFERRED,
    END_REASON_GIVEN_GROUP,
    FSF_AMOUNTS,
    FSF_CATEGORY_GIVEN_GROUP,
    FSF_MEAN_DAYS_IN,
    FSF_RATE,
    GRANT,
    GROUP_GIVEN_BENEFIT,
    HEALTH,
    HOURS_GIVEN_GROUP,
    JOB_ENTRY,
    JOBSEEKER,
    JSA,
    LONG_JOB_DAYS,
    MEAN_CLAIM_DAYS,
    MIN_CLAIM_DAYS,
    PENDING,
    REVIEWS_P,
    SCORE_MEAN,
    SCORE_NULL_P,
    SHORT_JOB_DAYS,
    SHORT_JOB_SHARE,
    TRAVEL,
    UC,
    WFI_DELAY_P,
    WHOLE_POUNDS,
)
from jcp.extract.generate.calendar import Calendar, claims_per_day, day_number, fy_label, iso
from jcp.extract.generate.reference import DISTRICTS, Reference

CHUNK_CLAIMS = 500_000
AUTO_PARQUET_ABOVE = 200_000
FORMATS = ("auto", "csv", "parquet")
GEOGRAPHIES = ("sample", "national")
# From this many claims the default geography is the national network (37 districts, 380 offices);
# below it, the sample's 6 districts and 53 offices, small enough for a person to read.
NATIONAL_FROM_CLAIMS = 1_000_000

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "INTEGER": pa.int32(),
    "DECIMAL(12,2)": pa.decimal128(12, 2),
}

# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


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
    ids = _Counters()
    spend = np.zeros((len(ref.district_codes), cal.n_financial_years + 1), dtype=np.int64)

    with _writers(out, fmt) as write:
        write("districts", districts_table(ref))
        write("offices", offices_table(ref))
        for chunk, chunk_seq in enumerate(chunk_root.spawn(n_chunks)):
            index = np.arange(chunk * CHUNK_CLAIMS, min(claims, (chunk + 1) * CHUNK_CLAIMS))
            start = cal.window_start + np.searchsorted(day_of_claim_end, index, side="right")
            for name, table in _chunk_tables(
                np.random.default_rng(chunk_seq), cal, ref, index, start, ids, spend
            ):
                write(name, table)
        write("fsf_payments", _grants_table(np.random.default_rng(grant_seq), cal, ref, ids, spend))
        write("fsf_budgets", _budgets_table(cal, ref, spend))
        if bad_rows:
            for name, rows in _BadRows(cal, ref, bad_rows).build().items():
                write(name, _strings_table(contract.TABLES_BY_NAME[name], rows))
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
    injectors = _BadRows(Calendar.ending(date(2026, 10, 31)), None, 1).injectors()
    return [rule_id for rule_id in contract.all_rule_ids() if rule_id in injectors]


# ---------------------------------------------------------------------------------------------
# Vectorised helpers
# ---------------------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of `probs` (rows are probability vectors)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return np.minimum((u >= cum).sum(axis=1), probs.shape[1] - 1)


def _codes(
    prefix: str, numbers: np.ndarray, width: int, null: np.ndarray | None = None
) -> pa.Array:
    """`prefix` + zero-padded numbers, built in Arrow to avoid a Python object per row."""
    digits = pc.utf8_lpad(
        pc.cast(pa.array(numbers, type=pa.int64(), mask=null), pa.string()),
        width=width,
        padding="0",
    )
    return pc.binary_join_element_wise(prefix, digits, "")


def _enum(values: tuple[str, ...], index: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(values).take(pa.array(index, type=pa.int32(), mask=null))


def _dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), mask=null).cast(pa.date32())


def _money(pence: np.ndarray) -> pa.Array:
    """DECIMAL(12,2) straight from whole pence, exact (no float on the way)."""
    pence = np.ascontiguousarray(pence, dtype=np.int64)
    words = np.empty((len(pence), 2), dtype=np.int64)
    if sys.byteorder == "little":
        words[:, 0], words[:, 1] = pence, np.where(pence < 0, -1, 0)
    else:
        words[:, 0], words[:, 1] = np.where(pence < 0, -1, 0), pence
    return pa.Array.from_buffers(pa.decimal128(12, 2), len(pence), [None, pa.py_buffer(words)])


def _table(table: Table, **columns: pa.Array) -> pa.Table:
    schema = pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in table.columns])
    return pa.Table.from_arrays([columns[c.name] for c in table.columns], schema=schema)


def _strings_table(table: Table, rows: list[dict[str, str | None]]) -> pa.Table:
    return pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in table.column_names})


def _claim_ids(index: np.ndarray) -> pa.Array:
    return _codes("C", index + 1, 8)


# ---------------------------------------------------------------------------------------------
# The reference tables
# ---------------------------------------------------------------------------------------------


def districts_table(ref: Reference) -> pa.Table:
    return _table(
        contract.DISTRICTS,
        district_code=pa.array(ref.district_codes),
        district_name=pa.array(ref.district_names),
        region=pa.array(ref.district_regions),
    )


def offices_table(ref: Reference) -> pa.Table:
    return _table(
        contract.OFFICES,
        office_code=pa.array(ref.office_codes),
        office_name=pa.array(ref.office_names),
        district_code=pa.array([ref.district_codes[d] for d in ref.office_district]),
    )


# ---------------------------------------------------------------------------------------------
# One chunk of claims and everything hanging off them
# ---------------------------------------------------------------------------------------------


@dataclass
class _Counters:
    """Next serial numbers for the child tables; chunks run in order, so ids are stable."""

    assessment: int = 0
    job_entry: int = 0
    payment: int = 0

    def take(self, name: str, n: int) -> np.ndarray:
        first = getattr(self, name)
        setattr(self, name, first + n)
        return np.arange(first + 1, first + n + 1)


@dataclass(frozen=True)
class _Claims:
    index: np.ndarray
    office: np.ndarray
    benefit: np.ndarray
    group: np.ndarray
    age: np.ndarray
    start: np.ndarray
    # The claim's last day so far: its end_date, or the extract date while it is open; nothing
    # on a claim (interview, assessment, payment) happens after it.
    end: np.ndarray
    ended: np.ndarray
    end_reason: np.ndarray
    coach: np.ndarray
    coach_missing: np.ndarray
    claimant_number: np.ndarray


def _chunk_tables(
    rng: np.random.Generator,
    cal: Calendar,
    ref: Reference,
    index: np.ndarray,
    start: np.ndarray,
    ids: _Counters,
    spend: np.ndarray,
) -> Iterator[tuple[str, pa.Table]]:
    c = _draw_claims(rng, cal, ref, index, start)
    claim_ids = _claim_ids(c.index)
    yield "claims", _claims_table(ref, c, claim_ids)
    yield "wfi", _wfi_table(rng, cal, ref, c, claim_ids)
    yield "assessments", _assessments_table(rng, cal, c, claim_ids, ids)
    yield "job_entries", _job_entries_table(rng, cal, c, claim_ids, ids)
    yield "fsf_payments", _payments_table(rng, cal, ref, c, claim_ids, ids, spend)


def _draw_claims(
    rng: np.random.Generator, cal: Calendar, ref: Reference, index: np.ndarray, start: np.ndarray
) -> _Claims:
    m = len(index)
    t = (start - cal.window_start) / cal.n_days
    office = rng.choice(len(ref.office_p), size=m, p=ref.office_p)
    # Legacy benefits wind down over the window as Universal Credit takes over.
    legacy = np.column_stack([0.17 - 0.05 * t, 0.15 - 0.08 * t, 0.08 - 0.05 * t])
    benefit = _pick(rng, np.column_stack([legacy, 1.0 - legacy.sum(axis=1)]))
    group = _pick(rng, GROUP_GIVEN_BENEFIT[benefit])
    age = _pick(rng, AGE_GIVEN_GROUP[group])
    mean = MEAN_CLAIM_DAYS[benefit] - MIN_CLAIM_DAYS
    length = MIN_CLAIM_DAYS + np.floor(rng.gamma(1.3, mean / 1.3)).astype(np.int64)
    end = start + length
    ended = end <= cal.extract
    end_reason = _pick(rng, END_REASON_GIVEN_GROUP[group])
    coach = ref.coach_base[office] + np.floor(rng.random(m) * ref.coach_count[office]).astype(
        np.int64
    )
    coach_missing = rng.random(m) < 0.015
    # Some people come back: a repeat claim reuses an earlier claim's person.
    repeat = rng.random(m) < 0.07
    back = rng.integers(1, 20_001, size=m)
    person = np.where(repeat, np.maximum(index - back, 0), index)
    # An odd multiplier coprime with 10**9 makes this a bijection: distinct people, distinct refs.
    claimant_number = (person * 2_654_435_761 + ref.claimant_salt) % 1_000_000_000
    return _Claims(
        index=index,
        office=office,
        benefit=benefit,
        group=group,
        age=age,
        start=start,
        end=np.minimum(end, cal.extract),
        ended=ended,
        end_reason=end_reason,
        coach=coach,
        coach_missing=coach_missing,
        claimant_number=claimant_number,
    )


def _claims_table(ref: Reference, c: _Claims, claim_ids: pa.Array) -> pa.Table:
    return _table(
        contract.CLAIMS,
        claim_id=claim_ids,
        claimant_ref=_codes("P", c.claimant_number, 9),
        office_code=_enum(tuple(ref.office_codes), c.office),
        benefit=_enum(contract.BENEFITS, c.benefit),
        claimant_group=_enum(contract.CLAIMANT_GROUPS, c.group),
        age_band=_enum(contract.AGE_BANDS, c.age),
        start_date=_dates(c.start),
        end_date=_dates(c.end, ~c.ended),
        end_reason=_enum(contract.END_REASONS, c.end_reason, ~c.ended),
        work_coach_ref=_codes("WC", c.coach, 4, c.coach_missing),
    )


def _wfi_table(
    rng: np.random.Generator, cal: Calendar, ref: Reference, c: _Claims, claim_ids: pa.Array
) -> pa.Table:
    m = len(c.index)
    due = c.start + rng.choice(len(WFI_DELAY_P), size=m, p=WFI_DELAY_P)
    has = (due <= cal.extract) & (rng.random(m) >= 0.02)
    since_due = cal.extract - due
    # Only interviews due in the last two weeks can still be waiting for an outcome.
    pending = (since_due < 14) & (rng.random(m) < 0.9 - 0.06 * since_due)
    jsa = c.benefit == JSA
    # Deferrals fall over the window, sharply in the middle (team leaders start authorising).
    t_due = (due - cal.window_start) / cal.n_days
    trend = 0.36 + 0.64 / (1.0 + np.exp((t_due - 0.45) / 0.07))
    p_defer = np.where(
        jsa, 0.0, np.minimum(0.9, DEFER_BASE[c.group] * trend * ref.defer_factor[c.office])
    )
    p_waive = np.where(jsa, 0.0, np.where(c.group == JOBSEEKER, 0.05, 0.03))
    p_fail = np.where(jsa, 0.09, 0.07)
    p_attend = 1.0 - p_defer - p_waive - p_fail
    outcome = _pick(rng, np.column_stack([p_attend, p_defer, p_waive, p_fail]))
    outcome = np.where(pending, PENDING, outcome)
    deferred = outcome == DEFERRED

    reason = _pick(rng, DEFERRAL_REASON_GIVEN_GROUP[c.group])
    length = rng.choice(DEFERRAL_DAYS, size=m, p=DEFERRAL_DAYS_P) + rng.integers(0, 8, size=m)
    until = due + length
    recalled = until + np.minimum(rng.geometric(0.15, size=m) - 1, 30)
    missed = rng.random(m) < ref.recontact_miss[c.office]
    # A claim that closed before the deferral ran out needs no interview any more.
    deferred_held = deferred & ~missed & (recalled <= c.end)
    attend_delay = np.where(rng.random(m) < 0.6, 0, rng.integers(1, 8, size=m))
    attended_on = np.minimum(due + attend_delay, c.end)
    held = np.where(outcome == ATTENDED, attended_on, recalled)
    held_null = ~((outcome == ATTENDED) | deferred_held)

    keep = np.flatnonzero(has)
    return _table(
        contract.WFI,
        claim_id=claim_ids.take(pa.array(keep)),
        due_date=_dates(due[keep]),
        outcome=_enum(contract.WFI_OUTCOMES, outcome[keep]),
        deferral_reason=_enum(contract.DEFERRAL_REASONS, reason[keep], ~deferred[keep]),
        deferred_until=_dates(until[keep], ~deferred[keep]),
        held_date=_dates(held[keep], held_null[keep]),
    )


def _assessments_table(
    rng: np.random.Generator, cal: Calendar, c: _Claims, claim_ids: pa.Array, ids: _Counters
) -> pa.Table:
    m = len(c.index)
    baseline_on = c.start + rng.integers(0, 22, size=m)
    has_baseline = (rng.random(m) < ASSESSED_P[c.group]) & (baseline_on <= c.end)
    planned = rng.choice(len(REVIEWS_P), size=m, p=REVIEWS_P)
    step = np.arange(1, 4)
    # Reviews every ~3 months; +-14 days keeps them in order.
    review_on = baseline_on[:, None] + 91 * step + rng.integers(-14, 15, size=(m, 3))
    has_review = has_baseline[:, None] & (step <= planned[:, None]) & (review_on <= c.end[:, None])

    mean = np.broadcast_to(SCORE_MEAN, (m, 5)).copy()
    mean[:, 3] -= np.where(c.group == HEALTH, 1.6, 0.0)
    baseline = np.clip(np.rint(rng.normal(mean, 1.7)), 1, 10)
    # Most people move up a little per review; the noise makes some go backwards.
    slope = rng.normal(0.55, 0.45, size=(m, 1, 5))
    change = np.rint(slope * step[None, :, None] + rng.normal(0.0, 0.9, size=(m, 3, 5)))
    reviews = np.clip(baseline[:, None, :] + change, 1, 10)
    scores = np.concatenate([baseline[:, None, :], reviews], axis=1)  # (m, 4, 5)
    null = rng.random((m, 4, 5)) < SCORE_NULL_P
    null[..., 0] &= ~null.all(axis=2)  # at least one score per row: keep job_search then

    present = np.concatenate([has_baseline[:, None], has_review], axis=1)  # (m, 4)
    dates = np.concatenate([baseline_on[:, None], review_on], axis=1)
    claim_pos, visit = np.nonzero(present)  # row-major: by claim, then in date order
    n = len(claim_pos)
    score_columns = {
        name: pa.array(scores[claim_pos, visit, k].astype(np.int32), mask=null[claim_pos, visit, k])
        for k, name in enumerate(contract.SCORE_COLUMNS)
    }
    return _table(
        contract.ASSESSMENTS,
        assessment_id=_codes("A", ids.take("assessment", n), 9),
        claim_id=claim_ids.take(pa.array(claim_pos)),
        assessment_date=_dates(dates[claim_pos, visit]),
        kind=_enum(contract.ASSESSMENT_KINDS, np.minimum(visit, 1)),
        **score_columns,
    )


def _job_entries_table(
    rng: np.random.Generator, cal: Calendar, c: _Claims, claim_ids: pa.Array, ids: _Counters
) -> pa.Table:
    m = len(c.index)
    job_ended = c.ended & (c.end_reason == JOB_ENTRY) & (rng.random(m) < 0.97)
    other_ended = c.ended & (c.end_reason != JOB_ENTRY) & (rng.random(m) < 0.04)
    # Universal Credit stays open in low-paid work, so some open UC claims have a job too.
    room = cal.extract - c.start - MIN_CLAIM_DAYS
    in_work = ~c.ended & (c.benefit == UC) & (room >= 0) & (rng.random(m) < 0.04)
    on_end = rng.random(m) < 0.65
    before_end = np.maximum(c.start, c.end - rng.integers(1, 29, size=m))
    in_work_start = c.start + MIN_CLAIM_DAYS + np.floor(rng.random(m) * (np.maximum(room, 0) + 1))
    start = np.where(in_work, in_work_start, np.where(on_end, c.end, before_end)).astype(np.int64)
    short = rng.random(m) < SHORT_JOB_SHARE
    days_in_work = np.floor(
        np.where(short, rng.exponential(SHORT_JOB_DAYS, m), rng.exponential(LONG_JOB_DAYS, m))
    ).astype(np.int64)
    end = start + days_in_work
    hours = _pick(rng, HOURS_GIVEN_GROUP[c.group])
    hours = np.where(in_work, _pick(rng, np.tile([0.6, 0.3, 0.1], (m, 1))), hours)

    keep = np.flatnonzero(job_ended | other_ended | in_work)
    return _table(
        contract.JOB_ENTRIES,
        job_entry_id=_codes("J", ids.take("job_entry", len(keep)), 8),
        claim_id=claim_ids.take(pa.array(keep)),
        start_date=_dates(start[keep]),
        end_date=_dates(end[keep], end[keep] > cal.extract),
        hours_band=_enum(contract.HOURS_BANDS, hours[keep]),
    )


def _amount_pence(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    median, spread, low, high = (np.array(v)[category] for v in zip(*FSF_AMOUNTS, strict=True))
    pounds = np.clip(median * np.exp(spread * rng.standard_normal(len(category))), low, high)
    pence = np.rint(pounds * 100).astype(np.int64)
    whole = WHOLE_POUNDS[category]
    pence[whole] = np.rint(pounds[whole]).astype(np.int64) * 100
    return pence


def _payments_table(
    rng: np.random.Generator,
    cal: Calendar,
    ref: Reference,
    c: _Claims,
    claim_ids: pa.Array,
    ids: _Counters,
    spend: np.ndarray,
) -> pa.Table:
    m = len(c.index)
    awards = rng.poisson(FSF_RATE[c.group] * ref.fsf_factor[c.office])
    claim_pos = np.repeat(np.arange(m), awards)
    span = c.end[claim_pos] - c.start[claim_pos] + 1
    # Most awards come early in a claim (travel to interviews, clothes), so monthly spend follows
    # the flow of new claims rather than the growing stock of open ones.
    offset = np.floor(rng.exponential(FSF_MEAN_DAYS_IN, len(claim_pos))).astype(np.int64)
    anywhere = np.floor(rng.random(len(claim_pos)) * span).astype(np.int64)
    paid_on = c.start[claim_pos] + np.where(offset < span, offset, anywhere)
    # A closed claim had its awards before it closed; an open one's later awards are not made yet.
    made = (offset < span) | c.ended[claim_pos]
    claim_pos, paid_on = claim_pos[made], paid_on[made]
    category = _pick(rng, FSF_CATEGORY_GIVEN_GROUP[c.group[claim_pos]])
    # Travel for the first weeks in work, paid around the day the claim closes.
    to_work = c.ended & (c.end_reason == JOB_ENTRY) & (rng.random(m) < 0.3)
    work_pos = np.flatnonzero(to_work)
    work_paid_on = np.maximum(c.start, c.end - rng.integers(0, 8, size=m))[work_pos]
    claim_pos = np.concatenate([claim_pos, work_pos])
    paid_on = np.concatenate([paid_on, work_paid_on])
    category = np.concatenate([category, np.full(len(work_pos), TRAVEL)])
    order = np.lexsort((paid_on, claim_pos))
    claim_pos, paid_on, category = claim_pos[order], paid_on[order], category[order]
    pence = _amount_pence(rng, category)

    office = c.office[claim_pos]
    _add_spend(spend, cal, ref.office_district[office], paid_on, pence)
    return _table(
        contract.FSF_PAYMENTS,
        payment_id=_codes("F", ids.take("payment", len(claim_pos)), 9),
        office_code=_enum(tuple(ref.office_codes), office),
        claim_id=claim_ids.take(pa.array(claim_pos)),
        payment_date=_dates(paid_on),
        amount_gbp=_money(pence),
        category=_enum(contract.FSF_CATEGORIES, category),
    )


def _add_spend(
    spend: np.ndarray, cal: Calendar, district: np.ndarray, paid_on: np.ndarray, pence: np.ndarray
) -> None:
    """Add payments to spend[district, financial year]; the last column is the last 12 months."""
    n_years = spend.shape[1] - 1
    recent = paid_on > cal.extract - 365
    cells = np.concatenate(
        [
            district * (n_years + 1) + cal.fy_index(paid_on),
            district[recent] * (n_years + 1) + n_years,
        ]
    )
    # Float sums of whole pence are exact below 2**53 pence, far above any district's spend.
    sums = np.bincount(cells, weights=np.concatenate([pence, pence[recent]]), minlength=spend.size)
    spend += np.rint(sums).astype(np.int64).reshape(spend.shape)


# ---------------------------------------------------------------------------------------------
# District-level rows: partnership grants and budgets
# ---------------------------------------------------------------------------------------------


def _grants_table(
    rng: np.random.Generator, cal: Calendar, ref: Reference, ids: _Counters, spend: np.ndarray
) -> pa.Table:
    """A few partnership grants per district per financial year, paid from a main office."""
    office, paid_on = [], []
    for d in range(len(ref.district_codes)):
        choices = np.flatnonzero((ref.office_district == d) & ~ref.small)
        for fy in range(cal.n_financial_years):
            first = max(cal.window_start, day_number(date(cal.first_fy + fy, 4, 1)))
            last = min(cal.extract, day_number(date(cal.first_fy + fy + 1, 3, 31)))
            n = int(rng.integers(2, 6))
            office += list(rng.choice(choices, size=n))
            paid_on += list(np.sort(rng.integers(first, last + 1, size=n)))
    office_arr, paid_arr = np.array(office, dtype=np.int64), np.array(paid_on, dtype=np.int64)
    n = len(office_arr)
    pence = rng.integers(40, 201, size=n) * 5_000  # GBP 2,000 to 10,000 in GBP 50 steps
    _add_spend(spend, cal, ref.office_district[office_arr], paid_arr, pence)
    return _table(
        contract.FSF_PAYMENTS,
        payment_id=_codes("F", ids.take("payment", n), 9),
        office_code=_enum(tuple(ref.office_codes), office_arr),
        claim_id=pa.nulls(n, pa.string()),
        payment_date=_dates(paid_arr),
        amount_gbp=_money(pence),
        category=_enum(contract.FSF_CATEGORIES, np.full(n, GRANT)),
    )


def _budgets_table(cal: Calendar, ref: Reference, spend: np.ndarray) -> pa.Table:
    """Allocations set so each district spends its planned share (ref.spend_ratio)."""
    codes, years, pence = [], [], []
    current = cal.n_financial_years - 1
    for d, code in enumerate(ref.district_codes):
        for fy in range(cal.n_financial_years):
            ratio = ref.spend_ratio[d] * (1.0 + 0.03 * math.sin(3 * d + 2 * fy))
            # The current year is part-spent: size it on the last twelve months instead, so the
            # app shows it part-used at the planned pace.
            expected = spend[d, -1 if fy == current else fy]
            pounds = max(5_000, math.ceil(expected / 100 / ratio / 1_000) * 1_000)
            codes.append(code)
            years.append(fy_label(cal.first_fy + fy))
            pence.append(pounds * 100)
    return _table(
        contract.FSF_BUDGETS,
        district_code=pa.array(codes),
        financial_year=pa.array(years),
        allocation_gbp=_money(np.array(pence)),
    )


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


class _Writers:
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
                schema = pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in t.columns])
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
def _writers(out: Path, fmt: str) -> Iterator[_Writers]:
    writers = _Writers(out, fmt)
    try:
        yield writers
    finally:
        writers.close()


# ---------------------------------------------------------------------------------------------
# Bad rows: K rows per contract rule, each breaking that rule and nothing checked before it
# ---------------------------------------------------------------------------------------------

Row = dict[str, str | None]

_BAD_DATES = ("2026-02-30", "31/03/2026", "2026-3-1", "not a date")
_BAD_INTEGERS = ("4.5", "seven", "3x")
_BAD_AMOUNTS = ("12.345", "£20.00", "twelve", "1,250.00")
_TOO_EARLY = ("1999-12-31", "1900-01-01", "0202-06-15")  # before contract.EARLIEST_DATE
_NEW_HOST = "<new host claim>"  # a child row's default claim_id: make it a fresh valid claim


class _BadRows:
    """Rows for the loader's tests. Ids are fresh (X, H, Z prefixes) so none meets a good row.

    Every child row hangs off its own valid "host" claim, so it breaks one rule only. A
    parent_rejected row points at a parent that is itself one of the bad rows of another rule
    (a missing district_name, office_name or claimant_ref), so every rule counts exactly K.
    """

    def __init__(self, cal: Calendar, ref: Reference | None, k: int) -> None:
        self.k = k
        self.extract = cal.extract
        self.host_start = cal.extract - 200
        self.first_fy = cal.first_fy
        self.office = ref.office_codes[0] if ref else "D01-O01"
        self.coach = ref.coach_ref(0) if ref else "WC0001"
        # (code, name, region) of the extract's districts, which duplicates copy.
        self.districts = (
            list(zip(ref.district_codes, ref.district_names, ref.district_regions, strict=True))
            if ref
            else [d[:3] for d in DISTRICTS]
        )
        self.rows: dict[str, list[Row]] = {t.name: [] for t in contract.TABLES}
        self.serial = 0
        self.rejected: dict[str, list[str]] = {
            "district": [],
            "region": [],
            "office": [],
            "claim": [],
        }

    def build(self) -> dict[str, list[Row]]:
        for inject in self.injectors().values():
            for variant in range(self.k):
                inject(variant)
        return {name: rows for name, rows in self.rows.items() if rows}

    # -- row templates ---------------------------------------------------------------------

    def _fresh(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:07d}"

    def _add(self, table: str, row: Row) -> Row:
        assert list(row) == contract.TABLES_BY_NAME[table].column_names, row
        self.rows[table].append(row)
        return row

    def district(self, **values: str | None) -> Row:
        row: Row = {
            "district_code": self._fresh("DX"),
            "district_name": "Bad District",
            "region": "Nowhere",
        }
        row.update(values)
        return self._add("districts", row)

    def office_row(self, **values: str | None) -> Row:
        row: Row = {
            "office_code": self._fresh("D01-X"),
            "office_name": "Bad Office",
            "district_code": "D01",
        }
        row.update(values)
        return self._add("offices", row)

    def claim(self, prefix: str = "CX", start: int | None = None, **values: str | None) -> Row:
        row: Row = {
            "claim_id": self._fresh(prefix),
            "claimant_ref": self._fresh("PX"),
            "office_code": self.office,
            "benefit": "UC",
            "claimant_group": "health_condition",
            "age_band": "25-49",
            "start_date": iso(self.host_start if start is None else start),
            "end_date": None,
            "end_reason": None,
            "work_coach_ref": self.coach,
        }
        row.update(values)
        return self._add("claims", row)

    def host(self, start: int | None = None, **values: str | None) -> tuple[str, int]:
        """A valid open claim for one bad child row to point at."""
        row = self.claim("CH", start, **values)
        return str(row["claim_id"]), self.host_start if start is None else start

    def wfi(self, host_start: int | None = None, benefit: str = "UC", **values: str | None) -> Row:
        claim_id, start = self.host(host_start, benefit=benefit)
        return self.wfi_row(claim_id, start, **values)

    def wfi_row(self, claim_id: str | None, start: int, **values: str | None) -> Row:
        row: Row = {
            "claim_id": claim_id,
            "due_date": iso(start + 5),
            "outcome": "attended",
            "deferral_reason": None,
            "deferred_until": None,
            "held_date": iso(start + 6),
        }
        row.update(values)
        return self._add("wfi", row)

    def deferred_wfi(self, **values: str | None) -> Row:
        start = self.host_start
        fields: dict[str, str | None] = {
            "outcome": "deferred",
            "deferral_reason": "illness",
            "deferred_until": iso(start + 33),
            "held_date": None,
        }
        fields.update(values)
        return self.wfi(**fields)

    def assessment(self, claim_id: str | None = _NEW_HOST, **values: str | None) -> Row:
        if claim_id == _NEW_HOST:
            claim_id, _ = self.host()
        row: Row = {
            "assessment_id": self._fresh("AX"),
            "claim_id": claim_id,
            "assessment_date": iso(self.host_start + 10),
            "kind": "review",
            "job_search": "5",
            "work_skills": "6",
            "confidence": "4",
            "health_wellbeing": "5",
            "stability": "7",
        }
        row.update(values)
        return self._add("assessments", row)

    def job_entry(self, claim_id: str | None = _NEW_HOST, **values: str | None) -> Row:
        if claim_id == _NEW_HOST:
            claim_id, _ = self.host()
        row: Row = {
            "job_entry_id": self._fresh("JX"),
            "claim_id": claim_id,
            "start_date": iso(self.host_start + 30),
            "end_date": None,
            "hours_band": "30_plus",
        }
        row.update(values)
        return self._add("job_entries", row)

    def payment(self, claim_id: str | None = _NEW_HOST, **values: str | None) -> Row:
        if claim_id == _NEW_HOST:
            claim_id, _ = self.host()
        row: Row = {
            "payment_id": self._fresh("FX"),
            "office_code": self.office,
            "claim_id": claim_id,
            "payment_date": iso(self.host_start + 7),
            "amount_gbp": "25.00",
            "category": "travel",
        }
        row.update(values)
        return self._add("fsf_payments", row)

    def budget(self, **values: str | None) -> Row:
        # Years far beyond the data keep every bad row's (district, year) key fresh.
        n = len(self.rows["fsf_budgets"])
        year = self.first_fy + 20 + n // len(self.districts)
        row: Row = {
            "district_code": self.districts[n % len(self.districts)][0],
            "financial_year": fy_label(year),
            "allocation_gbp": "50000.00",
        }
        row.update(values)
        return self._add("fsf_budgets", row)

    # -- one injector per rule id -------------------------------------------------------------

    def injectors(self) -> dict[str, Callable[[int], object]]:
        ex, hs = self.extract, self.host_start
        r = self.rejected

        def pick(options: tuple[str, ...], v: int) -> str:
            return options[v % len(options)]

        def rejected_parent(kind: str, v: int) -> str:
            return r[kind][v]

        def remember(kind: str, key: str | None) -> None:
            r[kind].append(str(key))

        def district_dup(v: int) -> None:
            code, name, region = self.districts[v % len(self.districts)]
            self.district(district_code=code, district_name=f"{name} (again)", region=region)

        def office_dup(v: int) -> None:
            self.office_row(office_code=self.office, office_name="Duplicate office")

        def claim_dup(v: int) -> None:
            claim_id, _ = self.host()
            self.claim(claim_id=claim_id)

        def wfi_dup(v: int) -> None:
            first = self.wfi()
            self._add("wfi", dict(first))

        def assessment_dup(v: int) -> None:
            first = self.assessment()
            self.assessment(claim_id=first["claim_id"], assessment_id=first["assessment_id"])

        def second_baseline(v: int) -> None:
            first = self.assessment(kind="baseline")
            self.assessment(
                claim_id=first["claim_id"], kind="baseline", assessment_date=iso(hs + 40)
            )

        def job_dup(v: int) -> None:
            first = self.job_entry()
            self.job_entry(claim_id=first["claim_id"], job_entry_id=first["job_entry_id"])

        def payment_dup(v: int) -> None:
            first = self.payment()
            self.payment(claim_id=first["claim_id"], payment_id=first["payment_id"])

        def budget_dup(v: int) -> None:
            code = self.districts[v % len(self.districts)][0]
            self.budget(district_code=code, financial_year=fy_label(self.first_fy))

        def pick_fields(options: tuple[dict[str, str | None], ...], v: int) -> dict:
            return options[v % len(options)]

        def bad_fy(v: int) -> str:
            # Distinct years keep the keys fresh; every form still starts with four digits and
            # ends with two, the shape the rule's SQL casts.
            year = self.first_fy + 40 + v
            forms = (f"{year}/{(year + 1) % 100:02d}", f"{year}-{year + 1}")
            return pick(forms + (f"{year}-{(year + 2) % 100:02d}",), v)

        return {
            # districts
            "districts.district_code.required": lambda v: self.district(district_code=None),
            "districts.district_name.required": lambda v: remember(
                "district", self.district(district_name=None)["district_code"]
            ),
            "districts.region.required": lambda v: remember(
                "region", self.district(region=None)["district_code"]
            ),
            "districts.unique": district_dup,
            # offices
            "offices.office_code.required": lambda v: self.office_row(office_code=None),
            "offices.office_name.required": lambda v: remember(
                "office", self.office_row(office_name=None)["office_code"]
            ),
            "offices.district_code.required": lambda v: self.office_row(district_code=None),
            "offices.district_code.exists": lambda v: self.office_row(
                district_code=self._fresh("DZ")
            ),
            "offices.district_code.parent_rejected": lambda v: self.office_row(
                office_code=f"{rejected_parent('district', v)}-O01",
                district_code=rejected_parent("district", v),
            ),
            "offices.unique": office_dup,
            # claims
            "claims.claim_id.required": lambda v: self.claim(claim_id=None),
            "claims.claimant_ref.required": lambda v: remember(
                "claim", self.claim(claimant_ref=None)["claim_id"]
            ),
            "claims.office_code.required": lambda v: self.claim(office_code=None),
            "claims.benefit.required": lambda v: self.claim(benefit=None),
            "claims.benefit.allowed": lambda v: self.claim(
                benefit=pick(("PIP", "uc", "Universal Credit"), v)
            ),
            "claims.claimant_group.required": lambda v: self.claim(claimant_group=None),
            "claims.claimant_group.allowed": lambda v: self.claim(
                claimant_group=pick(("student", "Jobseeker", "retired"), v)
            ),
            "claims.age_band.required": lambda v: self.claim(age_band=None),
            "claims.age_band.allowed": lambda v: self.claim(
                age_band=pick(("65+", "16 - 24", "under 16"), v)
            ),
            "claims.start_date.type": lambda v: self.claim(start_date=pick(_BAD_DATES, v)),
            "claims.start_date.range": lambda v: self.claim(start_date=pick(_TOO_EARLY, v)),
            "claims.start_date.required": lambda v: self.claim(start_date=None),
            "claims.end_date.type": lambda v: self.claim(
                end_date=pick(_BAD_DATES, v), end_reason="other"
            ),
            "claims.end_date.range": lambda v: self.claim(
                end_date=pick(_TOO_EARLY, v), end_reason="other"
            ),
            "claims.end_reason.allowed": lambda v: self.claim(
                end_date=iso(hs + 60), end_reason=pick(("moved_away", "Job Entry"), v)
            ),
            "claims.office_code.exists": lambda v: self.claim(office_code=self._fresh("DZ01-O")),
            "claims.office_code.parent_rejected": lambda v: self.claim(
                office_code=rejected_parent("office", v)
            ),
            "claims.start_after_extract": lambda v: self.claim(start=ex + 1 + v % 30),
            "claims.end_before_start": lambda v: self.claim(
                end_date=iso(hs - 10), end_reason="other"
            ),
            "claims.end_after_extract": lambda v: self.claim(
                end_date=iso(ex + 15), end_reason="job_entry"
            ),
            "claims.end_reason_without_end": lambda v: self.claim(
                **(
                    {"end_reason": "other"}
                    if v % 2 == 0
                    else {"end_date": iso(hs + 60), "end_reason": None}
                )
            ),
            "claims.unique": claim_dup,
            # wfi
            "wfi.claim_id.required": lambda v: self.wfi_row(None, hs),
            "wfi.due_date.type": lambda v: self.wfi(due_date=pick(_BAD_DATES, v)),
            "wfi.due_date.range": lambda v: self.wfi(due_date=pick(_TOO_EARLY, v)),
            "wfi.due_date.required": lambda v: self.wfi(due_date=None),
            "wfi.outcome.required": lambda v: self.wfi(outcome=None, held_date=None),
            "wfi.outcome.allowed": lambda v: self.wfi(
                outcome=pick(("cancelled", "Attended", "dna"), v), held_date=None
            ),
            "wfi.deferral_reason.allowed": lambda v: self.deferred_wfi(
                deferral_reason=pick(("holiday", "Illness"), v)
            ),
            "wfi.deferred_until.type": lambda v: self.deferred_wfi(
                deferred_until=pick(_BAD_DATES, v)
            ),
            "wfi.deferred_until.range": lambda v: self.deferred_wfi(
                deferred_until=pick((*_TOO_EARLY, iso(ex + 367), iso(ex + 4000)), v)
            ),
            "wfi.held_date.type": lambda v: self.wfi(held_date=pick(_BAD_DATES, v)),
            "wfi.held_date.range": lambda v: self.wfi(held_date=pick(_TOO_EARLY, v)),
            "wfi.claim_id.exists": lambda v: self.wfi_row(self._fresh("CZ"), hs),
            "wfi.claim_id.parent_rejected": lambda v: self.wfi_row(rejected_parent("claim", v), hs),
            "wfi.jsa_not_deferrable": lambda v: (
                self.wfi(
                    benefit="JSA",
                    outcome="deferred",
                    deferral_reason="bereavement",
                    deferred_until=iso(hs + 33),
                    held_date=None,
                )
                if v % 2 == 0
                else self.wfi(benefit="JSA", outcome="waived", held_date=None)
            ),
            "wfi.due_before_claim": lambda v: self.wfi(due_date=iso(hs - 4), held_date=iso(hs - 3)),
            "wfi.due_after_extract": lambda v: self.wfi(
                host_start=ex - 3, due_date=iso(ex + 4), outcome="pending", held_date=None
            ),
            "wfi.deferral_reason": lambda v: (
                self.deferred_wfi(deferral_reason=None)
                if v % 2 == 0
                else self.wfi(deferral_reason="illness")
            ),
            "wfi.deferred_until": lambda v: (
                self.deferred_wfi(deferred_until=None)
                if v % 2 == 0
                else self.wfi(deferred_until=iso(hs + 33))
            ),
            "wfi.deferred_until_order": lambda v: self.deferred_wfi(
                deferred_until=iso(hs + 5 - 3 * (v % 2))
            ),
            "wfi.held_date_outcome": lambda v: self.wfi(
                **pick_fields(
                    (
                        {"held_date": None},
                        {"outcome": "failed_to_attend"},
                        {"outcome": "waived"},
                        {"outcome": "pending"},
                    ),
                    v,
                )
            ),
            "wfi.held_before_due": lambda v: self.wfi(held_date=iso(hs + 3)),
            "wfi.held_after_extract": lambda v: self.wfi(
                host_start=ex - 10, due_date=iso(ex - 5), held_date=iso(ex + 3)
            ),
            "wfi.unique": wfi_dup,
            # assessments
            "assessments.assessment_id.required": lambda v: self.assessment(assessment_id=None),
            "assessments.claim_id.required": lambda v: self.assessment(claim_id=None),
            "assessments.assessment_date.type": lambda v: self.assessment(
                assessment_date=pick(_BAD_DATES, v)
            ),
            "assessments.assessment_date.range": lambda v: self.assessment(
                assessment_date=pick(_TOO_EARLY, v)
            ),
            "assessments.assessment_date.required": lambda v: self.assessment(assessment_date=None),
            "assessments.kind.required": lambda v: self.assessment(kind=None),
            "assessments.kind.allowed": lambda v: self.assessment(
                kind=pick(("midpoint", "Baseline"), v)
            ),
            **{
                f"assessments.{score}.type": (
                    lambda v, score=score: self.assessment(**{score: pick(_BAD_INTEGERS, v)})
                )
                for score in contract.SCORE_COLUMNS
            },
            "assessments.claim_id.exists": lambda v: self.assessment(claim_id=self._fresh("CZ")),
            "assessments.claim_id.parent_rejected": lambda v: self.assessment(
                claim_id=rejected_parent("claim", v)
            ),
            "assessments.before_claim": lambda v: self.assessment(assessment_date=iso(hs - 5)),
            "assessments.after_extract": lambda v: self.assessment(assessment_date=iso(ex + 3)),
            "assessments.score_range": lambda v: self.assessment(
                **{pick(contract.SCORE_COLUMNS, v): pick(("0", "11", "-1"), v)}
            ),
            "assessments.no_scores": lambda v: self.assessment(
                **{score: None for score in contract.SCORE_COLUMNS}
            ),
            "assessments.unique": assessment_dup,
            "assessments.second_baseline": second_baseline,
            # job_entries
            "job_entries.job_entry_id.required": lambda v: self.job_entry(job_entry_id=None),
            "job_entries.claim_id.required": lambda v: self.job_entry(claim_id=None),
            "job_entries.start_date.type": lambda v: self.job_entry(start_date=pick(_BAD_DATES, v)),
            "job_entries.start_date.range": lambda v: self.job_entry(
                start_date=pick(_TOO_EARLY, v)
            ),
            "job_entries.start_date.required": lambda v: self.job_entry(start_date=None),
            "job_entries.end_date.type": lambda v: self.job_entry(end_date=pick(_BAD_DATES, v)),
            "job_entries.end_date.range": lambda v: self.job_entry(end_date=pick(_TOO_EARLY, v)),
            "job_entries.hours_band.required": lambda v: self.job_entry(hours_band=None),
            "job_entries.hours_band.allowed": lambda v: self.job_entry(
                hours_band=pick(("full_time", "30+"), v)
            ),
            "job_entries.claim_id.exists": lambda v: self.job_entry(claim_id=self._fresh("CZ")),
            "job_entries.claim_id.parent_rejected": lambda v: self.job_entry(
                claim_id=rejected_parent("claim", v)
            ),
            "job_entries.before_claim": lambda v: self.job_entry(start_date=iso(hs - 5)),
            "job_entries.start_after_extract": lambda v: self.job_entry(start_date=iso(ex + 5)),
            "job_entries.end_before_start": lambda v: self.job_entry(end_date=iso(hs + 25)),
            "job_entries.end_after_extract": lambda v: self.job_entry(end_date=iso(ex + 10)),
            "job_entries.unique": job_dup,
            # fsf_payments
            "fsf_payments.payment_id.required": lambda v: self.payment(payment_id=None),
            "fsf_payments.office_code.required": lambda v: self.payment(office_code=None),
            "fsf_payments.payment_date.type": lambda v: self.payment(
                payment_date=pick(_BAD_DATES, v)
            ),
            "fsf_payments.payment_date.range": lambda v: self.payment(
                payment_date=pick(_TOO_EARLY, v)
            ),
            "fsf_payments.payment_date.required": lambda v: self.payment(payment_date=None),
            "fsf_payments.amount_gbp.type": lambda v: self.payment(
                amount_gbp=pick(_BAD_AMOUNTS, v)
            ),
            "fsf_payments.amount_gbp.required": lambda v: self.payment(amount_gbp=None),
            "fsf_payments.category.required": lambda v: self.payment(category=None),
            "fsf_payments.category.allowed": lambda v: self.payment(
                category=pick(("food", "Travel"), v)
            ),
            "fsf_payments.office_code.exists": lambda v: self.payment(
                office_code=self._fresh("DZ01-O")
            ),
            "fsf_payments.office_code.parent_rejected": lambda v: self.payment(
                office_code=rejected_parent("office", v)
            ),
            "fsf_payments.claim_id.exists": lambda v: self.payment(claim_id=self._fresh("CZ")),
            "fsf_payments.claim_id.parent_rejected": lambda v: self.payment(
                claim_id=rejected_parent("claim", v)
            ),
            "fsf_payments.after_extract": lambda v: self.payment(payment_date=iso(ex + 3)),
            "fsf_payments.amount_range": lambda v: self.payment(
                amount_gbp=pick(("0.00", "-12.50", "10000.01", "25000.00"), v)
            ),
            "fsf_payments.claim_for_category": lambda v: (
                self.payment(category="partnership_grant", amount_gbp="2500.00")
                if v % 2 == 0
                else self.payment(claim_id=None)
            ),
            "fsf_payments.unique": payment_dup,
            # fsf_budgets
            "fsf_budgets.district_code.required": lambda v: self.budget(district_code=None),
            "fsf_budgets.financial_year.required": lambda v: self.budget(financial_year=None),
            "fsf_budgets.allocation_gbp.type": lambda v: self.budget(
                allocation_gbp=pick(("1000.555", "£50,000", "lots"), v)
            ),
            "fsf_budgets.allocation_gbp.required": lambda v: self.budget(allocation_gbp=None),
            "fsf_budgets.district_code.exists": lambda v: self.budget(
                district_code=self._fresh("DZ")
            ),
            "fsf_budgets.district_code.parent_rejected": lambda v: self.budget(
                district_code=rejected_parent("region", v)
            ),
            "fsf_budgets.financial_year_format": lambda v: self.budget(financial_year=bad_fy(v)),
            "fsf_budgets.allocation_positive": lambda v: self.budget(
                allocation_gbp=pick(("0.00", "-100.00"), v)
            ),
            "fsf_budgets.unique": budget_dup,
        }
