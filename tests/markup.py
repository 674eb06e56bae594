"""Read a Markdown body as its reader sees it, and find any markup still live in it.

Written independently of jcp.output.plain_text, from CommonMark's rules (a backslash before
ASCII punctuation makes it a literal character) and the patterns GitHub's autolinks and
Streamlit's shortcodes match in the text once escapes are resolved.
"""

from __future__ import annotations

import re

ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # backslash + any ASCII punctuation character
WORD_JOINER = "\u2060"
# Characters that open links, images, HTML, LaTeX, code, emphasis, tables and directives.
SYNTAX = re.compile(r"[\[\]<>$`*_~|]")
# Rewritten after escapes are resolved: bare URLs, e-mail autolinks, :shortcodes: and :red[.
TEXT_PATTERNS = re.compile(r"https?://|www\.|\w@\w|:\w", re.IGNORECASE)


def as_shown(body: str) -> str:
    """The text a reader sees: escapes resolved, invisible word joiners gone."""
    return ESCAPED.sub(r"\1", body).replace(WORD_JOINER, "")


def live_markup(body: str) -> list[str]:
    """Each piece of `body` that Streamlit's Markdown would still read as markup."""
    unescaped = ESCAPED.sub("\x00", body)  # escaped characters are never syntax
    resolved = ESCAPED.sub(r"\1", body)  # what the text-level rewrites see
    return SYNTAX.findall(unescaped) + TEXT_PATTERNS.findall(resolved)
