"""The access file's rules: one listing per e-mail, real e-mails, real codes; else no access."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jcp.measures.access import AccessList, read_access
from jcp.measures.network import Catalogue

# A catalogue of two districts with one office each: the rules need codes, not a database.
CATALOGUE = Catalogue(
    extract_date=dt.date(2026, 10, 31),
    district_names={"D01": "North", "D02": "South"},
    office_districts={"D01-O01": "D01", "D02-O01": "D02"},
    office_names={"D01-O01": "One", "D02-O01": "Two"},
)


def _read(tmp_path: Path, text: str) -> AccessList:
    path = tmp_path / "access.toml"
    path.write_text(text, encoding="utf-8")
    return read_access(path, CATALOGUE)


def test_an_email_listed_three_times_gets_no_access(tmp_path) -> None:
    # The reported bug: the second listing deleted the first and forgot it, so the third (here
    # the national one) was accepted.
    access = _read(
        tmp_path,
        '[users."eve@x.uk"]\nrole = "team_leader"\noffices = ["D01-O01"]\n'
        '[users."EVE@X.UK"]\nrole = "district_manager"\ndistricts = ["D01"]\n'
        '[users."Eve@x.uk "]\nrole = "national"\n',
    )
    for spelling in ("eve@x.uk", "EVE@x.uk", " Eve@X.uk "):
        assert not access.scope_for(spelling, CATALOGUE).has_access, spelling
    assert access.users == {}
    (problem,) = access.problems  # one line for the e-mail, naming every spelling
    assert "'eve@x.uk' listed 3 times" in problem
    assert "'EVE@X.UK'" in problem and "'Eve@x.uk '" in problem


def test_a_duplicate_listing_that_is_itself_invalid_still_removes_access(tmp_path) -> None:
    access = _read(
        tmp_path,
        '[users."eve@x.uk"]\nrole = "national"\n[users."Eve@X.uk"]\nrole = "admin"\n',
    )
    assert not access.scope_for("eve@x.uk", CATALOGUE).has_access
    assert any("listed 2 times" in p for p in access.problems), access.problems


def test_other_users_are_unaffected_by_a_duplicate(tmp_path) -> None:
    access = _read(
        tmp_path,
        '[users."eve@x.uk"]\nrole = "national"\n[users."EVE@x.uk"]\nrole = "national"\n'
        '[users."bob@x.uk"]\nrole = "team_leader"\noffices = ["D02-O01"]\n',
    )
    assert access.scope_for("bob@x.uk", CATALOGUE).offices == frozenset({"D02-O01"})
    assert list(access.users) == ["bob@x.uk"]


def test_emails_are_case_folded_not_just_lowered(tmp_path) -> None:
    # "ß".casefold() is "ss" while "ß".lower() stays "ß": both spellings are one e-mail.
    access = _read(
        tmp_path,
        '[users."strasse@x.uk"]\nrole = "national"\n[users."STRAßE@x.uk"]\nrole = "national"\n',
    )
    assert access.users == {} and "listed 2 times" in access.problems[0]


@pytest.mark.parametrize(
    "email",
    ["", "   ", "eve", "eve@", "@x.uk", "eve@x", "eve@@x.uk", "eve @x.uk", "eve@x.uk@y.uk"],
)
def test_an_empty_or_malformed_email_is_refused(tmp_path, email) -> None:
    access = _read(tmp_path, f'[users."{email}"]\nrole = "national"\n')
    assert access.users == {}
    path = tmp_path / "access.toml"
    assert access.problems == [f"{path}: user {email!r}: not an e-mail address; no access"]
    assert not access.scope_for(email, CATALOGUE).has_access


@pytest.mark.parametrize(
    "entry, empty",
    [
        ('role = "national"\ndistricts = []\n', "districts"),
        ('role = "national"\noffices = []\n', "offices"),
        ('role = "team_leader"\noffices = ["D01-O01"]\ndistricts = []\n', "districts"),
        ('role = "district_manager"\ndistricts = ["D01"]\noffices = []\n', "offices"),
        ('role = "district_manager"\ndistricts = []\n', "districts"),
        ('role = "team_leader"\noffices = []\n', "offices"),
    ],
)
def test_an_empty_list_of_codes_is_refused(tmp_path, entry, empty) -> None:
    access = _read(tmp_path, f'[users."eve@x.uk"]\n{entry}')
    assert access.users == {}
    assert any(f"{empty} lists no codes" in p for p in access.problems), access.problems


def test_a_blank_code_is_refused(tmp_path) -> None:
    access = _read(tmp_path, '[users."eve@x.uk"]\nrole = "team_leader"\noffices = [" "]\n')
    assert access.users == {} and "must be lists of codes" in access.problems[0]


def test_a_valid_file_gives_each_user_their_scope(tmp_path) -> None:
    """The rules refuse only what is wrong: each valid kind of entry is accepted as written."""
    access = _read(
        tmp_path,
        '[users."Analyst@X.uk"]\nrole = "national"\n'
        '[users."boss@x.uk"]\nrole = "district_manager"\ndistricts = ["D02"]\n'
        '[users."lead@x.uk"]\nrole = "team_leader"\noffices = ["D01-O01"]\n',
    )
    assert access.problems == []
    assert access.scope_for(" analyst@x.UK", CATALOGUE).is_national
    assert access.scope_for("boss@x.uk", CATALOGUE).offices == frozenset({"D02-O01"})
    assert access.scope_for("lead@x.uk", CATALOGUE).offices == frozenset({"D01-O01"})
