"""Who is looking: sign-in (or the demo picker), the access check, the scope a session carries."""

from __future__ import annotations

import streamlit as st

from jcp.measures.access import AccessList, Scope
from jcp.output import plain_text
from jcp.web import audit, data


def auth_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section: real sign-in, no demo mode."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than returning empty
        return False


def _demo_label(email: str, access: AccessList) -> str:
    user = access.users[email]
    codes = ", ".join(user.districts or user.offices)
    role = user.role.replace("_", " ")
    return f"{email} ({role}{': ' + codes if codes else ''})"


def signed_in_email() -> str | None:
    """The signed-in user's e-mail, or None while nobody is signed in."""
    access = data.access_list()
    if auth_configured():
        if not st.user.is_logged_in:
            return None
        email = str(st.user.email or "")
        with st.sidebar:
            st.caption(f"Signed in as {plain_text(email)}")
            st.button("Sign out", on_click=st.logout)
    else:
        # Demo mode is decided by the server's secrets alone: nothing in a URL can turn it on.
        st.info(
            "Demo mode: no sign-in is configured, so you can pick any user from the demo access "
            "list to see the dashboard as they would. Configure [auth] to switch this off.",
            icon=":material/science:",
        )
        emails = sorted(access.users, key=lambda e: (access.users[e].role != "national", e))
        if not emails:
            return None
        # "contains", as the sidebar's filters: Streamlit's default fuzzy matching offers every
        # address holding the letters typed in order, which for "leader.d01-o10" is most of
        # the team leaders.
        email = st.sidebar.selectbox(
            "Demo user",
            emails,
            key="demo_user",
            format_func=lambda e: _demo_label(e, access),
            filter_mode="contains",
        )
    if st.session_state.get("signed_in_as") != email:
        st.session_state["signed_in_as"] = email
        audit.record(data.settings().audit_log, "sign_in", email)
    return email


def user_scope(email: str | None) -> Scope:
    """The scope the user's requests carry (kept in the session for the pages' runner calls)."""
    scope = data.access_list().scope_for(email, data.catalogue()) if email else Scope.nobody()
    st.session_state["scope"] = scope
    return scope


def sign_in_screen() -> None:
    st.title("District performance dashboard")
    if auth_configured():
        st.write("Sign in with your organisation account to see the dashboard.")
        st.button("Sign in", on_click=st.login, type="primary")
    else:
        st.error(
            "The access list has no users: "
            + "; ".join(plain_text(p) for p in data.access_list().problems)
        )


def no_access_screen(email: str) -> None:
    if st.session_state.get("denied_as") != email:
        st.session_state["denied_as"] = email
        audit.record(data.settings().audit_log, "scope_denied", email, detail="not in access list")
    st.title("No access yet")
    st.warning(
        f"You are signed in as {plain_text(email)}, but you are not on the dashboard's access "
        "list. Ask your district's performance team to add you with your role and your "
        "district or offices."
    )


def current_scope() -> Scope:
    # A page run without the frame (which signs in) sees nothing rather than everything.
    return st.session_state.get("scope") or Scope.nobody()
