"""Each page's opening sentences: its main figures, their change and their verdict, in words.

Templates, no language model: every number is a published figure (Runner.run's output, after
disclosure control), written by jcp.web.formats exactly as the page's tiles write it, and every
change is against the equally long period just before (jcp.web.headlines.now_and_then, as the
overview's tiles). A hidden figure ([c]) is never stated, nor worked into a change: its part of
a sentence is left out, or, for a page's main rate, the sentence says it is not shown.

The verdict is said for the page's main comparable rate (its spec says `comparable = true`)
when the page's figures are one unit's: one office, or every office of one district (a team
leader with one office, a district manager with one district, anyone who picks exactly one).
It comes from Runner.compare (through `Sources.compare`, cached by the app) and is worded by
`verdict_phrase`. National figures, or several offices that are not one district, get none.

The same sentences are the page's main chart's accessible description (jcp.web.charts,
described). Pure functions of their sources: no Streamlit, so tests feed them hand-built frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from jcp.measures import specs
from jcp.measures.access import Scope
from jcp.measures.attention import Attention
from jcp.measures.comparison import verdict_text
from jcp.measures.disclosure import MARKER, row_with_markers
from jcp.measures.filters import Filters
from jcp.measures.network import Catalogue
from jcp.measures.runner import MeasureRequest, RequestError
from jcp.web.formats import format_value
from jcp.web.headlines import HEADLINES, now_and_then

Run = Callable[[MeasureRequest], pl.DataFrame]
# (filters, measure, column, unit) -> Runner.compare's frame for the user's scope.
Compare = Callable[[Filters, str, str, str], pl.DataFrame]
Report = Callable[[str], pl.DataFrame]

# Said in place of a page's main rate when it is hidden: that it is, never what it is.
HIDDEN = "is not shown: too few people are behind it"
# A page with activity whose every figure is hidden.
NOTHING_SHOWN = "The figures for these filters cover too few people to show."
# The curve's week w is the share still going after w + 1 completed weeks (pages/survival.py).
SURVIVAL_WEEKS = (13, 26)
# Each curve: what its spells are, and what the share still going is doing.
CURVES = {
    "job_survival": ("jobs", "were still in work"),
    "claim_survival": ("claims", "were not yet into work"),
}


@dataclass(frozen=True)
class Sources:
    """Where a page's sentences come from: the signed-in user's published results."""

    run: Run
    compare: Compare
    report: Report
    filters: Filters
    scope: Scope
    catalogue: Catalogue
    adjusted: bool = False  # the comparisons allow for case mix (the verdicts say so)
    # The Needs attention list for these filters (that page's sentences are about it).
    attention: Callable[[], Attention] | None = None


def verdict_phrase(verdict: str, better: str | None, adjusted: bool = False) -> str:
    """How a unit's verdict is said in a sentence: "as expected", "lower than expected (95%),
    worse"; of a comparison adjusted for case mix, "as expected for this case mix", "lower
    than expected for this case mix (95%), worse"."""
    text = verdict_text(verdict, better)
    return text.replace("expected", "expected for this case mix", 1) if adjusted else text


def verdict_unit(filters: Filters, scope: Scope, catalogue: Catalogue) -> tuple[str, str] | None:
    """The unit the page's figures are, when they are one: ("office", code) for a single office,
    ("district", code) for every office of a single district; None otherwise (the nation, or
    offices that are not one whole district), as a verdict is a unit's."""
    offices = [
        office
        for office in scope.visible_offices(catalogue)
        if (not filters.districts or catalogue.office_districts[office] in filters.districts)
        and (not filters.offices or office in filters.offices)
    ]
    if len(offices) == 1:
        return "office", offices[0]
    districts = {catalogue.office_districts[office] for office in offices}
    if len(districts) != 1:
        return None
    (district,) = districts
    whole = [o for o, d in catalogue.office_districts.items() if d == district]
    return ("district", district) if sorted(offices) == sorted(whole) else None


def _shown(value: object) -> bool:
    return value is not None and value != MARKER


def _lower(label: str) -> str:
    """A label inside a sentence: "Deferral rate" -> "deferral rate"; "FSF spend" stays."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _noun(label: str) -> str:
    """A label without the unit its header carries: "Average award (£)" -> "average award"."""
    if label.endswith(")") and " (" in label:
        label = label[: label.rindex(" (")]
    return _lower(label)


def _sentence(*parts: str | None) -> str | None:
    """The parts that are there, as one sentence; None when none is."""
    present = [p for p in parts if p]
    if not present:
        return None
    text = "; ".join(present)
    return text[0].upper() + text[1:] + "."


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Changes:
    """Each figure's change against the previous, equally long period, in words.

    The period is named at the first change of a page only; the rest say "up from X". No change
    is said where either figure is missing or hidden, or where the previous period starts before
    the data does (a part-period would read as a fall).
    """

    def __init__(self, filters: Filters, catalogue: Catalogue) -> None:
        previous = filters.previous_period()
        self.known = catalogue.first_month is None or previous.period_from >= catalogue.first_month
        months = filters.months
        self.period = "the previous month" if months == 1 else f"the previous {months} months"
        self.named = False

    def __call__(self, now: object, then: object, kind: str) -> str:
        """ " (up from 58.9% in the previous 6 months)", " (down from 12)", " (unchanged)" or
        ""."""
        if not (self.known and _shown(now) and _shown(then)):
            return ""
        before = format_value(then, kind)
        if format_value(now, kind) == before:  # equal as written: no change a reader can see
            words = f"unchanged from {self.period}" if not self.named else "unchanged"
        else:
            direction = "up" if float(now) > float(then) else "down"  # type: ignore[arg-type]
            words = f"{direction} from {before}" + (f" in {self.period}" if not self.named else "")
        self.named = True
        return f" ({words})"


# A measure's by=total rows for the period and the one before it (headlines.now_and_then).
Rows = tuple[dict, dict]


def _column(measure: str, column: str) -> specs.Column:
    return specs.spec(measure).columns[column]


def _headline_label(column: str) -> str:
    """The overview tile's own label for a headline column ("Mean distance travelled")."""
    (found,) = [h.label for h in HEADLINES if h.column == column]
    return found


def _figure(
    rows: Rows, measure: str, column: str, changes: Changes, subject: str | None = None
) -> str | None:
    """ "the deferral rate was 20.0% (down from 21.0%)", labelled and written as the catalogue
    says; None when hidden or missing."""
    spec = _column(measure, column)
    now, then = (row.get(column) for row in rows)
    if not _shown(now):
        return None
    subject = subject or "the " + _noun(spec.label)
    return f"{subject} was {format_value(now, spec.kind)}{changes(now, then, spec.kind)}"


def _count(
    rows: Rows, measure: str, column: str, changes: Changes, noun: str | None = None
) -> str | None:
    """ "1,234 job entries (up from 900)", "no job entries"; None when hidden or missing."""
    spec = _column(measure, column)
    now, then = (row.get(column) for row in rows)
    if not _shown(now):
        return None
    number = "no" if float(now) == 0 else format_value(now, spec.kind)  # type: ignore[arg-type]
    return f"{number} {noun or _noun(spec.label)}{changes(now, then, spec.kind)}"


def _there_were(*counts: str | None) -> str | None:
    present = [c for c in counts if c]
    return "there were " + _listed(present) if present else None


def _verdict(sources: Sources, measure: str, column: str) -> str | None:
    """ "against the national rate of 58.0%, Leeds is as expected", or None (no unit, or the
    unit has no verdict: too few to place, or no national rate to compare with)."""
    unit = verdict_unit(sources.filters, sources.scope, sources.catalogue)
    if unit is None:
        return None
    level, code = unit
    try:
        compared = sources.compare(sources.filters, measure, column, level)
    except RequestError:  # no published national rate for these filters
        return None
    key = "office_code" if level == "office" else "district_code"
    rows = compared.filter(pl.col(key) == code)
    if rows.height == 0 or rows["verdict"][0] is None:
        return None
    spec = _column(measure, column)
    names = (
        sources.catalogue.office_names if level == "office" else sources.catalogue.district_names
    )
    target = format_value(rows["target"][0], spec.kind)
    phrase = verdict_phrase(rows["verdict"][0], spec.better, sources.adjusted)
    return f"against the national rate of {target}, {names.get(code, code)} is {phrase}"


def _main_rate(
    sources: Sources, changes: Changes, rows: Rows, measure: str, column: str
) -> str | None:
    """The page's main comparable rate, its change and its verdict, as one sentence; that it is
    hidden when it is; None when it has no figure (nobody to work it out over)."""
    if rows[0].get(column) == MARKER:
        return _sentence(f"the {_noun(_column(measure, column).label)} {HIDDEN}")
    stated = _figure(rows, measure, column, changes)
    if stated is None:
        return None
    return _sentence(stated, _verdict(sources, measure, column))


def _has_activity(row: dict, column: str) -> bool:
    """As the page's has_activity: a count that is non-zero or hidden."""
    value = row.get(column)
    return value == MARKER or (value is not None and float(value) > 0)


def _overdue(sources: Sources) -> str:
    """The overdue worklist's length: an exact operational count, not limited to the period."""
    count = sources.run(sources.filters.request("overdue_deferrals")).height
    date = f"{sources.catalogue.extract_date:%d %B %Y}"
    if count == 0:
        return f"No deferred interview is overdue as at {date}."
    verb = "is" if count == 1 else "are"
    noun = "interview" if count == 1 else "interviews"
    return f"{format_value(count, 'count')} deferred {noun} {verb} overdue as at {date}."


def _interviews(sources: Sources, changes: Changes, verdict: bool) -> str | None:
    """First interviews held within four days and not attended (with the timeliness verdict)."""
    rows = now_and_then(sources.run, sources.filters, "wfi_timeliness")
    if not _has_activity(rows[0], "interviews_expected"):
        return None
    parts = []
    for column, words in (
        ("timeliness_rate", "were held within four days"),
        ("fta_rate", "were not attended"),
    ):
        now, then = (row.get(column) for row in rows)
        if _shown(now):
            # The first part says what the shares are of; the second follows on from it.
            whole = "" if parts else " of first interviews expected"
            parts.append(f"{format_value(now, 'rate')}{whole} {words}{changes(now, then, 'rate')}")
    if not parts:
        return None
    return _sentence(
        " and ".join(parts),
        _verdict(sources, "wfi_timeliness", "timeliness_rate") if verdict else None,
    )


def _followup(sources: Sources, changes: Changes, verdict: bool) -> str | None:
    rows = now_and_then(sources.run, sources.filters, "deferral_followup")
    if not _has_activity(rows[0], "deferrals_due"):
        return None
    if verdict:
        return _main_rate(sources, changes, rows, "deferral_followup", "followup_rate")
    return _sentence(_figure(rows, "deferral_followup", "followup_rate", changes))


def _kept(*sentences: str | None) -> list[str]:
    return [s for s in sentences if s]


# ---- pages ---------------------------------------------------------------------------------


def overview(sources: Sources) -> list[str]:
    """Sizes, the 13-week sustained rate with its verdict, then the other headline rates."""
    changes = Changes(sources.filters, sources.catalogue)

    def rows(measure: str) -> Rows:
        return now_and_then(sources.run, sources.filters, measure)

    caseload, jobs = rows("caseload"), rows("job_entries")
    sizes = _there_were(
        _count(caseload, "caseload", "live_claims", changes),
        _count(caseload, "caseload", "new_claims", changes),
        _count(jobs, "job_entries", "job_entries", changes),
    )
    main = _main_rate(sources, changes, jobs, "job_entries", "sustained_13w_rate")
    others = [
        _figure(rows(measure), measure, column, changes, "the " + _lower(_headline_label(column)))
        for measure, column in (
            ("deferrals", "deferral_rate"),
            ("distance_travelled", "mean_change"),
            ("fsf_spend", "spend_gbp"),
        )
    ]
    return _kept(_sentence(sizes), main, _sentence(*others)) or [NOTHING_SHOWN]


def distance_travelled(sources: Sources) -> list[str]:
    """Claims measured and the mean change, then the share improved with its verdict."""
    changes = Changes(sources.filters, sources.catalogue)
    rows = now_and_then(sources.run, sources.filters, "distance_travelled")
    if not _has_activity(rows[0], "claims_measured"):
        return []
    return _kept(
        _sentence(
            _there_were(_count(rows, "distance_travelled", "claims_measured", changes)),
            _figure(rows, "distance_travelled", "mean_change", changes),
        ),
        _main_rate(sources, changes, rows, "distance_travelled", "pct_improved"),
    ) or [NOTHING_SHOWN]


def job_entries(sources: Sources) -> list[str]:
    """Job entries, the 13-week sustained rate with its verdict, then the 26-week rate and
    the 182-day restart rate."""
    changes = Changes(sources.filters, sources.catalogue)
    rows = now_and_then(sources.run, sources.filters, "job_entries")
    if not _has_activity(rows[0], "job_entries"):
        return []
    restarts = now_and_then(sources.run, sources.filters, "claim_restarts")
    return _kept(
        _sentence(_there_were(_count(rows, "job_entries", "job_entries", changes))),
        _main_rate(sources, changes, rows, "job_entries", "sustained_13w_rate"),
        _sentence(
            _figure(rows, "job_entries", "sustained_26w_rate", changes),
            _figure(restarts, "claim_restarts", "restart_rate_182d", changes),
        ),
    ) or [NOTHING_SHOWN]


def fsf(sources: Sources) -> list[str]:
    """Spend over payments, the average award, and uptake per 100 live claims (no comparable
    rate: no verdict)."""
    changes = Changes(sources.filters, sources.catalogue)
    spend = now_and_then(sources.run, sources.filters, "fsf_spend")
    uptake = now_and_then(sources.run, sources.filters, "fsf_uptake")
    if not (_has_activity(spend[0], "payments") or _has_activity(uptake[0], "live_claims")):
        return []
    sentences: list[str | None] = []
    if _has_activity(spend[0], "payments"):
        spent = _figure(spend, "fsf_spend", "spend_gbp", changes, "the FSF spend")
        payments = _count(spend, "fsf_spend", "payments", changes)
        sentences.append(_sentence(f"{spent} over {payments}" if spent and payments else spent))
        sentences.append(_sentence(_figure(spend, "fsf_spend", "avg_award_gbp", changes)))
    if _has_activity(uptake[0], "live_claims"):
        per_100 = _count(uptake, "fsf_uptake", "uptake_per_100", changes)
        sentences.append(_sentence(_there_were(per_100)))
    return _kept(*sentences) or [NOTHING_SHOWN]


def deferrals(sources: Sources) -> list[str]:
    """Interviews within four days, the deferral rate with its verdict, follow-up, and the
    overdue worklist's length."""
    changes = Changes(sources.filters, sources.catalogue)
    rows = now_and_then(sources.run, sources.filters, "deferrals")
    interviews = _interviews(sources, changes, verdict=False)
    deferral = (
        _main_rate(sources, changes, rows, "deferrals", "deferral_rate")
        if _has_activity(rows[0], "wfis_due")
        else None
    )
    followup = _followup(sources, changes, verdict=False)
    return _kept(interviews, deferral, followup, _overdue(sources))


def my_office(sources: Sources) -> list[str]:
    """Live claims and claims per coach, the overdue worklist's length, follow-up with its
    verdict, and interviews within four days."""
    changes = Changes(sources.filters, sources.catalogue)
    caseload = now_and_then(sources.run, sources.filters, "caseload")
    sizes = _there_were(
        _count(caseload, "caseload", "live_claims", changes),
        _count(caseload, "caseload", "claims_per_coach", changes),
    )
    overdue = _overdue(sources)
    followup = _followup(sources, changes, verdict=True)
    return _kept(_sentence(sizes), overdue, followup, _interviews(sources, changes, verdict=False))


def _survival_sentence(
    sources: Sources, changes: Changes, measure: str, now: pl.DataFrame
) -> str | None:
    """ "Of the jobs started in the period, an estimated 80.0% were still in work after 13 weeks
    (up from 78.0% ...) and 65.0% after 26 weeks." Hidden weeks (a curve is cut where too few
    are left at risk) are left out."""
    spells, still = CURVES[measure]

    def at(frame: pl.DataFrame, week: int) -> object:
        found = frame.with_row_index("row").filter(pl.col("week") == week)
        return row_with_markers(frame, found["row"][0]).get("survival") if found.height else None

    parts = []
    for weeks in SURVIVAL_WEEKS:
        value = at(now, weeks - 1)
        if not _shown(value):
            continue
        if parts:
            parts.append(f"{format_value(value, 'rate')} after {weeks} weeks")
        else:
            then = sources.run(sources.filters.previous_period().request(measure))
            change = changes(value, at(then, weeks - 1), "rate")
            parts.append(f"{format_value(value, 'rate')} {still} after {weeks} weeks{change}")
    if not parts:
        return None
    return f"Of the {spells} started in the period, an estimated {_listed(parts)}."


def survival(sources: Sources) -> list[str]:
    """Each curve's share still going after 13 weeks (with its change) and 26 weeks."""
    changes = Changes(sources.filters, sources.catalogue)
    curves = {m: sources.run(sources.filters.request(m)) for m in CURVES}
    active = [
        m
        for m, frame in curves.items()
        if frame.height and _has_activity(row_with_markers(frame), "at_risk")
    ]
    if not active:
        return []
    return _kept(*(_survival_sentence(sources, changes, m, curves[m]) for m in active)) or [
        NOTHING_SHOWN
    ]


def data(sources: Sources) -> list[str]:
    loads = sources.report("loads")
    if loads.height == 0:
        return []
    latest = loads.filter(pl.col("loaded_at") == pl.col("loaded_at").max())
    first = latest.row(0, named=True)
    loaded: dt.datetime = first["loaded_at"]
    read, accepted, rejected = (int(latest[c].sum()) for c in ("rows_read", "accepted", "rejected"))
    said = (
        f"The extract of {first['extract_date']:%d %b %Y} was loaded on "
        f"{loaded:%d %b %Y} at {loaded:%H:%M}."
    )
    if rejected == 0:
        rows = f"All {format_value(read, 'count')} rows read met the data contract."
    else:
        rows = (
            f"Of {format_value(read, 'count')} rows read, {format_value(accepted, 'count')} were "
            f"accepted and {format_value(rejected, 'count')} rejected: rejected rows are in no "
            "figure."
        )
    return [said, rows]


# Per page (jcp.web.pages' url_path): its sentences. tests/test_summaries.py checks every page
# has one.
# How each kind of item is counted in a sentence ("2 offices worse than expected at 99.8%").
ATTENTION_COUNTS = {
    "worse_998": (
        "rate worse than expected at the 99.8% limits",
        "rates worse than expected at the 99.8% limits",
    ),
    "worse_95": (
        "rate worse than expected at the 95% limits",
        "rates worse than expected at the 95% limits",
    ),
    "drift": ("change over time", "changes over time"),
    "overdue": ("overdue worklist", "overdue worklists"),
    "followup": (
        "follow-up rate below the national rate",
        "follow-up rates below the national rate",
    ),
    "fsf": (
        "Flexible Support Fund outturn off its allocation",
        "Flexible Support Fund outturns off their allocations",
    ),
    "rejects": ("data load with rejected rows", "data loads with rejected rows"),
}


def attention_sentences(found: Attention) -> list[str]:
    """The Needs attention page in two or three sentences: how many items need a look and of
    what kinds, the overdue worklist's size, and the lines for information."""
    counts = [
        f"{found.kinds[kind]:,} {ATTENTION_COUNTS[kind][found.kinds[kind] != 1]}"
        for kind in ATTENTION_COUNTS
        if found.kinds.get(kind)
    ]
    total = len(found.concerns)
    sentences = [
        f"{total:,} {'item needs' if total == 1 else 'items need'} a look, most concerning "
        f"first: {_listed(counts)}."
        if counts
        else "Nothing outside the expected range this month: every check found nothing to list."
    ]
    if found.overdue is not None:
        are = "interview is" if found.overdue == 1 else "interviews are"
        sentences.append(f"{found.overdue:,} deferred {are} overdue now.")
    informing = len(found.information)
    sentences.append(
        f"{informing:,} more {'line is' if informing == 1 else 'lines are'} for information only."
        if informing
        else "Each item links to the page that explains it, with these filters."
    )
    return sentences


def attention(sources: Sources) -> list[str]:
    """The Needs attention page's sentences (none when the list is not given)."""
    return attention_sentences(sources.attention()) if sources.attention else []


PAGES: dict[str, Callable[[Sources], list[str]]] = {
    "attention": attention,
    "overview": overview,
    "distance_travelled": distance_travelled,
    "job_entries": job_entries,
    "fsf": fsf,
    "deferrals": deferrals,
    "my_office": my_office,
    "survival": survival,
    "data": data,
}


def summary(page: str, sources: Sources) -> list[str]:
    """The page's opening sentences (jcp.web.pages' url_path names the page). None where the
    page has no activity to speak of: it shows its own empty state."""
    return PAGES[page](sources)
