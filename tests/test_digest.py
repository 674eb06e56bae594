"""The weekly digest (issue 18 s.5): written as text and HTML, sent to a real SMTP server on
127.0.0.1 (aiosmtpd, started here), audit-logged, and refused in one line on bad input."""

from __future__ import annotations

import csv
import email
import json
import re
import socket
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from jcp.cli import main
from jcp.config import Settings
from jcp.digest import file_stem, render_html, render_text
from jcp.extract.db import connect_read_only
from jcp.measures.access import Scope, read_access
from jcp.measures.attention import Attention, attention, make_item
from jcp.measures.filters import Filters
from jcp.measures.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
ACCESS = ROOT / "sample_data" / "access.toml"
APP_URL = "https://dash.example.gov.uk"
SENDER = "jcp-dashboard@example.gov.uk"
MANAGER = "manager.d02@example.gov.uk"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping every message it accepts; refuses the recipients it is told."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.envelopes: list = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (a free port), stopped after the test."""
    servers = []

    def start(refuse: frozenset[str] = frozenset()) -> tuple[Mailbox, int]:
        mailbox, port = Mailbox(refuse), _free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return mailbox, port

    yield start
    for controller in servers:
        controller.stop()


@pytest.fixture
def configure(tmp_path, monkeypatch, sample_db):
    """Writes a jcp.toml for the digest (database: the sample) and returns the audit log path."""

    def write(port: int | None = None, sender: str | None = SENDER, starttls: bool = False):
        audit_log = tmp_path / "audit.jsonl"
        text = f'[access]\nfile = "{ACCESS}"\n[audit]\nlog = "{audit_log}"\n'
        text += f'[app]\nurl = "{APP_URL}"\n'
        text += f'[digest]\nhost = "127.0.0.1"\nport = {port or 25}\n'
        text += f"starttls = {'true' if starttls else 'false'}\n"
        if sender:
            text += f'sender = "{sender}"\n'
        config = tmp_path / "jcp.toml"
        config.write_text(text, encoding="utf-8")
        monkeypatch.setenv("JCP_CONFIG", str(config))
        monkeypatch.setenv("JCP_DB", str(sample_db))
        monkeypatch.delenv("JCP_SMTP_USER", raising=False)
        monkeypatch.delenv("JCP_SMTP_PASSWORD", raising=False)
        return audit_log

    return write


def _digest(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        status = main(["digest", *args])
    except SystemExit as exc:  # argparse's usage errors
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def _sample_identifiers() -> tuple[set[str], set[str], set[str]]:
    with (ROOT / "sample_data" / "claims.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return (
        {r["claim_id"] for r in rows},
        {r["claimant_ref"] for r in rows},
        {r["work_coach_ref"] for r in rows if r["work_coach_ref"]},
    )


def test_every_users_digest_arrives_at_the_smtp_server(
    smtp_server, configure, capsys, tmp_path, sample_runner
) -> None:
    mailbox, port = smtp_server()
    audit_log = configure(port)
    out = tmp_path / "digests"
    status, printed, err = _digest(capsys, "--all-users", str(out), "--send")
    assert status == 0, err
    users = set(read_access(ACCESS, sample_runner.catalogue).users)
    assert len(users) == 1 + 6 + 53  # the demo list: an analyst, 6 managers, 53 team leaders
    assert f"sent {len(users)} digests by 127.0.0.1:{port}" in printed
    # One message per user, to that user alone, from the configured sender.
    assert sorted(tuple(e.rcpt_tos) for e in mailbox.envelopes) == sorted((u,) for u in users)
    assert {e.mail_from for e in mailbox.envelopes} == {SENDER}
    claim_ids, claimant_refs, coach_refs = _sample_identifiers()
    for envelope in mailbox.envelopes:
        mail = email.message_from_bytes(envelope.content, policy=policy.default)
        assert mail["To"] == envelope.rcpt_tos[0]
        assert mail["Subject"].startswith("JCP dashboard, data as at 31 October 2026: ")
        plain = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert plain.startswith("Needs attention (") and "<html" in html
        assert f"Open the dashboard: {APP_URL}/" in plain
        # No claim id, claimant reference or work coach from the sample data, in any form.
        text = envelope.content.decode("utf-8", errors="replace") + plain + html
        assert not re.search(r"\bC\d{8}\b|\bP\d{9}\b|\bWC\d{4}\b", text)
        assert not {w for w in re.findall(r"[A-Z]+\d+", text)} & (
            claim_ids | claimant_refs | coach_refs
        )
    # The district manager's digest is their attention list, item by item, with its links.
    scope = read_access(ACCESS, sample_runner.catalogue).scope_for(MANAGER, sample_runner.catalogue)
    found = attention(sample_runner, Filters("2025-11", "2026-10"), scope, Settings())
    (mine,) = [e for e in mailbox.envelopes if e.rcpt_tos == [MANAGER]]
    mail = email.message_from_bytes(mine.content, policy=policy.default)
    plain = mail.get_body(("plain",)).get_content()
    assert found.items
    for item in found.items:
        assert item.text in plain
        assert item.link(APP_URL) in plain
    # Every digest sent is audit-logged: who, how many items of which kinds; no figure.
    entries = [json.loads(line) for line in audit_log.read_text(encoding="utf-8").splitlines()]
    sent = [e for e in entries if e["event"] == "digest_sent"]
    assert sorted(e["user"] for e in sent) == sorted(users)
    manager_entry = next(e for e in sent if e["user"] == MANAGER)
    assert manager_entry["rows"] == len(found.items)
    for entry in sent:
        assert re.fullmatch(
            r"items by kind: (none|[a-z0-9_]+ \d+(, [a-z0-9_]+ \d+)*)", entry["detail"]
        )
        assert "%" not in json.dumps(entry) and "£" not in json.dumps(entry)
    # And the files: one text and one HTML file per user.
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{file_stem(u)}{suffix}" for u in users for suffix in (".txt", ".html")
    )


def test_as_prints_the_text_and_out_writes_both(configure, capsys, tmp_path) -> None:
    configure()
    status, printed, _ = _digest(capsys, "--as", MANAGER.upper())
    assert status == 0
    assert printed.startswith("Needs attention (district manager: D02)\n")
    assert f"{APP_URL}/deferrals?" in printed
    status, printed, _ = _digest(capsys, "--as", MANAGER, "--out", str(tmp_path / "one"))
    assert status == 0
    written = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert written == [f"{MANAGER}.html", f"{MANAGER}.txt"]
    html = (tmp_path / "one" / f"{MANAGER}.html").read_text(encoding="utf-8")
    assert f'<a href="{APP_URL}/deferrals?' in html


def test_html_escapes_text_and_links() -> None:
    """Names come from the extract: markup in one is shown as text in both parts."""
    filters = Filters("2025-11", "2026-10", offices=("O<1>",))
    item = make_item(
        "overdue", 1, 'Office <script>alert("x")</script> & co: 3 overdue.', "deferrals", filters
    )
    found = Attention((item,), ("Data: <b>none</b>.",), 3, {"overdue": 1})

    class Stub:
        """What rendering reads of a runner: the extract date and the catalogue."""

        import datetime as _dt

        extract_date = _dt.date(2026, 10, 31)
        catalogue = None

    scope = Scope("team_leader", frozenset({"O<1>"}), "team leader: O<1>")
    html = render_html(found, scope, filters, Stub(), "https://dash.example")
    assert "<script>" not in html and "<b>" not in html
    assert "Office &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    assert "team leader: O&lt;1&gt;" in html
    # The link's query is URL-encoded, then HTML-escaped in the attribute.
    assert (
        'href="https://dash.example/deferrals?office=O%3C1%3E&amp;from=2025-11&amp;to=2026-10"'
        in html
    )
    plain = render_text(found, scope, filters, Stub(), "https://dash.example")
    assert 'Office <script>alert("x")</script> & co: 3 overdue.' in plain  # text is text


def test_links_are_left_out_without_an_app_url(sample_runner) -> None:
    found = attention(sample_runner, Filters("2025-11", "2026-10"), Scope.national(), Settings())
    plain = render_text(found, Scope.national(), Filters("2025-11", "2026-10"), sample_runner, None)
    assert "http" not in plain and "See Interviews and deferrals." in plain


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as", "nobody@example.gov.uk"], "--as nobody@example.gov.uk: not on the access list"),
        (["--as", MANAGER, "--all-users", "x"], "--as EMAIL, or --all-users OUTDIR"),
        ([], "--as EMAIL, or --all-users OUTDIR"),
        (["--all-users", "x", "--out", "y"], "--out is for --as EMAIL"),
    ],
)
def test_bad_requests_are_refused_in_one_line(configure, capsys, args, message) -> None:
    configure()
    status, out, err = _digest(capsys, *args)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_an_unwritable_folder_is_refused_in_one_line(configure, capsys, tmp_path) -> None:
    configure()
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    status, _, err = _digest(capsys, "--all-users", str(blocker / "digests"))
    assert status == 2
    assert f"{blocker / 'digests'}: cannot write the digests" in err
    assert len(err.strip().splitlines()) == 1, err


def test_a_refused_connection_is_one_line_and_nothing_is_logged(configure, capsys) -> None:
    audit_log = configure(_free_port())  # nothing listens there
    status, _, err = _digest(capsys, "--as", MANAGER, "--send")
    assert status == 2
    assert "SMTP server 127.0.0.1:" in err and "(0 of 1 sent)" in err
    assert len(err.strip().splitlines()) == 1, err
    logged = audit_log.read_text(encoding="utf-8") if audit_log.exists() else ""
    assert "digest_sent" not in logged


def test_a_refused_recipient_stops_the_run_and_only_the_sent_are_logged(
    smtp_server, configure, capsys
) -> None:
    mailbox, port = smtp_server(refuse=frozenset({MANAGER}))
    audit_log = configure(port)
    status, _, err = _digest(capsys, "--all-users", str(Path(audit_log).parent / "d"), "--send")
    assert status == 2 and "did not take the digests" in err
    assert len(err.strip().splitlines()) == 1, err
    sent = [
        json.loads(line)["user"]
        for line in audit_log.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["event"] == "digest_sent"
    ]
    assert MANAGER not in sent
    assert sorted(sent) == sorted(tuple(e.rcpt_tos)[0] for e in mailbox.envelopes)


def test_credentials_need_starttls_and_a_sender_is_needed(configure, capsys, monkeypatch) -> None:
    configure(_free_port())
    monkeypatch.setenv("JCP_SMTP_USER", "digest")
    monkeypatch.setenv("JCP_SMTP_PASSWORD", "secret-password")
    status, _, err = _digest(capsys, "--as", MANAGER, "--send")
    assert status == 2 and "only sent over STARTTLS" in err
    assert "secret-password" not in err
    monkeypatch.delenv("JCP_SMTP_PASSWORD")
    status, _, err = _digest(capsys, "--as", MANAGER, "--send")
    assert status == 2 and "set both $JCP_SMTP_USER and $JCP_SMTP_PASSWORD" in err
    monkeypatch.delenv("JCP_SMTP_USER")
    configure(_free_port(), sender=None)
    status, _, err = _digest(capsys, "--as", MANAGER, "--send")
    assert status == 2 and "[digest] sender" in err


def test_file_names_cannot_name_a_path() -> None:
    assert file_stem("leader.d01-o01@example.gov.uk") == "leader.d01-o01@example.gov.uk"
    assert file_stem("../../etc/passwd@x.uk") == "_.._etc_passwd@x.uk"
    assert "/" not in file_stem("a/b@c.d")


def test_the_digest_reads_published_figures_only(sample_db) -> None:
    """The runner the digest uses applies disclosure control: a result it is given carries the
    suppressed list of a published result (the unsuppressed path is never taken)."""
    runner = Runner(connect_read_only(sample_db))
    from jcp.digest import remembering

    remembered = remembering(runner)
    request = remembered.default_request("deferrals", by="office")
    first = remembered.run(request, Scope.national())
    assert "suppressed" in first.columns
    assert remembered.run(request, Scope.national()) is first  # remembered, not run again
