"""Who sees what: the access file, roles, and the scope a signed-in user's requests carry."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jcp.measures.network import Catalogue

ROLES = ("national", "district_manager", "team_leader")
# One @ with something either side, a dot in the domain, no spaces: enough to refuse an empty
# or mistyped key, without pretending to validate every address RFC 5322 allows.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email_key(email: str) -> str:
    """How an e-mail is matched, in the file and at sign-in: trimmed and case-folded."""
    return email.strip().casefold()


@dataclass(frozen=True)
class Scope:
    """The districts and offices a user may see. None means no limit (national)."""

    role: str
    offices: frozenset[str] | None = None  # office codes visible; None = every office
    label: str = ""

    @classmethod
    def national(cls) -> Scope:
        return cls("national", None, "national")

    @classmethod
    def nobody(cls) -> Scope:
        return cls("none", frozenset(), "no access")

    @property
    def is_national(self) -> bool:
        return self.offices is None

    @property
    def has_access(self) -> bool:
        return self.offices is None or bool(self.offices)

    def visible_offices(self, catalogue: Catalogue) -> list[str]:
        return [o for o in catalogue.office_districts if self.offices is None or o in self.offices]

    def visible_districts(self, catalogue: Catalogue) -> list[str]:
        """Districts with at least one visible office (all districts for national users)."""
        if self.offices is None:
            return list(catalogue.districts)
        seen = {catalogue.office_districts[o] for o in self.offices}
        return [d for d in catalogue.districts if d in seen]

    def narrowing(
        self, districts: tuple[str, ...], offices: tuple[str, ...], catalogue: Catalogue
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """District and office filters in one form for every way of asking the same thing:
        sorted, without repeats, and empty where a filter names exactly what this scope sees
        (a district manager of one district who picks it; a team leader who picks their one
        office), since the scope limits a request to those anyway.

        What keys the app's shared result cache, so equivalent requests share one entry
        (Runner.equivalent says which results it holds for). A national user's lists are only
        sorted: naming every district would narrow the rows to the catalogue's.
        """
        districts, offices = tuple(sorted(set(districts))), tuple(sorted(set(offices)))
        if self.offices is None or not self.offices:
            return districts, offices
        if districts and set(districts) == set(self.visible_districts(catalogue)):
            districts = ()
        if offices and set(offices) == set(self.visible_offices(catalogue)):
            offices = ()
        return districts, offices

    def equivalent_codes(self, asked: Any, catalogue: Catalogue) -> dict[str, tuple[str, ...]]:
        """The code filters of `asked` (a request or the sidebar's filters: anything with
        districts, offices, benefits and groups) in the one form that keys a shared cache:
        districts and offices as `narrowing` gives them, benefits and groups sorted without
        repeats. For `dataclasses.replace(asked, **...)`."""
        districts, offices = self.narrowing(asked.districts, asked.offices, catalogue)
        return {
            "districts": districts,
            "offices": offices,
            "benefits": tuple(sorted(set(asked.benefits))),
            "groups": tuple(sorted(set(asked.groups))),
        }

    def whole_districts(self, catalogue: Catalogue) -> list[str]:
        """Districts every office of which is visible: who may see district-wide figures."""
        if self.offices is None:
            return list(catalogue.districts)
        return [
            d
            for d in self.visible_districts(catalogue)
            if all(o in self.offices for o, od in catalogue.office_districts.items() if od == d)
        ]


@dataclass(frozen=True)
class User:
    email: str
    role: str
    districts: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()

    def scope(self, catalogue: Catalogue) -> Scope:
        if self.role == "national":
            return Scope.national()
        if self.role == "district_manager":
            offices = frozenset(
                o for o, d in catalogue.office_districts.items() if d in self.districts
            )
            return Scope(self.role, offices, "district manager: " + ", ".join(self.districts))
        return Scope(self.role, frozenset(self.offices), "team leader: " + ", ".join(self.offices))


@dataclass
class AccessList:
    users: dict[str, User] = field(default_factory=dict)  # keyed by email_key(e-mail)
    problems: list[str] = field(default_factory=list)

    def user(self, email: str | None) -> User | None:
        return self.users.get(email_key(email or ""))

    def scope_for(self, email: str | None, catalogue: Catalogue) -> Scope:
        user = self.user(email)
        return user.scope(catalogue) if user else Scope.nobody()


def _as_codes(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(value)
    return None


def read_access(path: Path | str, catalogue: Catalogue) -> AccessList:
    """Read the access file. Problems are collected, never widened: a bad entry gets no access."""
    path = Path(path)
    access = AccessList()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        access.problems.append(f"{path}: access file not found; nobody has access")
        return access
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        access.problems.append(f"{path}: not valid TOML ({exc}); nobody has access")
        return access
    users = data.get("users")
    if not isinstance(users, dict):
        access.problems.append(f'{path}: no [users."e-mail"] tables; nobody has access')
        return access
    known_districts, known_offices = set(catalogue.districts), set(catalogue.office_districts)
    # Counted over every listing before any is accepted, valid or not: an e-mail listed more
    # than once in any spelling gets no access however many times it appears, rather than
    # whichever listing happened to come last.
    listings = Counter(email_key(email) for email in users)
    reported: set[str] = set()
    for email, entry in users.items():
        key = email_key(email)
        where = f"{path}: user {email!r}"
        if not EMAIL_PATTERN.fullmatch(key):
            access.problems.append(f"{where}: not an e-mail address; no access")
            continue
        if listings[key] > 1:
            if key not in reported:
                reported.add(key)
                spellings = ", ".join(repr(e) for e in users if email_key(e) == key)
                access.problems.append(
                    f"{path}: user {key!r} listed {listings[key]} times ({spellings}; e-mails "
                    "match ignoring case and surrounding spaces); no access"
                )
            continue
        if not isinstance(entry, dict):
            access.problems.append(f"{where}: not a table; no access")
            continue
        role = entry.get("role")
        if role not in ROLES:
            access.problems.append(
                f"{where}: unknown role {role!r} (use {', '.join(ROLES)}); no access"
            )
            continue
        districts = _as_codes(entry.get("districts", []))
        offices = _as_codes(entry.get("offices", []))
        if districts is None or offices is None:
            access.problems.append(
                f"{where}: districts and offices must be lists of codes; no access"
            )
            continue
        # An empty list reads as "all" to some and "none" to others: say which by leaving the
        # key out (national) or listing the codes.
        empty = [name for name in ("districts", "offices") if entry.get(name) == []]
        if empty:
            access.problems.append(
                f"{where}: {' and '.join(empty)} lists no codes (list them, or leave the key "
                "out); no access"
            )
            continue
        if role == "district_manager" and (not districts or offices):
            access.problems.append(
                f"{where}: a district_manager needs districts (and no offices); no access"
            )
            continue
        if role == "team_leader" and (not offices or districts):
            access.problems.append(
                f"{where}: a team_leader needs offices (and no districts); no access"
            )
            continue
        if role == "national" and (districts or offices):
            access.problems.append(f"{where}: a national user takes no codes; no access")
            continue
        unknown = sorted(set(districts) - known_districts) + sorted(set(offices) - known_offices)
        if unknown:
            access.problems.append(
                f"{where}: code(s) not in the database: {', '.join(unknown)}; no access"
            )
            continue
        access.users[key] = User(key, role, districts, offices)
    return access


def sample_access_toml(catalogue: Catalogue) -> str:
    """Demo access file: one national user, a manager per district, a leader per office."""
    lines = [
        "# Demo access list for the sample data (used in demo mode and by the tests).",
        "# Real deployments point [access] file in jcp.toml at their own list.",
        "",
        '[users."analyst@example.gov.uk"]',
        'role = "national"',
    ]
    for district in catalogue.districts:
        lines += [
            "",
            f'[users."manager.{district.lower()}@example.gov.uk"]',
            'role = "district_manager"',
            f'districts = ["{district}"]',
        ]
    for office in catalogue.office_districts:
        lines += [
            "",
            f'[users."leader.{office.lower()}@example.gov.uk"]',
            'role = "team_leader"',
            f'offices = ["{office}"]',
        ]
    return "\n".join(lines) + "\n"
