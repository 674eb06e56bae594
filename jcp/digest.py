"""The weekly digest: each user's "Needs attention" list as an e-mail, in plain text and HTML.

`python -m jcp digest` writes it (or sends it by SMTP) from the same list the attention page
shows (jcp.measures.attention), so the two never differ. Everything in it is a published figure
(after disclosure control) or the size of an operational list within the user's scope: no claim
id, no claimant reference, no work coach. Links go to the dashboard's address ([app] url in
jcp.toml) with the item's page and filters.

Period: the sidebar's default (jcp.measures.filters.default_filters): the 12 whole months ending
with the extract date's month (from the first month with data, if that is later), so a link
opens the page on the figures the digest quotes.

Sending: one SMTP connection ([digest] host, port, starttls, sender in jcp.toml), a user name
and password only from $JCP_SMTP_USER and $JCP_SMTP_PASSWORD, and only over STARTTLS. Every
digest sent is audit-logged: the user, how many items and of which kinds, never a figure.
"""

from __future__ import annotations

import functools
import html
import os
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from jcp.config import Settings
from jcp.measures.access import AccessList, Scope
from jcp.measures.attention import KIND_WORDS, Attention, Item, attention
from jcp.measures.filters import Filters, default_filters
from jcp.measures.runner import Runner
from jcp.web import audit

SMTP_TIMEOUT = 30  # seconds: a mail server that does not answer is a failure, not a hang
USER_VARIABLE, PASSWORD_VARIABLE = "JCP_SMTP_USER", "JCP_SMTP_PASSWORD"


class DigestError(ValueError):
    """A digest that cannot be written or sent; the message is one line naming the problem."""


@dataclass(frozen=True)
class Digest:
    """One user's digest, ready to write or send."""

    email: str
    subject: str
    text: str
    html: str
    kinds: dict[str, int]  # items per kind, for the audit log (no figures)

    @property
    def items(self) -> int:
        return sum(self.kinds.values())

    def audit_detail(self) -> str:
        kinds = [f"{kind} {count}" for kind, count in self.kinds.items() if count]
        return "items by kind: " + (", ".join(kinds) if kinds else "none")


def digest_filters(runner: Runner) -> Filters:
    """The digest's period and filters: the sidebar's default view (see the module's docstring)."""
    return default_filters(runner.catalogue)


def remembering(runner: Runner) -> Runner:
    """The runner with each result remembered for the rest of this command: digests for every
    user of the access file ask for the same national figures (each comparison's target and
    phi) once per user. Results are frames nothing changes in place, as the app's caches
    share them."""
    run = runner.run

    @functools.cache
    def remembered(request, scope, *, unsuppressed: bool = False):
        return run(request, scope, unsuppressed=unsuppressed)

    runner.run = remembered  # type: ignore[method-assign]
    return runner


def _link(item: Item, app_url: str | None) -> str | None:
    return item.link(app_url) if app_url else None


def _subject(found: Attention, runner: Runner) -> str:
    count = len(found.concerns)
    what = (
        "nothing needs attention"
        if count == 0
        else f"{count} item{'s' if count != 1 else ''} need{'s' if count == 1 else ''} attention"
    )
    return f"JCP dashboard, data as at {runner.extract_date:%d %B %Y}: {what}"


def render_text(
    found: Attention, scope: Scope, filters: Filters, runner: Runner, app_url: str | None
) -> str:
    """The plain-text part."""
    lines = [
        f"Needs attention ({scope.label})",
        f"Figures for {filters.describe(runner.catalogue)}; data as at "
        f"{runner.extract_date:%d %B %Y}.",
        "",
    ]
    if not found.concerns:
        lines += ["Nothing outside the expected range this month.", ""]
    for number, item in enumerate(found.concerns, start=1):
        lines.append(f"{number}. {item.text}")
        link = _link(item, app_url)
        lines += [f"   {item.entry.title}: {link}" if link else f"   See {item.entry.title}.", ""]
    if found.information:
        lines += ["For information:", ""]
        for item in found.information:
            link = _link(item, app_url)
            lines += [f"- {item.text}", f"  {link}" if link else f"  See {item.entry.title}.", ""]
    if found.quiet:
        lines += ["Checked, nothing to report:"]
        lines += [f"- {sentence}" for sentence in found.quiet]
        lines.append("")
    if app_url:
        lines.append(f"Open the dashboard: {app_url}/")
    return "\n".join(lines).rstrip() + "\n"


def render_html(
    found: Attention, scope: Scope, filters: Filters, runner: Runner, app_url: str | None
) -> str:
    """The HTML part: every piece of text escaped (names come from the extract), links only to
    the dashboard's own address."""
    e = html.escape

    def entry(item: Item) -> str:
        link = _link(item, app_url)
        words = e(KIND_WORDS[item.kind])
        text = e(item.text)
        if link:
            text = f'<a href="{e(link, quote=True)}">{text}</a>'
        return f"<li>{text} <small>({words}; {e(item.entry.title)})</small></li>"

    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(_subject(found, runner))}</title></head><body>",
        f"<h1>Needs attention</h1><p>{e(scope.label)}: figures for "
        f"{e(filters.describe(runner.catalogue))}; data as at "
        f"{e(f'{runner.extract_date:%d %B %Y}')}.</p>",
    ]
    if not found.concerns:
        parts.append("<p>Nothing outside the expected range this month.</p>")
    else:
        parts.append("<ol>" + "".join(entry(i) for i in found.concerns) + "</ol>")
    if found.information:
        parts.append("<h2>For information</h2>")
        parts.append("<ul>" + "".join(entry(i) for i in found.information) + "</ul>")
    if found.quiet:
        parts.append("<h2>Checked, nothing to report</h2>")
        parts.append("<ul>" + "".join(f"<li>{e(s)}</li>" for s in found.quiet) + "</ul>")
    if app_url:
        parts.append(f'<p><a href="{e(app_url + "/", quote=True)}">Open the dashboard</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def build_digest(
    runner: Runner, email: str, scope: Scope, settings: Settings, filters: Filters | None = None
) -> Digest:
    """One user's digest for `filters` (default: digest_filters)."""
    filters = filters or digest_filters(runner)
    found = attention(runner, filters, scope, settings)
    return Digest(
        email=email,
        subject=_subject(found, runner),
        text=render_text(found, scope, filters, runner, settings.app_url),
        html=render_html(found, scope, filters, runner, settings.app_url),
        kinds={kind: count for kind, count in found.kinds.items() if count},
    )


def digests_for(
    runner: Runner, access: AccessList, settings: Settings, emails: Iterable[str]
) -> list[Digest]:
    """The digest of each e-mail (each must be on the access list)."""
    digests = []
    for email in emails:
        user = access.user(email)
        if user is None:
            raise DigestError(f"{email} is not on the access list")
        digests.append(build_digest(runner, user.email, user.scope(runner.catalogue), settings))
    return digests


def file_stem(email: str) -> str:
    """A file name for a user's digest: the e-mail with anything but letters, digits and
    . _ @ + - replaced, so no address can name a path."""
    return re.sub(r"[^A-Za-z0-9._@+-]", "_", email).lstrip(".") or "user"


def write_digests(digests: list[Digest], folder: Path, settings: Settings) -> list[Path]:
    """Each digest as NAME.txt and NAME.html in `folder` (created if missing)."""
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for digest in digests:
            stem = file_stem(digest.email)
            for suffix, body in ((".txt", digest.text), (".html", digest.html)):
                path = folder / f"{stem}{suffix}"
                path.write_text(body, encoding="utf-8")
                written.append(path)
            audit.record(
                settings.audit_log,
                "digest_written",
                digest.email,
                page="attention",
                rows=digest.items,
                detail=digest.audit_detail(),
            )
    except OSError as exc:
        raise DigestError(f"{folder}: cannot write the digests ({exc.strerror or exc})") from None
    return written


def message(digest: Digest, sender: str) -> EmailMessage:
    """The e-mail: plain text, with the HTML as its alternative."""
    mail = EmailMessage()
    mail["Subject"] = digest.subject
    mail["From"] = sender
    mail["To"] = digest.email
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(digest.text)
    mail.add_alternative(digest.html, subtype="html")
    return mail


def smtp_credentials() -> tuple[str, str] | None:
    """($JCP_SMTP_USER, $JCP_SMTP_PASSWORD), or None when neither is set."""
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if not user and not password:
        return None
    if not user or not password:
        raise DigestError(f"set both ${USER_VARIABLE} and ${PASSWORD_VARIABLE}, or neither")
    return user, password


def send_digests(digests: list[Digest], settings: Settings) -> int:
    """Send each digest over one SMTP connection; audit-log each one sent. Returns how many."""
    if not settings.digest_sender:
        raise DigestError("[digest] sender in jcp.toml is needed to send digests")
    credentials = smtp_credentials()
    if credentials and not settings.smtp_starttls:
        # A password is never sent in the clear.
        raise DigestError(
            f"${USER_VARIABLE} and ${PASSWORD_VARIABLE} are set but [digest] starttls is false: "
            "credentials are only sent over STARTTLS"
        )
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    sent = 0
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if credentials:
                smtp.login(*credentials)
            for digest in digests:
                smtp.send_message(message(digest, settings.digest_sender))
                sent += 1
                audit.record(
                    settings.audit_log,
                    "digest_sent",
                    digest.email,
                    page="attention",
                    rows=digest.items,
                    detail=digest.audit_detail(),
                )
    except (smtplib.SMTPException, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DigestError(
            f"SMTP server {server} did not take the digests ({sent} of {len(digests)} sent): "
            f"{reason}"
        ) from None
    return sent
