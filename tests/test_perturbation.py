"""The perturbation table (jcp/measures/ptable.csv) and cell-key perturbation."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PTABLE = ROOT / "jcp" / "measures" / "ptable.csv"


def read_intervals(path: Path = PTABLE) -> dict[int, list[tuple[int, int, int]]]:
    """The committed table, parsed here with the csv module: count -> [(d, from, to)]."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    table: dict[int, list[tuple[int, int, int]]] = {}
    for row in csv.DictReader(lines):
        table.setdefault(int(row["count"]), []).append(
            (int(row["perturbation"]), int(row["ckey_from"]), int(row["ckey_to"]))
        )
    return table


def keys_per_perturbation(intervals: list[tuple[int, int, int]]) -> dict[int, int]:
    return {d: to - start + 1 for d, start, to in intervals}


# --- The table -------------------------------------------------------------------------------


def test_every_count_has_mean_zero_and_no_perturbation_beyond_two() -> None:
    table = read_intervals()
    assert sorted(table) == list(range(8))  # N = 7: rows 0..7
    for count, intervals in table.items():
        keys = keys_per_perturbation(intervals)
        assert sum(keys.values()) == 4096, count
        # mean = sum(keys * d) / 4096, within 1/4096 of 0
        assert abs(sum(k * d for d, k in keys.items())) <= 1, count
        assert max(abs(d) for d in keys) <= 2, count
        assert min(count + d for d in keys) >= 0, count


def test_zero_stays_zero() -> None:
    assert read_intervals()[0] == [(0, 0, 4095)]


def test_counts_from_two_follow_the_closed_form_of_the_design() -> None:
    """From n = 2 the support is -2..2 and maximum entropy with mean 0 is symmetric.

    p(d) ∝ q^(d²) with q = exp(-a). Variance 1: (2q + 8q^4) / (1 + 2q + 2q^4) = 1, so
    6q^4 = 1, q = 6^(-1/4) = 0.63894; Z = 1 + 2q + 2/6 = 2.61122; p(0) = 0.382963,
    p(±1) = q/Z = 0.244691, p(±2) = (1/6)/Z = 0.063827; in keys: 1568.6, 1002.3, 261.4.
    Rounding may move a few keys to make the mean exactly 0 and the total 4096.
    """
    q = 6**-0.25
    z = 1 + 2 * q + 2 / 6
    expected = {0: 1 / z, 1: q / z, -1: q / z, 2: (1 / 6) / z, -2: (1 / 6) / z}
    table = read_intervals()
    for count in range(2, 8):
        keys = keys_per_perturbation(table[count])
        assert set(keys) == {-2, -1, 0, 1, 2}
        for d, p in expected.items():
            assert abs(keys[d] - p * 4096) <= 3, (count, d)
        variance = sum(k * d * d for d, k in keys.items()) / 4096
        assert variance == pytest.approx(1, abs=4 / 4096)


def test_count_one_is_maximum_entropy_with_mean_zero_variance_one() -> None:
    """n = 1 allows d = -1..2. Maximum entropy makes log p(d) quadratic in d, so its second
    differences are equal: log p(-1) - 2 log p(0) + log p(1) = log p(0) - 2 log p(1) + log p(2).
    """
    keys = keys_per_perturbation(read_intervals()[1])
    assert set(keys) == {-1, 0, 1, 2}
    log = {d: math.log(k / 4096) for d, k in keys.items()}
    first = log[-1] - 2 * log[0] + log[1]
    second = log[0] - 2 * log[1] + log[2]
    assert first == pytest.approx(second, abs=0.01)  # rounding to whole keys moves it a little
    mean = sum(k * d for d, k in keys.items()) / 4096
    variance = sum(k * d * d for d, k in keys.items()) / 4096 - mean**2
    assert mean == 0
    assert variance == pytest.approx(1, abs=4 / 4096)


def test_a_design_with_too_much_variance_for_a_count_of_one_is_refused() -> None:
    from jcp.measures.ptable import Design, DesignError, rows

    # n = 1 with D = 2: mean 0 on -1..2 allows a variance of at most 1 * 2 = 2.
    with pytest.raises(DesignError, match="count 1: variance 2.5"):
        rows(Design(variance=2.5))


def test_the_command_line_reproduces_the_committed_table_byte_for_byte(tmp_path) -> None:
    out = tmp_path / "ptable.csv"
    done = subprocess.run(
        [sys.executable, "-m", "jcp", "ptable", "--out", str(out)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == PTABLE.read_bytes()
    assert "wrote" in done.stdout


# --- Applying it -----------------------------------------------------------------------------

INTERVALS = read_intervals()


def reference(count: int | None, key_sum: int | None) -> int | None:
    """The slow lookup, by reading the intervals: true count + d, before the small-number rule."""
    if count is None:
        return None
    if count == 0:
        return 0
    if key_sum is None:
        return None
    key = key_sum % 4096
    row = INTERVALS[min(count, 7)]
    (d,) = [d for d, start, to in row if start <= key <= to]
    return count + d


def reference_published(value: int | None) -> int | None:
    """The publishing rule as the issue states it: 1..4 hidden (None), <= 0 shown as 0."""
    if value is None or 1 <= value <= 4:
        return None
    return max(value, 0)


@pytest.fixture(scope="module")
def table():
    """The committed table, loaded and validated by jcp.measures.perturbation."""
    from jcp.measures.perturbation import load_ptable

    return load_ptable()


def published_frame(counts, key_sums, table):
    import polars as pl

    from jcp.measures.perturbation import perturbed, published

    frame = pl.DataFrame({"n": counts, "k": key_sums}, schema={"n": pl.Int64, "k": pl.Int64})
    return frame.with_columns(
        p=perturbed(pl.col("n"), pl.col("k"), table),
        shown=published(perturbed(pl.col("n"), pl.col("k"), table)),
    )


def test_the_table_is_loaded_once_per_process(table) -> None:
    from jcp.measures.perturbation import load_ptable

    assert load_ptable() is table
    assert load_ptable(PTABLE) is table
    assert table.top_count == 7
    assert table.lookup.len() == 8 * 4096


@pytest.mark.parametrize(
    ("count", "key_sum", "d", "shown"),
    [
        # Expected d read off the committed file by hand (and checked against the file below):
        (1, 0, -1, 0),  # row 1: -1 on keys 0..1630, so 1 - 1 = 0
        (1, 4095, 2, None),  # row 1: +2 on 3678..4095, 1 + 2 = 3, hidden
        (2, 261, -2, 0),  # row 2: -2 on 0..261, 2 - 2 = 0
        (3, 3834, 2, 5),  # row 3: +2 on 3834..4095, 3 + 2 = 5, shown
        (5, 262, -1, None),  # row 5: -1 on 262..1263, 5 - 1 = 4, hidden
        (6, 2000, 0, 6),  # row 6: 0 on 1264..2831
        (10, 4096 + 2832, 1, 11),  # sum 6928 mod 4096 = 2832; row 7 (10 > N): +1 on 2832..3833
        (500, 3 * 4096 + 4095, 2, 502),  # sum mod 4096 = 4095; row 7: +2
        (10**6, 0, -2, 999_998),  # row 7: -2 on 0..261
    ],
)
def test_hand_picked_lookups(table, count, key_sum, d, shown) -> None:
    key = key_sum % 4096
    (from_file,) = [dd for dd, start, to in INTERVALS[min(count, 7)] if start <= key <= to]
    assert from_file == d
    frame = published_frame([count], [key_sum], table)
    assert frame["p"].to_list() == [count + d]
    assert frame["shown"].to_list() == [shown]


def test_the_same_cell_always_gets_the_same_value(table) -> None:
    import polars as pl

    from jcp.measures.perturbation import perturb_counts

    # Three requests that produce the same cell (count 9, key sum 12345) among others.
    first = perturb_counts(
        pl.DataFrame({"office": ["A", "B", "A"], "n": [9, 40, 9], "n_key": [12345, 7, 12345]}),
        ["n"],
        table,
    )
    again = perturb_counts(
        pl.DataFrame({"office": ["A"], "n": [9], "n_key": [12345]}), ["n"], table
    )
    # 12345 = 3 * 4096 + 57: key 57, in row 7's -2 interval (0..261), so 9 - 2 = 7 every time.
    # Office B: 40 with key 7, also -2: 38.
    assert first["n"].to_list() == [7, 38, 7]
    assert again["n"].to_list() == [7]


def test_no_count_is_published_as_one_to_four_and_zero_stays_zero(table) -> None:
    import numpy as np

    # Every (true count, cell key) for counts 0..60: 61 * 4096 = 249,856 cells.
    counts = np.repeat(np.arange(61), 4096)
    keys = np.tile(np.arange(4096), 61)
    frame = published_frame(counts, keys, table)
    shown = frame["shown"]
    assert not shown.is_between(1, 4).any()
    assert shown.null_count() > 0  # some cells are hidden: the check can see them
    assert (shown.drop_nulls() >= 0).all()
    assert (frame.filter(frame["n"] == 0)["shown"] == 0).all()
    # |published - true| <= 2 wherever shown, and a true 5..60 is never zeroed.
    both = frame.drop_nulls("shown").filter(frame.drop_nulls("shown")["n"] > 0)
    assert ((both["shown"] - both["n"]).abs() <= 2).all()
    assert (frame.filter(frame["n"] >= 5)["shown"].fill_null(1) != 0).all()


def test_an_empty_cell_with_no_key_sum_is_zero(table) -> None:
    # SQL's sum over no rows is NULL while count is 0: the cell is 0, not missing.
    frame = published_frame([0, 0, None], [None, 999, None], table)
    assert frame["shown"].to_list() == [0, 0, None]


def test_counts_above_the_top_row_use_it(tmp_path) -> None:
    import numpy as np

    from jcp.measures.perturbation import load_ptable

    # A valid table whose row 7 differs from row 6 (its intervals in reverse order: +2 on
    # 0..261, +1 on 262..1263, 0 on 1264..2831, -1 on 2832..3833, -2 on 3834..4095), so that
    # using any row but 7 for larger counts shows.
    lines = [line for line in PTABLE.read_text(encoding="utf-8").splitlines()]
    reversed_top = [
        "7,2,0,261",
        "7,1,262,1263",
        "7,0,1264,2831",
        "7,-1,2832,3833",
        "7,-2,3834,4095",
    ]
    path = tmp_path / "top_reversed.csv"
    kept = [line for line in lines if not line.startswith("7,")]
    path.write_text("\n".join([*kept, *reversed_top]) + "\n", encoding="utf-8")
    table = load_ptable(path)
    keys = np.arange(4096)
    top = published_frame(np.full(4096, 7), keys, table)["p"] - 7
    assert top[0] == 2 and top[4095] == -2
    for count in (8, 57, 123_456):
        assert (published_frame(np.full(4096, count), keys, table)["p"] - count == top).all()


def test_the_perturbation_averages_zero_over_many_cells(table) -> None:
    import numpy as np

    rng = np.random.default_rng(20260101)
    counts = rng.integers(5, 501, size=100_000)
    key_sums = rng.integers(0, 2**40, size=100_000)  # raw sums: only their value mod 4096 counts
    d = (published_frame(counts, key_sums, table)["p"] - counts).to_numpy()
    # Realised design for n >= 2: variance 4100/4096 = 1.000977; mean 0. The standard error of
    # the mean of 100,000 draws is sqrt(1.000977 / 100000) = 0.00316.
    standard_error = math.sqrt(4100 / 4096 / 100_000)
    assert abs(d.mean()) < 3 * standard_error
    assert d.var() == pytest.approx(1.0, rel=0.03)
    assert set(np.unique(d)) == {-2, -1, 0, 1, 2}


def test_perturbed_matches_the_slow_reference_lookup() -> None:
    import polars as pl
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from jcp.measures.perturbation import load_ptable, perturbed, published

    table = load_ptable()
    cells = st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 12), st.integers(0, 10**9)),
            st.one_of(st.none(), st.integers(0, 8191), st.integers(0, 2**62)),
        ),
        max_size=30,
    )

    @settings(max_examples=200, deadline=None)
    @given(cells)
    def check(rows: list[tuple[int | None, int | None]]) -> None:
        frame = pl.DataFrame(
            {"n": [r[0] for r in rows], "k": [r[1] for r in rows]},
            schema={"n": pl.Int64, "k": pl.Int64},
        )
        got = frame.select(
            p=perturbed(pl.col("n"), pl.col("k"), table),
            shown=published(perturbed(pl.col("n"), pl.col("k"), table)),
        )
        expected = [reference(n, k) for n, k in rows]
        assert got["p"].to_list() == expected
        assert got["shown"].to_list() == [reference_published(v) for v in expected]
        # The Series form gives the same.
        assert perturbed(frame["n"], frame["k"], table).to_list() == expected

    check()


def test_perturb_counts_publishes_drops_keys_and_lists_hidden_cells(table) -> None:
    import polars as pl

    from jcp.measures.disclosure import with_markers
    from jcp.measures.perturbation import perturb_counts

    frame = pl.DataFrame(
        {
            "office": ["A", "B", "C"],
            # A: 5 with key 0 -> row 5, d = -2 -> 3, hidden; B: 0 with NULL key -> 0;
            # C: 2 with key 300 -> row 2, d = -1 -> 1, hidden.
            "deferred": [5, 0, 2],
            "deferred_key": [0, None, 300],
            # A: 20 with key 4095 -> +2 -> 22; B: 1 with key 0 -> -1 -> 0; C: 7, key 2000 -> 7.
            "wfis_due": [20, 1, 7],
            "wfis_due_key": [4095, 0, 2000],
        },
        schema_overrides={"deferred_key": pl.Int128},  # DuckDB's sum is a HUGEINT
    )
    out = perturb_counts(frame, ["wfis_due", "deferred"], table)
    assert out.columns == ["office", "deferred", "wfis_due", "suppressed"]
    assert out["deferred"].to_list() == [None, 0, None]
    assert out["wfis_due"].to_list() == [22, 0, 7]
    assert out["suppressed"].to_list() == [["deferred"], [], ["deferred"]]
    assert with_markers(out)["deferred"].to_list() == ["[c]", "0", "[c]"]


def test_perturb_counts_keeps_cells_already_suppressed(table) -> None:
    import polars as pl

    from jcp.measures.perturbation import perturb_counts

    frame = pl.DataFrame(
        {
            "n": [6, 6],
            "n_key": [262, 2000],  # row 6: 262 -> -1 -> 5 shown; 2000 -> 0 -> 6 shown
            "m": [5, 5],
            "m_key": [0, 2000],  # row 5: 0 -> -2 -> 3 hidden; 2000 -> 5 shown
            "suppressed": [["rate"], None],
        }
    )
    out = perturb_counts(frame, ["n", "m"], table)
    assert out["suppressed"].to_list() == [["m", "rate"], []]
    assert out["n"].to_list() == [5, 6]
    assert out["m"].to_list() == [None, 5]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"n": [3]}, "no column n_key"),
        ({"n": [3], "n_key": [-1]}, "negative count or key sum"),
        ({"n": [-3], "n_key": [1]}, "negative count or key sum"),
        ({"n": [3], "n_key": [None]}, "above 0 without a key sum"),
    ],
)
def test_perturb_counts_refuses_impossible_inputs(table, columns, message) -> None:
    import polars as pl

    from jcp.measures.perturbation import perturb_counts

    with pytest.raises(ValueError, match=message):
        perturb_counts(pl.DataFrame(columns, schema_overrides={"n_key": pl.Int64}), ["n"], table)


def test_applying_the_table_runs_no_python_per_row() -> None:
    # Per-row Python on polars' thread pool deadlocked the server under concurrent sessions.
    source = (ROOT / "jcp" / "measures" / "perturbation.py").read_text(encoding="utf-8")
    for name in ("map_elements", "map_batches", ".apply(", "iter_rows", "to_dicts"):
        assert name not in source, name


# --- The table is a data file: it is checked on load -----------------------------------------


def _broken(lines: list[str], change: str) -> list[str]:
    """The committed CSV with one rule broken."""
    body = [line for line in lines if not line.startswith("#")]
    header, rows = body[0], body[1:]
    if change == "gap":  # row 5's -1 interval starts one key late: key 262 has no value
        rows = [r.replace("5,-1,262,", "5,-1,263,") for r in rows]
    elif change == "overlap":
        rows = [r.replace("5,-1,262,", "5,-1,261,") for r in rows]
    elif change == "short":  # row 3 ends at 4094
        rows = [r.replace("3,2,3834,4095", "3,2,3834,4094") for r in rows]
    elif change == "beyond D":
        rows = [r.replace("4,2,3834,4095", "4,3,3834,4095") for r in rows]
    elif change == "negative":  # 1 - 2 < 0
        rows = [r.replace("1,-1,0,1630", "1,-2,0,1630") for r in rows]
    elif change == "biased":  # two more keys to +1, two fewer to 0 in row 6: mean 2/4096
        rows = [
            r.replace("6,0,1264,2831", "6,0,1264,2829").replace("6,1,2832,", "6,1,2830,")
            for r in rows
        ]
    elif change == "missing count":
        rows = [r for r in rows if not r.startswith("4,")]
    elif change == "not a number":
        rows = [r.replace("7,0,1264,", "7,0,1264.5,") for r in rows]
    elif change == "columns":
        header = "count,d,ckey_from,ckey_to"
    return [header, *rows]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("gap", "count 5: cell keys 0..4095 are not covered exactly once"),
        ("overlap", "count 5: cell keys 0..4095 are not covered exactly once"),
        ("short", "count 3: cell keys 0..4095 are not covered exactly once"),
        ("beyond D", "count 4: perturbation 3 is larger than D = 2"),
        ("negative", "count 1: perturbation -2 would publish a negative count"),
        ("biased", "count 6: mean perturbation 2/4096 is not 0"),
        ("missing count", "counts must be every whole number from 0"),
        ("not a number", "not a whole number"),
        ("columns", "columns must be count, perturbation, ckey_from, ckey_to"),
    ],
)
def test_a_broken_table_is_refused_with_one_line_naming_the_file(tmp_path, change, message):
    from jcp.measures.perturbation import PTableError, load_ptable

    path = tmp_path / f"{change.replace(' ', '_')}.csv"
    lines = PTABLE.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(_broken(lines, change)) + "\n", encoding="utf-8")
    with pytest.raises(PTableError) as caught:
        load_ptable(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(str(path.resolve()))
    assert message in text


def test_a_missing_table_is_refused(tmp_path) -> None:
    from jcp.measures.perturbation import PTableError, load_ptable

    with pytest.raises(PTableError, match="no such file"):
        load_ptable(tmp_path / "absent.csv")


# --- Money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.00", "0.00"),
        ("4.99", "0.00"),
        ("5.00", "10.00"),  # a half rounds away from zero
        ("14.99", "10.00"),  # not 20: 14.99 / 10 would be rounded to 1.50 at scale 2
        ("15.00", "20.00"),
        ("25.00", "30.00"),  # not to even
        ("1234.56", "1230.00"),
        ("-5.00", "-10.00"),
        ("-14.99", "-10.00"),
        ("9999999999.99", "10000000000.00"),  # more digits than DECIMAL(12,2): still exact
        (None, None),
    ],
)
def test_money_is_rounded_to_the_nearest_ten_pounds(amount, rounded) -> None:
    from decimal import Decimal

    import polars as pl

    from jcp.measures.perturbation import round_money

    money = pl.DataFrame({"spend": [amount]}).select(pl.col("spend").cast(pl.Decimal(12, 2)))
    got = money.select(round_money(pl.col("spend")))["spend"]
    assert isinstance(got.dtype, pl.Decimal)
    assert got.to_list() == [None if rounded is None else Decimal(rounded)]
    as_float = money.select(round_money(pl.col("spend").cast(pl.Float64)))["spend"]
    assert as_float.to_list() == [None if rounded is None else float(rounded)]


def test_the_expressions_keep_the_count_column_name(table) -> None:
    import polars as pl

    from jcp.measures.perturbation import perturbed, published

    frame = pl.DataFrame({"deferred": [9], "deferred_key": [1]})
    # key 1 is in row 7's -2 interval: 9 - 2 = 7
    out = frame.select(published(perturbed(pl.col("deferred"), pl.col("deferred_key"), table)))
    assert out.columns == ["deferred"]
    assert out["deferred"].to_list() == [7]
