"""The perturbation table (jcp/ptable.csv) and cell-key perturbation (jcp.perturbation)."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PTABLE = ROOT / "jcp" / "ptable.csv"


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
    from jcp.ptable import Design, DesignError, rows

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
