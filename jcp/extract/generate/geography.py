"""The fictional national Jobcentre Plus network the generator draws: 7 groups, 37 districts.

Its shape follows the real one (docs: domain notes, "Organisation"): 7 groups, 37 districts and
about 380 offices of very different sizes, from city-centre offices to rural outposts. Every name
is made up from invented syllables, so no screen suggests figures about a real place.

The layout is fixed (its own seed, not the extract's), like a real network: a 1M and a 10M
extract have the same offices, the same relative sizes and the same work coaches; the extract's
seed decides only the claims and the offices' local habits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

LAYOUT_SEED = 2011  # the year the 7 groups and 37 districts began
OFFICES = 380
MIN_OFFICES, MAX_OFFICES = 6, 16  # per district
MIN_COACHES, MAX_COACHES = 8, 60  # per office
# The national claims a year the sizes are described at: 10M claims over the 30-month window.
NATIONAL_CLAIMS_A_YEAR = 4_000_000
# An office expecting fewer new claims a year than this at national scale is an outpost.
OUTPOST_CLAIMS_A_YEAR = 100

# (group, number of districts); 5 + 6 + 5 + 5 + 6 + 5 + 5 = 37.
_GROUPS = (
    ("Northmarch", 5),
    ("Dalesmoor", 6),
    ("Midshires", 5),
    ("Fenward", 5),
    ("Capital and Estuary", 6),
    ("Chalklands", 5),
    ("Westerhaven", 5),
)
# Place names are an invented stem plus an English ending; the stems were chosen not to make the
# names of real towns with these endings.
# fmt: off
_STEMS = (
    "Quen", "Yarl", "Vell", "Thrim", "Wyth", "Orlan", "Kessel", "Marrow", "Pellen", "Corra",
    "Brenn", "Dunmer", "Eskel", "Farrow", "Gilder", "Hask", "Ivel", "Jesper", "Karrow", "Lanner",
    "Mardle", "Nessel", "Ommer", "Pardle", "Rusk", "Sallow", "Tamsel", "Umber", "Verrow", "Wendle",
    "Yaxel", "Cawdle", "Drisk", "Fenner", "Grisk", "Harrel", "Kelder", "Lorrim", "Missel", "Norrow",
)
_ENDINGS = (
    "by", "ford", "ham", "ley", "wick", "ton", "bridge", "mouth", "worth", "thorpe",
    "stead", "field", "combe", "mere", "ridge", "hope", "well", "dale", "bury", "minster",
)
# fmt: on
# District names the way real ones are made: after their main towns, or a county-like name.
_DISTRICT_PATTERNS = (
    "{a} and {b}",
    "Greater {a}",
    "{a}, {b} and {c}",
    "{a} Vale",
    "{stem}shire",
)


@dataclass(frozen=True)
class Network:
    """Districts (in code order) and offices (grouped by district, largest first)."""

    district_codes: tuple[str, ...]
    district_names: tuple[str, ...]
    district_groups: tuple[str, ...]
    # Share of its FSF allocation each district spends (budgets are set from it).
    spend_ratio: tuple[float, ...]
    office_codes: tuple[str, ...]
    office_names: tuple[str, ...]
    office_district: np.ndarray
    # Each office's share of the nation's claims; sums to 1.
    office_share: np.ndarray
    work_coaches: np.ndarray
    outpost: np.ndarray
    # Local habits the app should expose, by office index: more deferrals (a factor on the
    # chance), or deferred claimants never called back in (the share missed).
    high_deferral: dict[int, float]
    poor_recontact: dict[int, float]


@cache
def national() -> Network:
    """The network, built once; the same on every call and every machine."""
    rng = np.random.default_rng(LAYOUT_SEED)
    n_districts = sum(count for _group, count in _GROUPS)
    groups = tuple(name for name, count in _GROUPS for _ in range(count))
    offices_per_district = _offices_per_district(rng, n_districts)
    # Bigger districts have more offices, and busier ones.
    district_size = offices_per_district * rng.lognormal(0.0, 0.35, n_districts)

    # Office sizes are heavy-tailed: a lognormal with a wide spread (sigma 1.5), its top cut at
    # e**2 times the median so the largest office has about 2% of the nation's claims, not 20%.
    # At NATIONAL_CLAIMS_A_YEAR that gives offices from about 50 new claims a year (2 outposts
    # under 100) through a median of about 5,500 to about 93,000; the work coaches below follow.
    shares, district_of = [], []
    for d, n in enumerate(offices_per_district):
        local = np.sort(np.minimum(rng.lognormal(0.0, 1.5, n), np.exp(2.0)))[::-1]
        shares.append(local / local.sum() * district_size[d])
        district_of += [d] * n
    office_share = np.concatenate(shares)
    office_share /= office_share.sum()
    office_district = np.array(district_of)

    # A team of 8 and 10 more per average office's caseload: a proportional share of staff on
    # top of the minimum an office needs to open, up to 60.
    relative = office_share * len(office_share)
    work_coaches = np.clip(np.rint(MIN_COACHES + 10 * relative), MIN_COACHES, MAX_COACHES)

    stems, office_names = _place_names(rng, len(office_share))
    first = np.concatenate(([0], np.cumsum(offices_per_district)[:-1]))
    district_names = tuple(
        _DISTRICT_PATTERNS[d % len(_DISTRICT_PATTERNS)].format(
            a=office_names[first[d]],
            b=office_names[first[d] + 1],
            c=office_names[first[d] + 2],
            stem=stems[first[d]],
        )
        for d in range(n_districts)
    )
    office_codes = tuple(
        f"D{d + 1:02d}-O{o - first[d] + 1:02d}" for o, d in enumerate(office_district)
    )

    # Habits go to offices of middling size or more, where they show in the figures.
    habit_offices = rng.choice(np.flatnonzero(relative >= 0.5), size=6, replace=False)
    return Network(
        district_codes=tuple(f"D{d + 1:02d}" for d in range(n_districts)),
        district_names=district_names,
        district_groups=groups,
        spend_ratio=tuple(float(r) for r in np.round(rng.uniform(0.55, 1.05, n_districts), 2)),
        office_codes=office_codes,
        office_names=office_names,
        office_district=office_district,
        office_share=office_share,
        work_coaches=work_coaches.astype(np.int64),
        outpost=office_share * NATIONAL_CLAIMS_A_YEAR < OUTPOST_CLAIMS_A_YEAR,
        high_deferral={int(o): f for o, f in zip(habit_offices[:3], (1.6, 1.5, 1.4), strict=True)},
        poor_recontact={
            int(o): m for o, m in zip(habit_offices[3:], (0.40, 0.35, 0.30), strict=True)
        },
    )


def _offices_per_district(rng: np.random.Generator, n_districts: int) -> np.ndarray:
    """6 to 16 offices per district (mostly 8 to 12), adding up to exactly OFFICES."""
    counts = MIN_OFFICES + rng.binomial(MAX_OFFICES - MIN_OFFICES, 0.42, n_districts)
    while counts.sum() != OFFICES:
        step = 1 if counts.sum() < OFFICES else -1
        room = (counts + step >= MIN_OFFICES) & (counts + step <= MAX_OFFICES)
        counts[rng.choice(np.flatnonzero(room))] += step
    return counts


def _place_names(rng: np.random.Generator, n: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """n distinct invented place names, and the stem of each."""
    # A doubled letter at the join ("Wythhope") reads as a typing error.
    combos = [
        (stem, stem + ending) for stem in _STEMS for ending in _ENDINGS if stem[-1] != ending[0]
    ]
    picked = [combos[i] for i in rng.permutation(len(combos))[:n]]
    return tuple(stem for stem, _ in picked), tuple(name for _, name in picked)
