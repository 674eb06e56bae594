"""Accessibility statement, in the pattern of GOV.UK's sample statement: how accessible the
dashboard is, how to get help or report a problem, enforcement, compliance and known issues."""

from __future__ import annotations

import streamlit as st

from jcp.output import plain_text
from jcp.web import data
from jcp.web.statement import read_facts

WCAG = "[Web Content Accessibility Guidelines version 2.2](https://www.w3.org/TR/WCAG22/)"
EASS = "[Equality Advisory and Support Service (EASS)](https://www.equalityadvisoryservice.com/)"

facts = read_facts()
contact = data.settings().contact
# The contact is the deployment's words (jcp.toml), shown as written.
reach = (
    f"contact {plain_text(contact)}"
    if contact
    else "tell the team that runs the dashboard for your district (no contact is set in "
    "this deployment's settings)"
)

st.title("Accessibility statement")
st.markdown(
    "This statement applies to the Jobcentre Plus district performance dashboard, used by "
    "national analysts, district managers and team leaders to follow their offices' figures."
)
st.markdown(
    "We want as many people as possible to be able to use it. For example, you should be "
    "able to:\n\n"
    "- read each page's main figures as sentences at the top of the page, which each page's "
    "main chart also carries as its description for screen readers\n"
    "- download every table as a CSV file, to read in the tools you use\n"
    "- tell verdicts against the national rate apart by symbol and words (▲, ▼, ●, "
    '"lower than expected"), not by colour alone'
)

st.header("How accessible this dashboard is", anchor="how-accessible")
st.markdown(
    "We know some parts of the dashboard are not fully accessible. They are listed under "
    "[Non-accessible content](#non-accessible-content) below."
)

st.header("Feedback and contact information", anchor="feedback")
st.markdown(
    "If you need the figures in a different format, such as an accessible spreadsheet, large "
    f"print or a read-out over the phone, {reach}. We will consider your request and reply "
    "as soon as we can."
)

st.header("Reporting accessibility problems with this dashboard", anchor="reporting")
st.markdown(
    "We are always looking to improve its accessibility. If you find a problem not listed on "
    f"this page, or think we are not meeting accessibility requirements, {reach}."
)

st.header("Enforcement procedure", anchor="enforcement")
st.markdown(
    "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public "
    "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 "
    f"(the accessibility regulations). If you are not happy with how we respond to your "
    f"complaint, contact the {EASS}. In Northern Ireland, contact the Equality Commission for "
    "Northern Ireland."
)

st.header("Technical information about this dashboard's accessibility", anchor="technical")
st.markdown(
    "We are committed to making the dashboard accessible, in accordance with the "
    "accessibility regulations."
)
st.subheader("Compliance status", anchor="compliance-status")
st.markdown(
    f"The dashboard is partially compliant with the {WCAG} AA standard, due to the "
    "non-compliances listed below."
)

st.header("Non-accessible content", anchor="non-accessible-content")
st.subheader("Non-compliance with the accessibility regulations", anchor="non-compliance")
st.markdown(facts.known_issues)  # docs/accessibility.md's "Known issues": our own words

st.header("What we're doing to improve accessibility", anchor="improving")
st.markdown(
    "The known issues above are kept in the dashboard's repository (docs/accessibility.md), "
    "each removed when it is fixed, and the pages are checked in a real browser as they change."
)

st.header("Preparation of this accessibility statement", anchor="preparation")
st.markdown(
    f"This statement was prepared on {facts.prepared.day} {facts.prepared:%B %Y}. It was last "
    f"reviewed on {facts.reviewed.day} {facts.reviewed:%B %Y}."
)
