"""The extract contract: tables, columns, types and row rules, declared once.

docs/data-contract.md describes the same contract in words; the loader, the generator's bad-row
injection and the tests all read it from here, so the three cannot drift apart.

Rule predicates are SQL expressions, fixed in this file and never built from input. They are
written over the typed columns of the row being checked (alias `t.`), the accepted parent row
(`claim.`, `office.`, `district.`) and the bound `$extract_date`, and they are true when the
rule is BROKEN. A predicate that evaluates to NULL counts as not broken, so each rule only
speaks about its own field; missing values are caught by the "required" rules that run first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BENEFITS = ("JSA", "ESA", "IS", "UC")
CLAIMANT_GROUPS = ("jobseeker", "lone_parent", "health_condition", "carer", "other")
AGE_BANDS = ("16-24", "25-49", "50-64")
END_REASONS = ("job_entry", "other_benefit", "work_programme", "other")
WFI_OUTCOMES = ("attended", "deferred", "waived", "failed_to_attend", "pending")
DEFERRAL_REASONS = ("bereavement", "illness", "hospital", "life_event", "caring", "other")
ASSESSMENT_KINDS = ("baseline", "review")
SCORE_COLUMNS = ("job_search", "work_skills", "confidence", "health_wellbeing", "stability")
HOURS_BANDS = ("under_16", "16_to_29", "30_plus")
FSF_CATEGORIES = (
    "travel",
    "clothing_equipment",
    "childcare",
    "training",
    "licences_certification",
    "partnership_grant",
    "other",
)
MAX_FSF_PAYMENT = "10000.00"
# What people read for each enumerated value (pages show these; CSV exports keep the codes),
# by the contract column the values belong to.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "benefit": {
        "JSA": "Jobseeker's Allowance",
        "ESA": "Employment and Support Allowance",
        "IS": "Income Support",
        "UC": "Universal Credit",
    },
    "claimant_group": {
        "jobseeker": "Jobseeker",
        "lone_parent": "Lone parent",
        "health_condition": "Health condition",
        "carer": "Carer",
        "other": "Other",
    },
    "end_reason": {
        "job_entry": "Job entry",
        "other_benefit": "Other benefit",
        "work_programme": "Work Programme",
        "other": "Other",
    },
    "outcome": {
        "attended": "Attended",
        "deferred": "Deferred",
        "waived": "Waived",
        "failed_to_attend": "Failed to attend",
        "pending": "Pending",
    },
    "deferral_reason": {
        "bereavement": "Bereavement",
        "illness": "Illness",
        "hospital": "Hospital",
        "life_event": "Life event",
        "caring": "Caring",
        "other": "Other",
    },
    "category": {
        "travel": "Travel",
        "clothing_equipment": "Clothing and equipment",
        "childcare": "Childcare",
        "training": "Training",
        "licences_certification": "Licences and certification",
        "partnership_grant": "Partnership grant",
        "other": "Other",
    },
}
# No date of an extract may be earlier than this (extract_date included). Years such as 0202 or
# placeholders such as 1900-01-01 are typing or system errors, not events; and a date far from
# today would make month arithmetic in the app leave the calendar (year 0, year 10000).
EARLIEST_DATE = "2000-01-01"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # VARCHAR, DATE, INTEGER or DECIMAL(12,2)
    required: bool = True
    allowed: tuple[str, ...] = ()  # for enumerations
    # A planned date (deferred_until) may lie after the extract_date, by up to one year; every
    # other date is an event, which a table rule keeps on or before the extract_date.
    planned: bool = False


@dataclass(frozen=True)
class Rule:
    id: str  # stable identifier, e.g. "claims.end_date_order"; tests and the generator use it
    description: str  # the rule in plain words, stored in rejects.rule
    broken: str  # SQL predicate, true when the row breaks the rule


@dataclass(frozen=True)
class Reference:
    """A foreign key: `column` must name an accepted row of `parent` (joined as `alias`)."""

    column: str
    parent: str
    parent_column: str
    alias: str


@dataclass(frozen=True)
class Unique:
    columns: tuple[str, ...]
    description: str
    id: str
    where: str = ""  # SQL predicate limiting which rows the uniqueness applies to


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    unique: tuple[Unique, ...] = ()
    references: tuple[Reference, ...] = ()
    rules: tuple[Rule, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _v(name: str) -> Column:
    return Column(name, "VARCHAR")


DISTRICTS = Table(
    "districts",
    (_v("district_code"), _v("district_name"), _v("region")),
    unique=(Unique(("district_code",), "district_code must be unique", "districts.unique"),),
)

OFFICES = Table(
    "offices",
    (_v("office_code"), _v("office_name"), _v("district_code")),
    unique=(Unique(("office_code",), "office_code must be unique", "offices.unique"),),
    references=(Reference("district_code", "districts", "district_code", "district"),),
)

CLAIMS = Table(
    "claims",
    (
        _v("claim_id"),
        _v("claimant_ref"),
        _v("office_code"),
        Column("benefit", "VARCHAR", allowed=BENEFITS),
        Column("claimant_group", "VARCHAR", allowed=CLAIMANT_GROUPS),
        Column("age_band", "VARCHAR", allowed=AGE_BANDS),
        Column("start_date", "DATE"),
        Column("end_date", "DATE", required=False),
        Column("end_reason", "VARCHAR", required=False, allowed=END_REASONS),
        Column("work_coach_ref", "VARCHAR", required=False),
    ),
    unique=(Unique(("claim_id",), "claim_id must be unique", "claims.unique"),),
    references=(Reference("office_code", "offices", "office_code", "office"),),
    rules=(
        Rule(
            "claims.start_after_extract",
            "start_date must not be after the extract_date",
            "t.start_date > $extract_date",
        ),
        Rule(
            "claims.end_before_start",
            "end_date must not be before start_date",
            "t.end_date < t.start_date",
        ),
        Rule(
            "claims.end_after_extract",
            "end_date must not be after the extract_date",
            "t.end_date > $extract_date",
        ),
        Rule(
            "claims.end_reason_without_end",
            "end_reason must be empty when end_date is empty, and given when end_date is given",
            "(t.end_date is null) <> (t.end_reason is null)",
        ),
    ),
)

WFI = Table(
    "wfi",
    (
        _v("claim_id"),
        Column("due_date", "DATE"),
        Column("outcome", "VARCHAR", allowed=WFI_OUTCOMES),
        Column("deferral_reason", "VARCHAR", required=False, allowed=DEFERRAL_REASONS),
        Column("deferred_until", "DATE", required=False, planned=True),
        Column("held_date", "DATE", required=False),
    ),
    unique=(Unique(("claim_id",), "a claim has at most one initial WFI", "wfi.unique"),),
    references=(Reference("claim_id", "claims", "claim_id", "claim"),),
    rules=(
        Rule(
            "wfi.jsa_not_deferrable",
            "a JSA claim's WFI can be neither deferred nor waived",
            "claim.benefit = 'JSA' and t.outcome in ('deferred', 'waived')",
        ),
        Rule(
            "wfi.due_before_claim",
            "due_date must not be before the claim's start_date",
            "t.due_date < claim.start_date",
        ),
        Rule(
            "wfi.due_after_extract",
            "due_date must not be after the extract_date",
            "t.due_date > $extract_date",
        ),
        Rule(
            "wfi.deferral_reason",
            "deferral_reason must be given exactly when outcome is deferred",
            "(t.outcome = 'deferred') <> (t.deferral_reason is not null)",
        ),
        Rule(
            "wfi.deferred_until",
            "deferred_until must be given exactly when outcome is deferred",
            "(t.outcome = 'deferred') <> (t.deferred_until is not null)",
        ),
        Rule(
            "wfi.deferred_until_order",
            "deferred_until must be after due_date",
            "t.deferred_until <= t.due_date",
        ),
        Rule(
            "wfi.held_date_outcome",
            "held_date must be given for attended, may be given for deferred, "
            "and must be empty otherwise",
            "(t.outcome = 'attended' and t.held_date is null) "
            "or (t.outcome not in ('attended', 'deferred') and t.held_date is not null)",
        ),
        Rule(
            "wfi.held_before_due",
            "held_date must not be before due_date",
            "t.held_date < t.due_date",
        ),
        Rule(
            "wfi.held_after_extract",
            "held_date must not be after the extract_date",
            "t.held_date > $extract_date",
        ),
    ),
)

ASSESSMENTS = Table(
    "assessments",
    (
        _v("assessment_id"),
        _v("claim_id"),
        Column("assessment_date", "DATE"),
        Column("kind", "VARCHAR", allowed=ASSESSMENT_KINDS),
        *(Column(name, "INTEGER", required=False) for name in SCORE_COLUMNS),
    ),
    unique=(
        Unique(("assessment_id",), "assessment_id must be unique", "assessments.unique"),
        Unique(
            ("claim_id",),
            "a claim has at most one baseline assessment",
            "assessments.second_baseline",
            where="kind = 'baseline'",
        ),
    ),
    references=(Reference("claim_id", "claims", "claim_id", "claim"),),
    rules=(
        Rule(
            "assessments.before_claim",
            "assessment_date must not be before the claim's start_date",
            "t.assessment_date < claim.start_date",
        ),
        Rule(
            "assessments.after_extract",
            "assessment_date must not be after the extract_date",
            "t.assessment_date > $extract_date",
        ),
        Rule(
            "assessments.score_range",
            "scores must be whole numbers from 1 to 10",
            " or ".join(f"t.{s} not between 1 and 10" for s in SCORE_COLUMNS),
        ),
        Rule(
            "assessments.no_scores",
            "at least one score must be given",
            " and ".join(f"t.{s} is null" for s in SCORE_COLUMNS),
        ),
    ),
)

JOB_ENTRIES = Table(
    "job_entries",
    (
        _v("job_entry_id"),
        _v("claim_id"),
        Column("start_date", "DATE"),
        Column("end_date", "DATE", required=False),
        Column("hours_band", "VARCHAR", allowed=HOURS_BANDS),
    ),
    unique=(Unique(("job_entry_id",), "job_entry_id must be unique", "job_entries.unique"),),
    references=(Reference("claim_id", "claims", "claim_id", "claim"),),
    rules=(
        Rule(
            "job_entries.before_claim",
            "start_date must not be before the claim's start_date",
            "t.start_date < claim.start_date",
        ),
        Rule(
            "job_entries.start_after_extract",
            "start_date must not be after the extract_date",
            "t.start_date > $extract_date",
        ),
        Rule(
            "job_entries.end_before_start",
            "end_date must not be before start_date",
            "t.end_date < t.start_date",
        ),
        Rule(
            "job_entries.end_after_extract",
            "end_date must not be after the extract_date",
            "t.end_date > $extract_date",
        ),
    ),
)

FSF_PAYMENTS = Table(
    "fsf_payments",
    (
        _v("payment_id"),
        _v("office_code"),
        Column("claim_id", "VARCHAR", required=False),
        Column("payment_date", "DATE"),
        Column("amount_gbp", "DECIMAL(12,2)"),
        Column("category", "VARCHAR", allowed=FSF_CATEGORIES),
    ),
    unique=(Unique(("payment_id",), "payment_id must be unique", "fsf_payments.unique"),),
    references=(
        Reference("office_code", "offices", "office_code", "office"),
        Reference("claim_id", "claims", "claim_id", "claim"),
    ),
    rules=(
        Rule(
            "fsf_payments.after_extract",
            "payment_date must not be after the extract_date",
            "t.payment_date > $extract_date",
        ),
        Rule(
            "fsf_payments.amount_range",
            f"amount_gbp must be more than 0 and at most {MAX_FSF_PAYMENT}",
            f"t.amount_gbp <= 0 or t.amount_gbp > {MAX_FSF_PAYMENT}",
        ),
        Rule(
            "fsf_payments.claim_for_category",
            "claim_id must be empty exactly when category is partnership_grant",
            "(t.category = 'partnership_grant') <> (t.claim_id is null)",
        ),
    ),
)

FSF_BUDGETS = Table(
    "fsf_budgets",
    (
        _v("district_code"),
        _v("financial_year"),
        Column("allocation_gbp", "DECIMAL(12,2)"),
    ),
    unique=(
        Unique(
            ("district_code", "financial_year"),
            "a district has one budget per financial_year",
            "fsf_budgets.unique",
        ),
    ),
    references=(Reference("district_code", "districts", "district_code", "district"),),
    rules=(
        Rule(
            "fsf_budgets.financial_year_format",
            "financial_year must look like 2025-26 (a UK financial year, 1 April to 31 March)",
            "not regexp_full_match(t.financial_year, '[0-9]{4}-[0-9]{2}') "
            "or (try_cast(left(t.financial_year, 4) as integer) + 1) % 100 "
            "<> try_cast(right(t.financial_year, 2) as integer)",
        ),
        Rule(
            "fsf_budgets.allocation_positive",
            "allocation_gbp must be more than 0",
            "t.allocation_gbp <= 0",
        ),
    ),
)

# Load order matters: a table's parents come before it.
TABLES: tuple[Table, ...] = (
    DISTRICTS,
    OFFICES,
    CLAIMS,
    WFI,
    ASSESSMENTS,
    JOB_ENTRIES,
    FSF_PAYMENTS,
    FSF_BUDGETS,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


def type_rule_id(table: Table, column: Column) -> str:
    return f"{table.name}.{column.name}.type"


def range_rule_id(table: Table, column: Column) -> str:
    return f"{table.name}.{column.name}.range"


def range_rule(table: Table, column: Column) -> Rule:
    """A date column's range: not before EARLIEST_DATE, and a planned date at most a year
    after the extract_date (an event's upper bound is its table's `..._after_extract` rule)."""
    value = f't."{column.name}"'
    too_early = f"{value} < date '{EARLIEST_DATE}'"
    if not column.planned:
        return Rule(
            range_rule_id(table, column),
            f"{column.name} must not be before {EARLIEST_DATE}",
            too_early,
        )
    return Rule(
        range_rule_id(table, column),
        f"{column.name} must be from {EARLIEST_DATE} to one year after the extract_date",
        f"{too_early} or {value} > $extract_date + interval 1 year",
    )


def required_rule_id(table: Table, column: Column) -> str:
    return f"{table.name}.{column.name}.required"


def allowed_rule_id(table: Table, column: Column) -> str:
    return f"{table.name}.{column.name}.allowed"


def reference_rule_id(table: Table, ref: Reference) -> str:
    return f"{table.name}.{ref.column}.exists"


def parent_rejected_rule_id(table: Table, ref: Reference) -> str:
    return f"{table.name}.{ref.column}.parent_rejected"


TYPE_WORDS = {
    "VARCHAR": "text",
    "DATE": "a date written YYYY-MM-DD",
    "INTEGER": "a whole number",
    "DECIMAL(12,2)": "a number with at most 2 decimal places",
}


def all_rule_ids() -> list[str]:
    """Every rule id the loader can report, in the order it checks them."""
    ids: list[str] = []
    for table in TABLES:
        for column in table.columns:
            if column.type != "VARCHAR":
                ids.append(type_rule_id(table, column))
            if column.type == "DATE":
                ids.append(range_rule_id(table, column))
            if column.required:
                ids.append(required_rule_id(table, column))
            if column.allowed:
                ids.append(allowed_rule_id(table, column))
        for ref in table.references:
            ids += [parent_rejected_rule_id(table, ref), reference_rule_id(table, ref)]
        ids += [rule.id for rule in table.rules]
        ids += [u.id for u in table.unique]
    return ids


def in_list_sql(values: tuple[str, ...]) -> str:
    """A SQL IN-list of the contract's own constants (never of input)."""
    return _in_list(values)
