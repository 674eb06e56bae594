"""The Arrow tables the generator writes: reference tables, claims and all that hangs off them."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jcp.extract import contract
from jcp.extract.contract import Table
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
from jcp.extract.generate.calendar import Calendar, day_number, fy_label
from jcp.extract.generate.reference import Reference

ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "INTEGER": pa.int32(),
    "DECIMAL(12,2)": pa.decimal128(12, 2),
}


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
    schema = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in table.columns])
    return pa.Table.from_arrays([columns[c.name] for c in table.columns], schema=schema)


def strings_table(table: Table, rows: list[dict[str, str | None]]) -> pa.Table:
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
class Counters:
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


def chunk_tables(
    rng: np.random.Generator,
    cal: Calendar,
    ref: Reference,
    index: np.ndarray,
    start: np.ndarray,
    ids: Counters,
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
    back = rng.integers(1, ref.repeat_back + 1, size=m)
    # A repeat that would reach back before the first claim is a first claim instead (it used to
    # be person 0's, who piled up hundreds of claims: 7.9 billion pairs to match at 10M).
    earlier = index - back
    person = np.where(repeat & (earlier >= 0), earlier, index)
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
    rng: np.random.Generator, cal: Calendar, c: _Claims, claim_ids: pa.Array, ids: Counters
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
    rng: np.random.Generator, cal: Calendar, c: _Claims, claim_ids: pa.Array, ids: Counters
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
    ids: Counters,
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


def grants_table(
    rng: np.random.Generator, cal: Calendar, ref: Reference, ids: Counters, spend: np.ndarray
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


def budgets_table(cal: Calendar, ref: Reference, spend: np.ndarray) -> pa.Table:
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
