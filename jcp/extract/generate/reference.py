"""The districts and offices claims are spread over, with each office's share and habits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jcp.extract.generate.behaviour import RECONTACT_MISS
from jcp.extract.generate.geography import national as national_network

# Reference data for the sample geography. Names are real places so the app looks plausible;
# nothing else is real. The national geography is in geography.py (fictional names).

# (code, name, region, share of claims, office names); the first office is the big town centre.
# fmt: off
DISTRICTS: tuple[tuple[str, str, str, float, tuple[str, ...]], ...] = (
    ("D01", "Greater Manchester", "North West", 1.30, (
        "Manchester Central", "Salford", "Stockport", "Oldham", "Rochdale", "Bolton", "Bury",
        "Wigan", "Ashton-under-Lyne", "Leigh",
    )),
    ("D02", "West Yorkshire", "Yorkshire and the Humber", 1.05, (
        "Leeds City", "Bradford", "Huddersfield", "Halifax", "Wakefield", "Dewsbury", "Keighley",
        "Pontefract",
    )),
    ("D03", "Birmingham and Solihull", "West Midlands", 1.20, (
        "Birmingham Central", "Erdington", "Handsworth", "Sutton Coldfield", "Selly Oak",
        "Northfield", "Yardley", "Solihull", "Chelmsley Wood",
    )),
    ("D04", "Devon, Cornwall and Somerset", "South West", 0.80, (
        "Plymouth", "Exeter", "Torquay", "Barnstaple", "Truro", "Penzance", "Camborne", "Bodmin",
        "Taunton", "Yeovil", "Bridgwater", "St Ives",
    )),
    ("D05", "Tyne and Wear", "North East", 0.75, (
        "Newcastle", "Gateshead", "Sunderland", "South Shields", "North Shields", "Washington",
    )),
    ("D06", "Kent", "South East", 0.85, (
        "Maidstone", "Canterbury", "Ashford", "Dover", "Margate", "Gravesend", "Folkestone",
        "Faversham",
    )),
)
# fmt: on

# Offices with a fixed expected number of claims whatever the extract size, so that small
# cells (and their suppression) show up in every generated extract.
_SMALL_OFFICES = {"St Ives": 15.0, "Faversham": 60.0}

# Offices with a local habit the app should expose: many deferrals, or deferred claimants who are
# never called back in (the overdue worklist).
_HIGH_DEFERRAL_OFFICES = {"Wakefield": 1.6, "Erdington": 1.4}
_POOR_RECONTACT_OFFICES = {"Oldham": 0.40, "Margate": 0.30}

# Share of the FSF allocation each district spends: D04 and D01 under-spend markedly, D05 over.
_SPEND_RATIO = (0.63, 0.96, 0.71, 0.57, 1.04, 0.84)

# In the national geography no office expects fewer claims than this over the window, so a small
# extract still shows every office; from about 1M claims every office is above it anyway.
_MIN_OFFICE_CLAIMS = 12


def repeat_back(claims: int) -> int:
    """How many claims back a repeat claim's person may have claimed before: about the last 20
    of the window's 30 months of claims, so that many people come back after their earlier
    claim ended (a restart) at any scale. A fixed 20,000 claims, as it was, is the whole window
    at the sample's 20,000 claims (which it keeps) but 18 days at 1M claims and 2 at 10M, when
    the earlier claim is nearly always still open: 24 restarts in a year at 1M."""
    return max(20_000, claims * 2 // 3)


@dataclass(frozen=True)
class Reference:
    """Districts and offices, with each office's share of claims and local habits."""

    district_codes: tuple[str, ...]
    district_names: tuple[str, ...]
    district_regions: tuple[str, ...]
    spend_ratio: tuple[float, ...]
    office_codes: list[str]
    office_names: list[str]
    office_district: np.ndarray
    office_p: np.ndarray
    coach_base: np.ndarray
    coach_count: np.ndarray
    defer_factor: np.ndarray
    recontact_miss: np.ndarray
    fsf_factor: np.ndarray
    small: np.ndarray
    claimant_salt: int
    # How far back (in claims, which are in start order) a repeat claim's person may have
    # claimed before: see repeat_back().
    repeat_back: int = 20_000

    @classmethod
    def build(cls, rng: np.random.Generator, claims: int) -> Reference:
        """The sample geography: DISTRICTS, coaches in proportion to the extract's claims."""
        codes, names, district, weight = [], [], [], []
        for d, (code, _name, _region, share, offices) in enumerate(DISTRICTS):
            local = rng.lognormal(0.0, 0.4, len(offices))
            local[0] *= 1.6
            local = local / local.sum() * share
            for o, office_name in enumerate(offices):
                codes.append(f"{code}-O{o + 1:02d}")
                names.append(office_name)
                district.append(d)
                weight.append(local[o])
        n = len(codes)
        small = np.array([name in _SMALL_OFFICES for name in names])
        p = np.array(weight) / sum(weight)
        # Small offices get a fixed expected count, capped so tiny extracts stay sensible.
        for o in np.flatnonzero(small):
            p[o] = 0.0 if claims == 0 else min(_SMALL_OFFICES[names[o]] / claims, 0.005)
        big = ~small
        p[big] = p[big] / p[big].sum() * (1.0 - p[small].sum())
        # About one work coach per 250 claims over the window, 2 to 150 per office.
        count = np.clip(np.rint(p * claims / 250.0), 2, 150).astype(np.int64)
        count[small] = np.where(p[small] * claims < 30, 1, 2)
        base = 1 + np.concatenate(([0], np.cumsum(count)[:-1]))
        defer = np.clip(rng.lognormal(0.0, 0.15, n), 0.75, 1.3)
        miss = np.clip(RECONTACT_MISS * rng.lognormal(0.0, 0.3, n), 0.03, 0.2)
        fsf = np.clip(rng.lognormal(0.0, 0.3, n), 0.5, 1.8)
        for o, name in enumerate(names):
            defer[o] *= _HIGH_DEFERRAL_OFFICES.get(name, 1.0)
            miss[o] = _POOR_RECONTACT_OFFICES.get(name, miss[o])
        return cls(
            district_codes=tuple(d[0] for d in DISTRICTS),
            district_names=tuple(d[1] for d in DISTRICTS),
            district_regions=tuple(d[2] for d in DISTRICTS),
            spend_ratio=_SPEND_RATIO,
            office_codes=codes,
            office_names=names,
            office_district=np.array(district),
            office_p=p,
            coach_base=base,
            coach_count=count,
            defer_factor=defer,
            recontact_miss=miss,
            fsf_factor=fsf,
            small=small,
            claimant_salt=int(rng.integers(0, 1_000_000_000)),
            repeat_back=repeat_back(claims),
        )

    @classmethod
    def national(cls, rng: np.random.Generator, claims: int) -> Reference:
        """The national geography: geography.py's fixed network; habits drawn from `rng`."""
        net = national_network()
        n = len(net.office_codes)
        p = net.office_share.copy()
        if claims:
            # Raise the smallest offices to the floor (at most half an average office's share,
            # for tiny extracts) and take it from the others in proportion.
            floor = min(_MIN_OFFICE_CLAIMS / claims, 0.5 / n)
            low = p < floor
            p[low] = floor
            p[~low] *= (1.0 - p[low].sum()) / net.office_share[~low].sum()
        # Work coaches follow the office's caseload in the whole network, not in this extract:
        # a 30,000-claim extract samples the same offices and staff as a 10M one.
        count = net.work_coaches
        base = 1 + np.concatenate(([0], np.cumsum(count)[:-1]))
        assert base[-1] + count[-1] <= 10_000, "work_coach_ref has 4 digits"
        defer = np.clip(rng.lognormal(0.0, 0.15, n), 0.75, 1.3)
        miss = np.clip(RECONTACT_MISS * rng.lognormal(0.0, 0.3, n), 0.03, 0.2)
        fsf = np.clip(rng.lognormal(0.0, 0.3, n), 0.5, 1.8)
        for o, factor in net.high_deferral.items():
            defer[o] *= factor
        for o, share_missed in net.poor_recontact.items():
            miss[o] = share_missed
        return cls(
            district_codes=net.district_codes,
            district_names=net.district_names,
            district_regions=net.district_groups,
            spend_ratio=net.spend_ratio,
            office_codes=list(net.office_codes),
            office_names=list(net.office_names),
            office_district=net.office_district,
            office_p=p,
            coach_base=base,
            coach_count=count,
            defer_factor=defer,
            recontact_miss=miss,
            fsf_factor=fsf,
            small=net.outpost,
            claimant_salt=int(rng.integers(0, 1_000_000_000)),
            repeat_back=repeat_back(claims),
        )

    def coach_ref(self, office: int) -> str:
        return f"WC{int(self.coach_base[office]):04d}"
