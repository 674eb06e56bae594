"""The extract window's calendar: day numbers, UK financial years and new claims per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

WINDOW_MONTHS = 30

_EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    return (d - _EPOCH).days


def iso(day: int) -> str:
    return (_EPOCH + timedelta(days=int(day))).isoformat()


def _fy_start_year(days: np.ndarray) -> np.ndarray:
    """The calendar year in which each day's UK financial year (April to March) starts."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // 12 + 1970 - (months % 12 < 3)


def fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Calendar:
    """Day numbers (days since 1970-01-01) of the extract window."""

    window_start: int
    extract: int

    @classmethod
    def ending(cls, extract_date: date) -> Calendar:
        month = extract_date.year * 12 + extract_date.month - 1 - (WINDOW_MONTHS - 1)
        first = date(month // 12, month % 12 + 1, 1)
        return cls(day_number(first), day_number(extract_date))

    @property
    def n_days(self) -> int:
        return self.extract - self.window_start + 1

    @property
    def first_fy(self) -> int:
        return int(_fy_start_year(np.array([self.window_start]))[0])

    @property
    def n_financial_years(self) -> int:
        return int(_fy_start_year(np.array([self.extract]))[0]) - self.first_fy + 1

    def fy_index(self, days: np.ndarray) -> np.ndarray:
        return _fy_start_year(days) - self.first_fy


def claims_per_day(rng: np.random.Generator, cal: Calendar, claims: int) -> np.ndarray:
    """New claims per day: January and September peaks, a December dip, quiet weekends."""
    days = np.arange(cal.window_start, cal.extract + 1)
    as_dates = days.astype("datetime64[D]")
    month = as_dates.astype("datetime64[M]").astype(np.int64) % 12
    season = np.array([1.35, 1.05, 1.0, 0.95, 0.9, 0.9, 0.95, 1.0, 1.3, 1.1, 0.95, 0.65])
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    week = np.array([1.1, 1.0, 1.0, 1.0, 0.95, 0.25, 0.15])
    day_of_month = (as_dates - as_dates.astype("datetime64[M]")).astype(np.int64) + 1
    holiday = ((month == 11) & np.isin(day_of_month, (25, 26))) | (
        (month == 0) & (day_of_month == 1)
    )
    trend = 1.0 + 0.12 * (days - cal.window_start) / cal.n_days
    weight = season[month] * week[weekday] * trend * np.where(holiday, 0.05, 1.0)
    return rng.multinomial(claims, weight / weight.sum())
