"""Who sees what: the access file, scope in the runner, the measure command and the app."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from markup import as_shown

from jcp.cli import main
from jcp.extract.db import connect_read_only
from jcp.measures.access import Scope, read_access, sample_access_toml
from jcp.measures.runner import MEASURES, Runner, groupings_of

ROOT = Path(__file__).resolve().parent.parent
ACCESS = ROOT / "sample_data" / "access.toml"
LEADER = "leader.d01-o03@example.gov.uk"  # team leader of D01-O03 only
OFFICE_A, OFFICE_B = "D01-O03", "D01-O04"  # B is in the same district
MANAGER = "manager.d02@example.gov.uk"


@pytest.fixture(scope="module")
def access(sample_runner):
    """The demo access list read against the sample's districts and offices."""
    return read_access(ACCESS, sample_runner.catalogue)


def test_sample_access_file_is_current(sample_runner) -> None:
    """sample_data/access.toml lists a national user, every district and every office."""
    assert ACCESS.read_text(encoding="utf-8") == sample_access_toml(sample_runner.catalogue)


ACCESS_PROBLEMS = {
    "unknown role": ('[users."a@x.uk"]\nrole = "admin"\n', "unknown role 'admin'"),
    "unknown code": (
        '[users."a@x.uk"]\nrole = "team_leader"\noffices = ["D01-O99"]\n',
        "not in the database: D01-O99",
    ),
    "manager without districts": ('[users."a@x.uk"]\nrole = "district_manager"\n', "needs"),
    "national with codes": (
        '[users."a@x.uk"]\nrole = "national"\ndistricts = ["D01"]\n',
        "takes no codes",
    ),
    "codes not a list": (
        '[users."a@x.uk"]\nrole = "team_leader"\noffices = "D01-O01"\n',
        "must be lists",
    ),
    "listed twice": (
        '[users."a@x.uk"]\nrole = "national"\n[users."A@X.uk"]\nrole = "national"\n',
        "listed 2 times",
    ),
    "not toml": ("users = [", "not valid TOML"),
    "no users": ("title = 'x'\n", "no [users"),
}


@pytest.mark.parametrize("case", list(ACCESS_PROBLEMS))
def test_bad_access_entries_are_reported_and_get_no_access(case, tmp_path, sample_runner) -> None:
    text, problem = ACCESS_PROBLEMS[case]
    path = tmp_path / "access.toml"
    path.write_text(text, encoding="utf-8")
    access = read_access(path, sample_runner.catalogue)
    assert any(problem in p for p in access.problems), access.problems
    assert not access.scope_for("a@x.uk", sample_runner.catalogue).has_access


def test_missing_access_file_gives_nobody_access(tmp_path, sample_runner) -> None:
    access = read_access(tmp_path / "none.toml", sample_runner.catalogue)
    assert access.users == {} and "not found" in access.problems[0]


def test_email_matches_case_insensitively(access, sample_runner) -> None:
    scope = access.scope_for("  Leader.D01-O03@Example.GOV.uk ", sample_runner.catalogue)
    assert scope.offices == frozenset({OFFICE_A})


def test_district_manager_sees_every_office_of_the_district(access, sample_runner) -> None:
    scope = access.scope_for(MANAGER, sample_runner.catalogue)
    d02_offices = {o for o, d in sample_runner.catalogue.office_districts.items() if d == "D02"}
    assert scope.offices == frozenset(d02_offices) and len(d02_offices) >= 5
    assert scope.whole_districts(sample_runner.catalogue) == ["D02"]


def _all_results(runner: Runner, scope: Scope, **changes):
    for name in MEASURES:
        for by in groupings_of(name):
            request = runner.default_request(name, by=by, **changes)
            yield name, by, runner.run(request, scope)


@pytest.mark.parametrize(
    "changes",
    [{}, {"offices": (OFFICE_B,)}, {"districts": ("D02",)}, {"offices": (OFFICE_A, OFFICE_B)}],
)
def test_team_leader_never_receives_another_office(sample_runner, access, changes) -> None:
    scope = access.scope_for(LEADER, sample_runner.catalogue)
    for name, by, frame in _all_results(sample_runner, scope, **changes):
        if "office_code" in frame.columns:
            assert set(frame["office_code"]) <= {OFFICE_A}, (name, by)
        if "district_code" in frame.columns:
            assert set(frame["district_code"]) <= {"D01"}, (name, by)
        if name == "fsf_budget":
            # A budget's spend is district-wide: a team leader sees none of it.
            assert frame.height == 0


def test_team_leader_figures_are_their_own_office_only(sample_runner, access) -> None:
    """The leader's totals equal their office's row in the national view, never more.

    The same cell either way (the office's claims), so the same published figure.
    """
    scope = access.scope_for(LEADER, sample_runner.catalogue)
    national = sample_runner.run(
        sample_runner.default_request("caseload", by="office"), Scope.national()
    )
    own = national.filter(national["office_code"] == OFFICE_A).row(0, named=True)
    asked_for_b = sample_runner.run(
        sample_runner.default_request("caseload", offices=(OFFICE_B,)), scope
    )
    assert asked_for_b.row(0, named=True)["live_claims"] == 0
    mine = sample_runner.run(sample_runner.default_request("caseload"), scope).row(0, named=True)
    assert mine["live_claims"] == own["live_claims"] > 0
    assert mine["new_claims"] == own["new_claims"]


def test_district_manager_never_receives_another_district(sample_runner, access) -> None:
    scope = access.scope_for(MANAGER, sample_runner.catalogue)
    for changes in ({}, {"districts": ("D01",)}, {"offices": (OFFICE_A,)}):
        for name, by, frame in _all_results(sample_runner, scope, **changes):
            if "district_code" in frame.columns:
                assert set(frame["district_code"]) <= {"D02"}, (name, by, changes)
    budget = sample_runner.run(sample_runner.default_request("fsf_budget"), scope)
    assert set(budget["district_code"]) == {"D02"}


def test_nobody_sees_nothing(sample_runner) -> None:
    for name, by, frame in _all_results(sample_runner, Scope.nobody()):
        if name in ("overdue_deferrals", "fsf_budget"):
            assert frame.height == 0, name
        elif by in ("district", "office"):
            assert frame.height == 0, (name, by)
        else:  # totals and months exist, with nothing in them
            # A curve's week is a step, not a count: every week is listed, for nobody too.
            step = MEASURES[name].curve
            counts = [c for c, t in frame.schema.items() if t.is_integer() and c != step]
            assert all(frame[c].sum() == 0 for c in counts), (name, by)


def test_unsuppressed_is_for_national_users_only(sample_runner, access) -> None:
    from jcp.measures.runner import RequestError

    scope = access.scope_for(MANAGER, sample_runner.catalogue)
    with pytest.raises(RequestError, match="national users only"):
        sample_runner.run(sample_runner.default_request("caseload"), scope, unsuppressed=True)


# The measure command -------------------------------------------------------------------------


def _measure(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["measure", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_command_needs_to_know_who_is_asking(sample_db, capsys) -> None:
    status, out, err = _measure(capsys, "caseload", "--db", str(sample_db))
    assert status == 2 and out == "" and "--as EMAIL" in err and "--national" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--as", LEADER, "--office", OFFICE_B], f"{OFFICE_B} outside the scope of {LEADER}"),
        (["--as", LEADER, "--district", "D02"], f"D02 outside the scope of {LEADER}"),
        (["--as", "stranger@example.gov.uk"], "not on the access list"),
        (["--as", MANAGER, "--unsuppressed"], "only allowed together with --national"),
        (["--as", MANAGER, "--national"], "not both"),
    ],
)
def test_command_refuses_outside_scope(sample_db, capsys, args, message) -> None:
    status, out, err = _measure(
        capsys, "deferrals", "--db", str(sample_db), "--access", str(ACCESS), *args
    )
    assert status == 2 and out == "" and message in err, err


def test_command_as_team_leader_returns_only_their_office(sample_db, capsys) -> None:
    status, out, _ = _measure(
        capsys,
        "deferrals",
        "--db",
        str(sample_db),
        "--access",
        str(ACCESS),
        "--as",
        LEADER,
        "--by",
        "office",
        "--format",
        "json",
    )
    assert status == 0
    assert [row["office_code"] for row in json.loads(out)] == [OFFICE_A]


def test_command_marks_small_cells(sample_db, capsys) -> None:
    """National output is suppressed unless --unsuppressed is given."""
    args = ["deferrals", "--db", str(sample_db), "--by", "office", "--national", "--format", "csv"]
    _, suppressed, _ = _measure(capsys, *args)
    _, unsuppressed, _ = _measure(capsys, *args, "--unsuppressed")
    assert "[c]" in suppressed and "[c]" not in unsuppressed
    assert len(suppressed.splitlines()) == len(unsuppressed.splitlines())


# The read-only connection --------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "copy claims to '/tmp/jcp_leak.csv'",
        "attach '/tmp/jcp_other.duckdb' as other",
        "create table stolen as select 1",
        "insert into districts values ('D99', 'x', 'y')",
        "set enable_external_access = true",
        "install httpfs",
    ],
)
def test_app_connection_refuses_files_writes_and_settings(sample_db, statement) -> None:
    con = connect_read_only(sample_db)
    with pytest.raises(duckdb.Error):
        con.execute(statement)
    assert not Path("/tmp/jcp_leak.csv").exists()


def test_user_text_cannot_reach_files_through_the_runner(sample_runner) -> None:
    """Filter values are bound parameters: SQL in them is only ever an unknown code."""
    from jcp.measures.runner import RequestError

    for evil in ("x'); select * from read_csv('/etc/passwd'); --", "D01' or '1'='1"):
        with pytest.raises(RequestError, match="unknown"):
            sample_runner.run(
                sample_runner.default_request("caseload", offices=(evil,)), Scope.national()
            )


# The app -------------------------------------------------------------------------------------


def _audit(tmp_path) -> list[dict]:
    """The events app_for's audit log holds."""
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_team_leader_link_to_another_office_shows_nothing_of_it(
    sample_db, app_for, tmp_path, sample_runner, access
) -> None:
    at = app_for(sample_db, {"office": OFFICE_B})
    at.run()
    at.selectbox(key="demo_user").set_value(LEADER).run()
    # A fresh session opened from the link by the team leader:
    at2 = app_for(sample_db, {"office": OFFICE_B}, demo_user=LEADER)
    at2.run()
    assert not at2.exception
    notices = " ".join(as_shown(w.value) for w in at2.warning)
    assert f"'{OFFICE_B}'" in notices and "not available to you" in notices
    assert at2.multiselect(key="filter_offices").options == [
        f"{sample_runner.catalogue.office_names[OFFICE_A]} ({OFFICE_A})"
    ]
    scope = access.scope_for(LEADER, sample_runner.catalogue)
    own = sample_runner.run(sample_runner.default_request("caseload"), scope)["live_claims"][0]
    at2.switch_page("pages/overview.py").run()  # a team leader lands on Needs attention
    tile = [m.value for m in at2.metric if m.label == "Live caseload"][0]
    assert tile == f"{own:,}"
    events = [e["event"] for e in _audit(tmp_path)]
    assert "sign_in" in events and "scope_denied" in events


def test_unknown_signed_in_user_sees_only_a_message(sample_db, app_for, tmp_path) -> None:
    at = app_for(sample_db, real_sign_in=True)
    at.user = {"is_logged_in": True, "email": "stranger@example.gov.uk"}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["No access yet"]
    assert not at.metric and not at.dataframe
    assert "demo_user" not in [s.key for s in at.selectbox]
    assert _audit(tmp_path)[-1]["event"] == "scope_denied"


def test_demo_mode_is_off_when_auth_is_configured(sample_db, app_for) -> None:
    at = app_for(sample_db, {"demo": "1", "demo_user": "analyst"}, real_sign_in=True)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert "demo_user" not in [s.key for s in at.selectbox]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not any("Demo mode" in i.value for i in at.info)


def test_signed_in_user_with_auth_sees_their_scope(sample_db, app_for) -> None:
    at = app_for(sample_db, real_sign_in=True)
    at.user = {"is_logged_in": True, "email": MANAGER.upper()}
    at.run()
    assert not at.exception
    assert at.multiselect(key="filter_districts").options == ["West Yorkshire (D02)"]


@pytest.mark.parametrize("email, sees_raw", [("analyst@x.uk", True), ("boss.d01@x.uk", False)])
def test_rejected_rows_original_values_for_national_users_only(
    app_for, tmp_path, email, sees_raw
) -> None:
    from extracts import valid_tables, write_extract

    from jcp.extract.load import load

    tables = valid_tables()
    tables["claims"].append({**tables["claims"][0], "claim_id": "C7", "benefit": "PIP"})
    db = tmp_path / "tiny.duckdb"
    load(write_extract(tmp_path / "extract", tables), db)
    access = tmp_path / "access.toml"
    access.write_text(
        '[users."analyst@x.uk"]\nrole = "national"\n'
        '[users."boss.d01@x.uk"]\nrole = "district_manager"\ndistricts = ["D01"]\n',
        encoding="utf-8",
    )
    at = app_for(db, access=access, demo_user=email)
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception
    # Everyone sees the count by rule; only national users see the rows' original values.
    assert at.dataframe[1].value["rule_id"].tolist() == ["claims.benefit.allowed"]
    shown_raw = any("PIP" in str(frame.value.to_dict()) for frame in at.dataframe)
    assert shown_raw is sees_raw
    notes = " ".join(c.value for c in at.caption)
    assert ("national users only" in notes) is not sees_raw
