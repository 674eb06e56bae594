"""The shared filter state: read from and written to the URL query string, checked against the data.

Kept free of Streamlit so the rules (what a link may ask for, what is dropped and why) are
plain functions with plain tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from jcp.extract import contract
from jcp.measures.network import Catalogue
from jcp.measures.runner import (
    MONTH_PATTERN,
    MeasureRequest,
    default_period,
    months_between,
    shift_months,
)

if TYPE_CHECKING:
    from jcp.measures.access import Scope

# URL parameter names; each may repeat (?district=D01&district=D02).
URL_KEYS = ("district", "office", "from", "to", "benefit", "group")


@dataclass(frozen=True)
class Filters:
    """What the sidebar has chosen; empty tuples mean "all"."""

    period_from: str
    period_to: str
    districts: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def request(self, measure: str, by: str = "total") -> MeasureRequest:
        return MeasureRequest(
            measure,
            self.period_from,
            self.period_to,
            by=by,
            districts=self.districts,
            offices=self.offices,
            benefits=self.benefits,
            groups=self.groups,
        )

    @property
    def months(self) -> int:
        return len(months_between(self.period_from, self.period_to))

    def previous_period(self) -> Filters:
        """The same filters over the equally long period just before this one."""
        return replace(
            self,
            period_from=shift_months(self.period_from, -self.months),
            period_to=shift_months(self.period_from, -1),
        )

    def compared(self) -> Filters:
        """These filters over every district and office in view (the scope still limits them):
        what a chart by district or office sets the chosen ones against."""
        return replace(self, districts=(), offices=())

    def chosen(self, catalogue: Catalogue, group_column: str) -> tuple[str, ...]:
        """The codes a chart by `group_column` highlights: the districts or offices chosen, or
        those the other choice implies (a chosen office's district; a chosen district's
        offices). Empty when nothing is chosen."""
        if group_column == "district_code":
            if self.districts:
                return self.districts
            return tuple(dict.fromkeys(catalogue.office_districts[o] for o in self.offices))
        if self.offices:
            return self.offices
        return tuple(o for o, d in catalogue.office_districts.items() if d in self.districts)

    def equivalent(self, scope: Scope, catalogue: Catalogue) -> Filters:
        """These filters in the one form that keys the app's shared caches (a league, a page's
        sentences): codes sorted without repeats, and a district or office choice naming
        exactly what the scope sees dropped (Scope.narrowing; Runner.equivalent for requests).
        """
        return replace(self, **scope.equivalent_codes(self, catalogue))

    def to_query(self) -> dict[str, list[str]]:
        """URL query parameters for this state (defaults included, so a link is exact)."""
        query = {
            "district": list(self.districts),
            "office": list(self.offices),
            "from": [self.period_from],
            "to": [self.period_to],
            "benefit": list(self.benefits),
            "group": list(self.groups),
        }
        return {k: v for k, v in query.items() if v}

    def describe(self, catalogue: Catalogue | None = None) -> str:
        """One line saying what the figures cover, for headers and exports; with the catalogue,
        districts and offices by name (code beside) and values by their labels."""

        def named(names: dict[str, str], code: str) -> str:
            return f"{names[code]} ({code})" if code in names else code

        district_names = catalogue.district_names if catalogue else {}
        office_names = catalogue.office_names if catalogue else {}
        labels = contract.VALUE_LABELS if catalogue else {}
        parts = [f"period {self.period_from} to {self.period_to}"]
        for label, values in (
            ("districts", [named(district_names, c) for c in self.districts]),
            ("offices", [named(office_names, c) for c in self.offices]),
            ("benefits", [labels.get("benefit", {}).get(c, c) for c in self.benefits]),
            ("claimant groups", [labels.get("claimant_group", {}).get(c, c) for c in self.groups]),
        ):
            parts.append(f"{label} {', '.join(values) if values else 'all'}")
        return "; ".join(parts)


def available_months(catalogue: Catalogue) -> list[str]:
    """Months a period can start or end in: from the first claim to the extract month."""
    last = f"{catalogue.extract_date:%Y-%m}"
    first = catalogue.first_month or default_period(catalogue.extract_date)[0]
    return months_between(min(first, last), last)


def default_filters(catalogue: Catalogue) -> Filters:
    first, last = default_period(catalogue.extract_date)
    return Filters(max(first, available_months(catalogue)[0]), last)


def _keep_known(
    values: Sequence[str],
    visible: Sequence[str],
    label: str,
    notices: list[str],
    existing: Sequence[str] = (),
) -> tuple[str, ...]:
    kept = []
    for value in dict.fromkeys(values):  # de-duplicate, keep order
        if value in visible:
            kept.append(value)
        elif value in existing:
            notices.append(f"Ignored {label} {value!r} from the link: it is not available to you.")
        else:
            notices.append(f"Ignored {label} {value!r} from the link: it is not in this data.")
    return tuple(kept)


def filters_from_query(
    query: Mapping[str, Sequence[str]], catalogue: Catalogue, scope: Scope
) -> tuple[Filters, list[str]]:
    """Filters a link asks for, and a notice for each value that had to be dropped.

    Codes outside the user's scope are dropped like unknown ones: a link never widens a scope.
    """
    notices: list[str] = []
    defaults = default_filters(catalogue)
    months = available_months(catalogue)
    districts = _keep_known(
        query.get("district", ()),
        scope.visible_districts(catalogue),
        "district",
        notices,
        catalogue.districts,
    )
    offices_allowed = [
        office
        for office in scope.visible_offices(catalogue)
        if not districts or catalogue.office_districts[office] in districts
    ]
    offices = _keep_known(
        query.get("office", ()),
        offices_allowed,
        "office",
        notices,
        list(catalogue.office_districts),
    )
    benefits = _keep_known(query.get("benefit", ()), contract.BENEFITS, "benefit", notices)
    groups = _keep_known(
        query.get("group", ()), contract.CLAIMANT_GROUPS, "claimant group", notices
    )

    def month(key: str, default: str) -> str:
        values = list(query.get(key, ()))
        if not values:
            return default
        value = values[-1]
        if not MONTH_PATTERN.fullmatch(value) or value not in months:
            notices.append(
                f"Ignored {key} month {value!r} from the link: use a month from {months[0]} "
                f"to {months[-1]}, written YYYY-MM."
            )
            return default
        return value

    period_from = month("from", defaults.period_from)
    period_to = month("to", defaults.period_to)
    if period_from > period_to:
        notices.append(
            f"Ignored the period {period_from} to {period_to} from the link: it starts after "
            "it ends. Showing the default period."
        )
        period_from, period_to = defaults.period_from, defaults.period_to
    return Filters(period_from, period_to, districts, offices, benefits, groups), notices
