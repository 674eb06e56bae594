"""A pandas peer of the measures: the same figures from the extract files, for the benchmark."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from jcp.extract.contract import CLAIMANT_GROUPS, DEFERRAL_REASONS, FSF_CATEGORIES
from jcp.measures.runner import MeasureRequest

TABLES = (
    "districts",
    "offices",
    "claims",
    "wfi",
    "assessments",
    "job_entries",
    "fsf_payments",
    "fsf_budgets",
)
DATE_COLUMNS = {
    "claims": ["start_date", "end_date"],
    "wfi": ["due_date", "deferred_until", "held_date"],
    "assessments": ["assessment_date"],
    "job_entries": ["start_date", "end_date"],
    "fsf_payments": ["payment_date"],
}
SCORES = ["job_search", "work_skills", "confidence", "health_wellbeing", "stability"]
# Money is held in whole pence so sums are exact, as the database's decimals are.
MONEY_COLUMNS = {"fsf_payments": "amount_gbp", "fsf_budgets": "allocation_gbp"}

# The claim details events are filtered, grouped or listed by.
CLAIM_COLUMNS = [
    "claim_id",
    "office_code",
    "district_code",
    "benefit",
    "claimant_group",
    "end_date",
    "work_coach_ref",
]
KEYS = {
    "total": [],
    "district": ["district_code"],
    "office": ["district_code", "office_code"],
    "month": ["month"],
}
# The extra column a companion measure breaks each group down by.
COMPANION_COLUMN = {"deferral_reasons": "deferral_reason", "fsf_categories": "category"}
# Survival curves: weeks 0..SURVIVAL_WEEKS - 1 of each group.
SURVIVAL_WEEKS = 105


def read_table(extract_dir: Path, name: str) -> pd.DataFrame:
    """One extract table from its Parquet or CSV file, with dates as datetimes."""
    parquet, csv = extract_dir / f"{name}.parquet", extract_dir / f"{name}.csv"
    if parquet.is_file():
        frame = pd.read_parquet(parquet)
    else:
        # Only an empty field is missing: "NA" or "null" could be real text.
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False, na_values=[""])
    for column in DATE_COLUMNS.get(name, []):
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    if name in MONEY_COLUMNS:
        column = MONEY_COLUMNS[name]
        frame[column.replace("_gbp", "_pence")] = (
            (frame.pop(column).astype(float) * 100).round().astype("int64")
        )
    if name == "assessments":
        frame[SCORES] = frame[SCORES].astype(float)  # NaN for a score not given
    return frame


class PandasPeer:
    """Loads an extract folder into pandas frames once, then answers measure requests."""

    def __init__(self, extract_dir: str | Path) -> None:
        extract_dir = Path(extract_dir)
        manifest = tomllib.loads((extract_dir / "extract.toml").read_text(encoding="utf-8"))
        self.extract_date = pd.Timestamp(str(manifest["extract_date"]))
        tables = {name: read_table(extract_dir, name) for name in TABLES}
        self.districts = tables["districts"]
        self.offices = tables["offices"]
        # Everything about a claim that a request filters or groups on, including the district
        # of its office, joined once here so each request only merges on claim_id.
        self.claims = tables["claims"].merge(
            self.offices[["office_code", "district_code"]], on="office_code", how="left"
        )
        self.wfi = tables["wfi"]
        self.assessments = tables["assessments"]
        self.job_entries = tables["job_entries"]
        # A payment belongs to its own office's district, not its claim's.
        self.payments = tables["fsf_payments"].merge(
            self.offices[["office_code", "district_code"]], on="office_code", how="left"
        )
        self.budgets = tables["fsf_budgets"]

    # ---- shared helpers ----------------------------------------------------------------

    def run(self, request: MeasureRequest) -> pd.DataFrame:
        handlers = {
            "deferrals": self.deferrals,
            "deferral_reasons": self.deferral_reasons,
            "overdue_deferrals": self.overdue_deferrals,
            "overdue_deferrals_month_end": self.overdue_deferrals_month_end,
            "job_entries": self.job_entries_measure,
            "distance_travelled": self.distance_travelled,
            "fsf_spend": self.fsf_spend,
            "fsf_categories": self.fsf_categories,
            "fsf_budget": self.fsf_budget,
            "caseload": self.caseload,
            "off_flows": self.off_flows,
            "claim_restarts": self.claim_restarts,
            "benefit_exits": self.benefit_exits,
            "wfi_timeliness": self.wfi_timeliness,
            "deferral_followup": self.deferral_followup,
            "deferral_lengths": self.deferral_lengths,
            "coach_caseloads": self.coach_caseloads,
            "coach_caseload_spread": self.coach_caseload_spread,
            "fsf_uptake": self.fsf_uptake,
            "fsf_outcomes": self.fsf_outcomes,
            "job_survival": self.job_survival,
            "claim_survival": self.claim_survival,
        }
        if request.measure not in handlers:
            raise ValueError(f"unknown measure {request.measure!r}")
        return handlers[request.measure](request)

    @staticmethod
    def period(request: MeasureRequest) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day of the request's whole months."""
        first = pd.Period(request.period_from, "M").start_time
        last = pd.Period(request.period_to, "M").end_time.normalize()
        return first, last

    def scoped_claims(self, request: MeasureRequest) -> pd.DataFrame:
        """Claims the request's district, office, benefit and group filters allow."""
        claims = self.claims
        if request.districts:
            claims = claims[claims["district_code"].isin(request.districts)]
        if request.offices:
            claims = claims[claims["office_code"].isin(request.offices)]
        if request.benefits:
            claims = claims[claims["benefit"].isin(request.benefits)]
        if request.groups:
            claims = claims[claims["claimant_group"].isin(request.groups)]
        return claims

    def claim_events(self, events: pd.DataFrame, request: MeasureRequest) -> pd.DataFrame:
        """Events of in-scope claims, each carrying its claim's office, district and details."""
        claims = self.scoped_claims(request)[CLAIM_COLUMNS]
        # The event's own dates win a name clash (job_entries has start_date and end_date too).
        return events.merge(claims, on="claim_id", how="inner", suffixes=("", "_claim"))

    @staticmethod
    def with_group(frame: pd.DataFrame, by: str, date_column: str) -> pd.DataFrame:
        """The frame with the column(s) to group on: the event's month, or a constant."""
        if by == "month":
            frame = frame.assign(month=frame[date_column].dt.strftime("%Y-%m"))
        return frame.assign(_all=0)  # groupby needs a key; the total groups on a constant

    @staticmethod
    def group_keys(by: str) -> list[str]:
        return KEYS[by] or ["_all"]

    def spine(self, request: MeasureRequest) -> pd.DataFrame:
        """Every district, office or month the filters allow, so quiet groups still show."""
        if request.by == "month":
            first, last = self.period(request)
            months = pd.period_range(first, last, freq="M").strftime("%Y-%m")
            return pd.DataFrame({"month": list(months)})
        offices = self.offices[["district_code", "office_code"]]
        if request.districts:
            offices = offices[offices["district_code"].isin(request.districts)]
        if request.offices:
            offices = offices[offices["office_code"].isin(request.offices)]
        if request.by == "office":
            return offices
        if request.offices:
            # An office filter narrows the districts to those offices' districts.
            return offices[["district_code"]].drop_duplicates()
        districts = self.districts[["district_code"]]
        if request.districts:
            districts = districts[districts["district_code"].isin(request.districts)]
        return districts

    def finish(
        self,
        result: pd.DataFrame,
        request: MeasureRequest,
        columns: list[str],
        counts: Sequence[str] = (),
        money: Sequence[str] = (),
        complete: bool = True,
        order: Sequence[str] = (),
        parts: tuple[str, Sequence[str]] | None = None,
    ) -> pd.DataFrame:
        """Complete the grouping, fill counts and money with 0, sort by the keys, keep `columns`.

        Counts and sums mean "nothing happened" when a group is quiet, so they are 0; rates
        and means stay missing because there is nothing to divide by.
        """
        keys = KEYS[request.by]
        result = result.reset_index()
        if parts is not None:
            # Companions: every part for every group, 0 where none (as the runner lists them).
            column, values = parts
            every = pd.DataFrame({column: list(values)})
            spine = self.spine(request).merge(every, how="cross") if keys else every
            result = spine.merge(result, on=[*keys, column], how="left")
            result[[*counts, *money]] = result[[*counts, *money]].fillna(0)
        elif complete:
            if keys:
                result = self.spine(request).merge(result, on=keys, how="left")
            elif result.empty:
                result = result.reindex([0])  # the total is one row even with no activity
            result[[*counts, *money]] = result[[*counts, *money]].fillna(0)
        # The merge turns counts with gaps into floats; they are whole numbers again now.
        result[list(counts)] = result[list(counts)].astype("int64")
        sort = [*keys, *order]
        if sort:
            result = result.sort_values(sort, kind="stable")
        return result[keys + columns].reset_index(drop=True)

    # ---- 1. deferrals ------------------------------------------------------------------

    def due_wfis(self, request: MeasureRequest) -> pd.DataFrame:
        """Decided initial WFIs of non-JSA claims due in the period."""
        first, last = self.period(request)
        wfi = self.claim_events(self.wfi, request)
        wfi = wfi[
            wfi["due_date"].between(first, last)
            & (wfi["benefit"] != "JSA")
            & (wfi["outcome"] != "pending")
        ]
        return self.with_group(wfi, request.by, "due_date")

    def deferrals(self, request: MeasureRequest) -> pd.DataFrame:
        wfi = self.due_wfis(request)
        wfi["is_deferred"] = wfi["outcome"] == "deferred"
        wfi["is_waived"] = wfi["outcome"] == "waived"
        # Only deferred WFIs have a deferral length; the median skips the rest.
        wfi["deferral_days"] = (wfi["deferred_until"] - wfi["due_date"]).dt.days.where(
            wfi["is_deferred"]
        )
        result = wfi.groupby(self.group_keys(request.by)).agg(
            wfis_due=("outcome", "size"),
            deferred=("is_deferred", "sum"),
            waived=("is_waived", "sum"),
            median_deferral_days=("deferral_days", "median"),
        )
        result["deferral_rate"] = result["deferred"] / result["wfis_due"]
        result["waiver_rate"] = result["waived"] / result["wfis_due"]
        columns = ["wfis_due", "deferred", "waived", "deferral_rate", "waiver_rate"]
        return self.finish(
            result,
            request,
            [*columns, "median_deferral_days"],
            counts=["wfis_due", "deferred", "waived"],
        )

    def deferral_reasons(self, request: MeasureRequest) -> pd.DataFrame:
        wfi = self.due_wfis(request)
        wfi = wfi[wfi["outcome"] == "deferred"]
        result = wfi.groupby([*self.group_keys(request.by), "deferral_reason"]).agg(
            deferred=("outcome", "size")
        )
        return self.finish(
            result,
            request,
            ["deferral_reason", "deferred"],
            counts=["deferred"],
            order=["deferral_reason"],
            parts=("deferral_reason", sorted(DEFERRAL_REASONS)),
        )

    # ---- 2. overdue deferrals ----------------------------------------------------------

    def overdue_deferrals(self, request: MeasureRequest) -> pd.DataFrame:
        wfi = self.claim_events(self.wfi, request)
        wfi = wfi[
            (wfi["outcome"] == "deferred")
            & (wfi["deferred_until"] < self.extract_date)
            & wfi["held_date"].isna()
            & wfi["end_date"].isna()
        ]
        wfi["days_overdue"] = (self.extract_date - wfi["deferred_until"]).dt.days.astype("int64")
        wfi = wfi.sort_values(["days_overdue", "claim_id"], ascending=[False, True])
        columns = [
            "claim_id",
            "district_code",
            "office_code",
            "work_coach_ref",
            "benefit",
            "claimant_group",
            "deferral_reason",
            "deferred_until",
            "days_overdue",
        ]
        return wfi[columns].reset_index(drop=True)

    def overdue_deferrals_month_end(self, request: MeasureRequest) -> pd.DataFrame:
        """The worklist as it stood at the end of the month before the extract date's month."""
        month_end = self.extract_date.to_period("M").start_time - pd.Timedelta(days=1)
        wfi = self.claim_events(self.wfi, request)
        wfi = wfi[
            (wfi["outcome"] == "deferred")
            & (wfi["deferred_until"] < month_end)
            & (wfi["held_date"].isna() | (wfi["held_date"] > month_end))
            & (wfi["end_date"].isna() | (wfi["end_date"] > month_end))
        ]
        counts = (
            wfi.groupby(["district_code", "office_code"])
            .size()
            .rename("overdue_deferrals")
            .reset_index()
            .sort_values(["district_code", "office_code"])
        )
        counts.insert(2, "month_end", month_end)
        counts["overdue_deferrals"] = counts["overdue_deferrals"].astype("int64")
        return counts.reset_index(drop=True)

    # ---- 3. job entries ----------------------------------------------------------------

    def job_entries_measure(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        jobs = self.claim_events(self.job_entries, request)
        jobs = jobs[jobs["start_date"].between(first, last)]
        jobs = self.with_group(jobs, request.by, "start_date")
        days_in_work = (jobs["end_date"] - jobs["start_date"]).dt.days
        still_in_work = jobs["end_date"].isna()
        for label, days in (("13w", 91), ("26w", 182)):
            # A job is judged only once its whole window has passed by the extract date.
            mature = jobs["start_date"] + pd.Timedelta(days=days) <= self.extract_date
            jobs[f"mature_{label}"] = mature
            jobs[f"sustained_{label}"] = mature & (still_in_work | (days_in_work >= days))
        result = jobs.groupby(self.group_keys(request.by)).agg(
            job_entries=("claim_id", "size"),
            mature_13w=("mature_13w", "sum"),
            sustained_13w=("sustained_13w", "sum"),
            mature_26w=("mature_26w", "sum"),
            sustained_26w=("sustained_26w", "sum"),
        )
        for label in ("13w", "26w"):
            mature = result[f"mature_{label}"]
            result[f"sustained_{label}_rate"] = result[f"sustained_{label}"] / mature.where(
                mature > 0
            )
        counts = ["job_entries", "mature_13w", "sustained_13w", "mature_26w", "sustained_26w"]
        columns = [
            "job_entries",
            "mature_13w",
            "sustained_13w",
            "sustained_13w_rate",
            "mature_26w",
            "sustained_26w",
            "sustained_26w_rate",
        ]
        return self.finish(result, request, columns, counts=counts)

    # ---- 4. distance travelled ---------------------------------------------------------

    def distance_travelled(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        assessments = self.claim_events(self.assessments, request)
        reviews = assessments[
            (assessments["kind"] == "review") & assessments["assessment_date"].between(first, last)
        ]
        reviews = self.with_group(reviews, request.by, "assessment_date")
        # The latest review per claim (per claim and month by month); the larger
        # assessment_id, compared as text, wins a tie on date.
        per_claim = ["claim_id", *(["month"] if request.by == "month" else [])]
        reviews = reviews.sort_values([*per_claim, "assessment_date", "assessment_id"])
        reviews = reviews.drop_duplicates(per_claim, keep="last")
        baselines = assessments.loc[
            assessments["kind"] == "baseline", ["claim_id", "assessment_date", *SCORES]
        ]
        paired = reviews.merge(baselines, on="claim_id", suffixes=("", "_baseline"))
        paired = paired[paired["assessment_date_baseline"] <= paired["assessment_date"]]
        changes = pd.DataFrame(
            {score: paired[score] - paired[f"{score}_baseline"] for score in SCORES},
            index=paired.index,
        )
        # A claim's overall change is the mean of the dimensions scored in both (NaN skipped).
        paired = paired.assign(**{s: changes[s] for s in SCORES}, overall=changes.mean(axis=1))
        paired = paired[paired["overall"].notna()]
        paired["improved"] = paired["overall"] >= 1.0
        result = paired.groupby(self.group_keys(request.by)).agg(
            claims_measured=("claim_id", "size"),
            mean_change=("overall", "mean"),
            pct_improved=("improved", "mean"),
            claims_improved=("improved", "sum"),
            **{f"mean_change_{score}": (score, "mean") for score in SCORES},
            **{f"claims_{score}": (score, "count") for score in SCORES},
        )
        columns = [
            "claims_measured",
            "mean_change",
            "pct_improved",
            "claims_improved",
            *(f"mean_change_{score}" for score in SCORES),
            *(f"claims_{score}" for score in SCORES),
        ]
        counts = ["claims_measured", "claims_improved", *(f"claims_{score}" for score in SCORES)]
        return self.finish(result, request, columns, counts=counts)

    # ---- 5. FSF spend ------------------------------------------------------------------

    def fsf_payments_in_scope(self, request: MeasureRequest) -> pd.DataFrame:
        """Payments dated in the period by the offices the filters allow."""
        first, last = self.period(request)
        payments = self.payments[self.payments["payment_date"].between(first, last)]
        if request.districts:
            payments = payments[payments["district_code"].isin(request.districts)]
        if request.offices:
            payments = payments[payments["office_code"].isin(request.offices)]
        if request.benefits or request.groups:
            # These filters apply through the claim, so a grant with no claim drops out.
            claims = self.claims[["claim_id", "benefit", "claimant_group"]]
            payments = payments.merge(claims, on="claim_id", how="inner")
            if request.benefits:
                payments = payments[payments["benefit"].isin(request.benefits)]
            if request.groups:
                payments = payments[payments["claimant_group"].isin(request.groups)]
        return self.with_group(payments, request.by, "payment_date")

    def fsf_spend(self, request: MeasureRequest) -> pd.DataFrame:
        payments = self.fsf_payments_in_scope(request)
        payments["claim_pence"] = payments["amount_pence"].where(payments["claim_id"].notna())
        result = payments.groupby(self.group_keys(request.by)).agg(
            payments=("payment_id", "size"),
            spend_pence=("amount_pence", "sum"),
            recipients=("claim_id", "nunique"),
            avg_award_pence=("claim_pence", "mean"),
            claimant_payments=("claim_id", "count"),
        )
        result["spend_gbp"] = result["spend_pence"] / 100
        result["avg_award_gbp"] = result["avg_award_pence"] / 100
        columns = ["payments", "spend_gbp", "recipients", "avg_award_gbp", "claimant_payments"]
        counts = ["payments", "recipients", "claimant_payments"]
        return self.finish(result, request, columns, counts=counts, money=["spend_gbp"])

    def fsf_categories(self, request: MeasureRequest) -> pd.DataFrame:
        payments = self.fsf_payments_in_scope(request)
        result = payments.groupby([*self.group_keys(request.by), "category"]).agg(
            payments=("payment_id", "size"), spend_pence=("amount_pence", "sum")
        )
        result["spend_gbp"] = result["spend_pence"] / 100
        return self.finish(
            result,
            request,
            ["category", "payments", "spend_gbp"],
            counts=["payments"],
            money=["spend_gbp"],
            order=["category"],
            parts=("category", sorted(FSF_CATEGORIES)),
        )

    # ---- 6. FSF budget -----------------------------------------------------------------

    def fsf_budget(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        budgets = self.budgets
        if request.districts:
            budgets = budgets[budgets["district_code"].isin(request.districts)]
        if request.offices:
            # Budgets are district-wide: an office selects its whole district's budget.
            chosen = self.offices.loc[self.offices["office_code"].isin(request.offices)]
            budgets = budgets[budgets["district_code"].isin(chosen["district_code"])]
        start_year = budgets["financial_year"].str[:4].astype(int)
        budgets = budgets.assign(
            year_start=pd.to_datetime(start_year.astype(str) + "-04-01"),
            year_end=pd.to_datetime((start_year + 1).astype(str) + "-03-31"),
        )
        budgets = budgets[(budgets["year_start"] <= last) & (budgets["year_end"] >= first)]

        paid = budgets.merge(self.payments, on="district_code")
        counted_to = paid["year_end"].clip(upper=self.extract_date)
        paid = paid[
            (paid["payment_date"] >= paid["year_start"]) & (paid["payment_date"] <= counted_to)
        ]
        spend = paid.groupby(["district_code", "financial_year"]).agg(
            spend_pence=("amount_pence", "sum"), payments=("payment_id", "size")
        )
        result = budgets.merge(
            spend.reset_index(), on=["district_code", "financial_year"], how="left"
        )
        result[["spend_pence", "payments"]] = result[["spend_pence", "payments"]].fillna(0)
        result["allocation_gbp"] = result["allocation_pence"] / 100
        result["spend_to_date_gbp"] = result["spend_pence"] / 100
        result["payments"] = result["payments"].astype("int64")
        result["pct_spent"] = result["spend_pence"] / result["allocation_pence"]
        elapsed = (result["year_end"].clip(upper=self.extract_date) - result["year_start"]).dt.days
        in_year = (result["year_end"] - result["year_start"]).dt.days + 1
        projected = result["spend_to_date_gbp"] / (elapsed + 1) * in_year
        # A year that has not started yet has nothing to project from.
        result["projected_outturn_gbp"] = projected.where(result["year_start"] <= self.extract_date)
        result = result.sort_values(["district_code", "financial_year"])
        columns = [
            "district_code",
            "financial_year",
            "allocation_gbp",
            "spend_to_date_gbp",
            "payments",
            "pct_spent",
            "projected_outturn_gbp",
        ]
        return result[columns].reset_index(drop=True)

    # ---- 7. caseload -------------------------------------------------------------------

    def caseload(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        claims = self.scoped_claims(request)
        keys = self.group_keys(request.by)
        if request.by == "month":
            days = pd.period_range(first, last, freq="M").end_time.normalize()
        else:
            days = pd.DatetimeIndex([last])
        live_parts = []
        for month_end in days:
            # Nothing is known after the extract date, so a later month end counts at it.
            day = min(month_end, self.extract_date)
            # Live at the end of the day: a claim ending that day is off the caseload.
            live = claims[
                (claims["start_date"] <= day)
                & (claims["end_date"].isna() | (claims["end_date"] > day))
            ]
            live = live.assign(month=f"{month_end:%Y-%m}", _all=0)
            live_parts.append(
                live.groupby(keys).agg(
                    live_claims=("claim_id", "size"), coaches=("work_coach_ref", "nunique")
                )
            )
        live = pd.concat(live_parts)

        starts = self.with_group(
            claims[claims["start_date"].between(first, last)], request.by, "start_date"
        )
        new_claims = starts.groupby(keys).agg(new_claims=("claim_id", "size"))

        ends = self.with_group(
            claims[claims["end_date"].between(first, last)], request.by, "end_date"
        )
        ends["to_work"] = ends["end_reason"] == "job_entry"
        off_flows = ends.groupby(keys).agg(
            off_flows=("claim_id", "size"), off_flows_to_work=("to_work", "sum")
        )

        result = pd.concat([live, new_claims, off_flows], axis=1)  # outer join on the keys
        result["claims_per_coach"] = result["live_claims"] / result["coaches"].where(
            result["coaches"] > 0
        )
        counts = ["live_claims", "new_claims", "off_flows", "off_flows_to_work"]
        return self.finish(result, request, [*counts, "claims_per_coach"], counts=counts)

    def off_flows(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        claims = self.scoped_claims(request)
        ended = self.with_group(
            claims[claims["end_date"].between(first, last)], request.by, "end_date"
        )
        destinations = {
            "to_work": "job_entry",
            "to_work_programme": "work_programme",
            "to_other_benefit": "other_benefit",
            "to_other": "other",
        }
        for column, reason in destinations.items():
            ended[column] = ended["end_reason"] == reason
        ended["duration_days"] = (ended["end_date"] - ended["start_date"]).dt.days
        result = ended.groupby(self.group_keys(request.by)).agg(
            ended=("claim_id", "size"),
            **{column: (column, "sum") for column in destinations},
            median_duration_days=("duration_days", "median"),
        )
        for column in destinations:
            result[f"share_{column}"] = result[column] / result["ended"]
        counts = ["ended", *destinations]
        shares = [f"share_{column}" for column in destinations]
        return self.finish(
            result, request, [*counts, *shares, "median_duration_days"], counts=counts
        )

    # ---- claim restarts and benefit exits ----------------------------------------------

    def claim_restarts(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        claims = self.scoped_claims(request)
        ended = claims[claims["end_date"].between(first, last)]
        # The next claim may be anyone's of the same claimant_ref: any office, benefit or group.
        later = self.claims[["claimant_ref", "claim_id", "start_date"]].rename(
            columns={"claim_id": "next_claim_id", "start_date": "next_start_date"}
        )
        pairs = ended[["claim_id", "claimant_ref", "end_date"]].merge(later, on="claimant_ref")
        pairs = pairs[
            (pairs["next_claim_id"] != pairs["claim_id"])
            & (pairs["next_start_date"] >= pairs["end_date"])
        ]
        # The earliest such claim, by merge (Series.map with an empty mapping of dates fails).
        first_restart = pairs.groupby("claim_id")["next_start_date"].min().rename("restart")
        restart = ended[["claim_id"]].merge(
            first_restart, left_on="claim_id", right_index=True, how="left"
        )["restart"]
        ended = self.with_group(ended, request.by, "end_date")
        restart_days = (restart - ended["end_date"]).dt.days  # NaN: no later claim
        for days in (91, 182):
            # A claim is judged only once its whole window has passed by the extract date.
            mature = ended["end_date"] + pd.Timedelta(days=days) <= self.extract_date
            ended[f"mature_{days}d"] = mature
            ended[f"restarted_{days}d"] = mature & (restart_days <= days)
        to_work = ended["end_reason"] == "job_entry"
        ended["mature_182d_to_work"] = ended["mature_182d"] & to_work
        ended["restarted_182d_to_work"] = ended["restarted_182d"] & to_work
        counts = [
            "ended",
            "mature_91d",
            "restarted_91d",
            "mature_182d",
            "restarted_182d",
            "mature_182d_to_work",
            "restarted_182d_to_work",
        ]
        result = ended.groupby(self.group_keys(request.by)).agg(
            ended=("claim_id", "size"), **{c: (c, "sum") for c in counts[1:]}
        )
        columns = []
        for suffix in ("91d", "182d", "182d_to_work"):
            mature = result[f"mature_{suffix}"]
            result[f"restart_rate_{suffix}"] = result[f"restarted_{suffix}"] / mature.where(
                mature > 0
            )
            columns += [f"mature_{suffix}", f"restarted_{suffix}", f"restart_rate_{suffix}"]
        return self.finish(result, request, ["ended", *columns], counts=counts)

    def benefit_exits(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        claims = self.scoped_claims(request)
        started = self.with_group(
            claims[claims["start_date"].between(first, last)], request.by, "start_date"
        )
        days_on_benefit = (started["end_date"] - started["start_date"]).dt.days  # NaN: open
        to_work = started["end_reason"] == "job_entry"
        counts, columns = [], []
        for weeks in (13, 26, 39, 52):
            days = 7 * weeks
            mature = started["start_date"] + pd.Timedelta(days=days) <= self.extract_date
            exited = mature & (days_on_benefit <= days)
            started[f"mature_{weeks}w"] = mature
            started[f"exited_{weeks}w"] = exited
            started[f"exited_to_work_{weeks}w"] = exited & to_work
            counts += [f"mature_{weeks}w", f"exited_{weeks}w", f"exited_to_work_{weeks}w"]
            columns += [
                f"mature_{weeks}w",
                f"exited_{weeks}w",
                f"exit_rate_{weeks}w",
                f"exited_to_work_{weeks}w",
                f"exit_to_work_rate_{weeks}w",
            ]
        result = started.groupby(self.group_keys(request.by)).agg(**{c: (c, "sum") for c in counts})
        for weeks in (13, 26, 39, 52):
            mature = result[f"mature_{weeks}w"].where(result[f"mature_{weeks}w"] > 0)
            result[f"exit_rate_{weeks}w"] = result[f"exited_{weeks}w"] / mature
            result[f"exit_to_work_rate_{weeks}w"] = result[f"exited_to_work_{weeks}w"] / mature
        return self.finish(result, request, columns, counts=counts)

    # ---- interview timeliness, deferral follow-up and lengths (issue 17) ----------------

    def wfi_timeliness(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        wfi = self.claim_events(self.wfi, request).merge(
            self.claims[["claim_id", "start_date"]], on="claim_id", how="inner"
        )
        wfi = wfi[
            wfi["start_date"].between(first, last)
            & wfi["outcome"].isin(["attended", "failed_to_attend"])
        ]
        wfi = self.with_group(wfi, request.by, "start_date")
        wfi["is_attended"] = wfi["outcome"] == "attended"
        wfi["is_missed"] = wfi["outcome"] == "failed_to_attend"
        days = (wfi["held_date"] - wfi["start_date"]).dt.days.where(wfi["is_attended"])
        wfi["days_to_interview"] = days
        wfi["is_within_4d"] = wfi["is_attended"] & (days <= 4)
        result = wfi.groupby(self.group_keys(request.by)).agg(
            interviews_expected=("outcome", "size"),
            held_within_4d=("is_within_4d", "sum"),
            attended=("is_attended", "sum"),
            failed_to_attend=("is_missed", "sum"),
            median_days_to_interview=("days_to_interview", "median"),
        )
        result["timeliness_rate"] = result["held_within_4d"] / result["interviews_expected"]
        result["fta_rate"] = result["failed_to_attend"] / result["interviews_expected"]
        counts = ["interviews_expected", "held_within_4d", "attended", "failed_to_attend"]
        columns = [
            "interviews_expected",
            "held_within_4d",
            "timeliness_rate",
            "attended",
            "failed_to_attend",
            "fta_rate",
            "median_days_to_interview",
        ]
        return self.finish(result, request, columns, counts=counts)

    def deferral_followup(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        wfi = self.claim_events(self.wfi, request)
        window_end = wfi["deferred_until"] + pd.Timedelta(days=14)
        wfi = wfi[
            (wfi["outcome"] == "deferred")
            & wfi["deferred_until"].between(first, last)
            & (window_end <= self.extract_date)
        ]
        wfi = self.with_group(wfi, request.by, "deferred_until")
        window_end = wfi["deferred_until"] + pd.Timedelta(days=14)
        wfi["is_within_14d"] = wfi["held_date"].notna() & (wfi["held_date"] <= window_end)
        wfi["is_later"] = wfi["held_date"].notna() & (wfi["held_date"] > window_end)
        wfi["is_not_held"] = wfi["held_date"].isna()
        result = wfi.groupby(self.group_keys(request.by)).agg(
            deferrals_due=("outcome", "size"),
            held_within_14d=("is_within_14d", "sum"),
            held_later=("is_later", "sum"),
            not_held=("is_not_held", "sum"),
        )
        result["followup_rate"] = result["held_within_14d"] / result["deferrals_due"]
        counts = ["deferrals_due", "held_within_14d", "held_later", "not_held"]
        columns = ["deferrals_due", "held_within_14d", "followup_rate", "held_later", "not_held"]
        return self.finish(result, request, columns, counts=counts)

    def deferral_lengths(self, request: MeasureRequest) -> pd.DataFrame:
        wfi = self.due_wfis(request)
        wfi = wfi[wfi["outcome"] == "deferred"]
        wfi = wfi.assign(deferral_days=(wfi["deferred_until"] - wfi["due_date"]).dt.days)
        result = wfi.groupby([*self.group_keys(request.by), "deferral_reason"]).agg(
            deferred=("outcome", "size"),
            median_deferral_days=("deferral_days", "median"),
            mean_deferral_days=("deferral_days", "mean"),
        )
        return self.finish(
            result,
            request,
            ["deferral_reason", "deferred", "median_deferral_days", "mean_deferral_days"],
            counts=["deferred"],
            order=["deferral_reason"],
            parts=("deferral_reason", sorted(DEFERRAL_REASONS)),
        )

    # ---- 8. work coach caseloads -------------------------------------------------------

    def open_claims_per_coach(self, request: MeasureRequest) -> pd.DataFrame:
        """Open claims (no end date) the filters allow, counted per office, coach and group;
        a claim with no coach keeps a missing coach (the office's Unassigned row)."""
        claims = self.scoped_claims(request)
        claims = claims[claims["end_date"].isna()]
        return (
            claims.groupby(
                ["district_code", "office_code", "work_coach_ref", "claimant_group"],
                dropna=False,
            )
            .size()
            .rename("open_claims")
            .reset_index()
        )

    @staticmethod
    def by_coach(frame: pd.DataFrame) -> pd.DataFrame:
        """The frame keyed by office and coach, with no coach a key of its own: pandas joins
        and groups do not match a missing value with another, so it is (True, "")."""
        return frame.assign(
            unassigned=frame["work_coach_ref"].isna(),
            coach=frame["work_coach_ref"].fillna(""),
        ).drop(columns="work_coach_ref")

    def coach_caseloads(self, request: MeasureRequest) -> pd.DataFrame:
        keys = ["district_code", "office_code", "unassigned", "coach"]
        open_claims = self.by_coach(self.open_claims_per_coach(request))
        by_group = open_claims.pivot_table(
            index=keys, columns="claimant_group", values="open_claims", aggfunc="sum"
        ).reindex(columns=list(CLAIMANT_GROUPS))
        by_group = by_group.fillna(0).astype("int64")
        by_group.columns = [f"open_{group}" for group in by_group.columns]
        by_group.insert(0, "open_claims", by_group.sum(axis=1))
        # The worklist's rows, counted per coach.
        worklist = self.by_coach(self.overdue_deferrals(request))
        overdue = worklist.groupby(keys).agg(
            overdue_deferrals=("claim_id", "size"), oldest_overdue_days=("days_overdue", "max")
        )
        result = by_group.join(overdue, how="outer").reset_index()
        counts = [*by_group.columns, "overdue_deferrals"]
        result[counts] = result[counts].fillna(0).astype("int64")
        result["oldest_overdue_days"] = result["oldest_overdue_days"].astype("Int32")
        result["work_coach_ref"] = result["coach"].where(~result["unassigned"], None)
        result = result.sort_values(keys, kind="stable")
        columns = ["district_code", "office_code", "work_coach_ref", *counts]
        return result[[*columns, "oldest_overdue_days"]].reset_index(drop=True)

    def coach_caseload_spread(self, request: MeasureRequest) -> pd.DataFrame:
        per_coach = (
            self.open_claims_per_coach(request)
            .groupby(["office_code", "work_coach_ref"], dropna=False)["open_claims"]
            .sum()
            .reset_index()
        )
        coaches = per_coach[per_coach["work_coach_ref"].notna()].groupby("office_code")
        # numpy's default percentile is the linear interpolation the spec declares.
        figures = coaches["open_claims"].agg(
            coaches="size",
            min_claims_per_coach="min",
            median_claims_per_coach=lambda x: float(np.percentile(x, 50)),
            p90_claims_per_coach=lambda x: float(np.percentile(x, 90)),
            max_claims_per_coach="max",
        )
        totals = per_coach.groupby("office_code").agg(open_claims=("open_claims", "sum"))
        totals["unassigned_claims"] = (
            per_coach[per_coach["work_coach_ref"].isna()]
            .groupby("office_code")["open_claims"]
            .sum()
        )
        offices = self.offices[["district_code", "office_code"]]
        if request.districts:
            offices = offices[offices["district_code"].isin(request.districts)]
        if request.offices:
            offices = offices[offices["office_code"].isin(request.offices)]
        result = offices.merge(figures, on="office_code", how="left").merge(
            totals, on="office_code", how="left"
        )
        for column in ("coaches", "open_claims", "unassigned_claims"):
            result[column] = result[column].fillna(0).astype("int64")
        for column in ("min_claims_per_coach", "max_claims_per_coach"):
            result[column] = result[column].astype("Int64")
        columns = [
            "district_code",
            "office_code",
            "coaches",
            "open_claims",
            "unassigned_claims",
            "min_claims_per_coach",
            "median_claims_per_coach",
            "p90_claims_per_coach",
            "max_claims_per_coach",
        ]
        return result.sort_values(["district_code", "office_code"])[columns].reset_index(drop=True)

    # ---- 8. FSF uptake and outcomes -----------------------------------------------------

    def fsf_uptake(self, request: MeasureRequest) -> pd.DataFrame:
        """Claims live in each period (each month with by = month) and those of them paid in it,
        by the claim's own office, whoever paid."""
        first, last = self.period(request)
        claims = self.scoped_claims(request)
        paid = self.payments.loc[self.payments["claim_id"].notna(), ["claim_id", "payment_date"]]
        if request.by == "month":
            periods = [
                (f"{month:%Y-%m}", month.start_time, month.end_time.normalize())
                for month in pd.period_range(first, last, freq="M")
            ]
        else:
            periods = [(None, first, last)]
        parts = []
        for month, start, end in periods:
            live = claims[
                (claims["start_date"] <= end)
                & (claims["end_date"].isna() | (claims["end_date"] >= start))
                # Nothing is known of a period starting after the extract date.
                & (start <= self.extract_date)
            ]
            paid_in = paid.loc[paid["payment_date"].between(start, end), "claim_id"].unique()
            live = live.assign(month=month, _all=0, is_recipient=live["claim_id"].isin(paid_in))
            parts.append(
                live.groupby(self.group_keys(request.by)).agg(
                    live_claims=("claim_id", "size"), recipients=("is_recipient", "sum")
                )
            )
        result = pd.concat(parts)
        live_claims = result["live_claims"].astype(float)
        result["uptake_per_100"] = 100 * result["recipients"] / live_claims.where(live_claims > 0)
        counts = ["live_claims", "recipients"]
        return self.finish(result, request, [*counts, "uptake_per_100"], counts=counts)

    def fsf_outcomes(self, request: MeasureRequest) -> pd.DataFrame:
        """Mature job entries, sustained or not, split by an FSF payment to the claim on or
        before the job's start."""
        first, last = self.period(request)
        jobs = self.claim_events(self.job_entries, request)
        jobs = jobs[
            jobs["start_date"].between(first, last)
            & (jobs["start_date"] + pd.Timedelta(days=91) <= self.extract_date)
        ]
        jobs = self.with_group(jobs, request.by, "start_date")
        first_paid = (
            self.payments.dropna(subset=["claim_id"]).groupby("claim_id")["payment_date"].min()
        )
        supported = jobs["claim_id"].map(first_paid) <= jobs["start_date"]  # NaT: False
        sustained = jobs["end_date"].isna() | (
            (jobs["end_date"] - jobs["start_date"]).dt.days >= 91
        )
        jobs = jobs.assign(
            mature_supported=supported,
            sustained_supported=supported & sustained,
            mature_unsupported=~supported,
            sustained_unsupported=~supported & sustained,
        )
        counts = [
            "mature_supported",
            "sustained_supported",
            "mature_unsupported",
            "sustained_unsupported",
        ]
        result = jobs.groupby(self.group_keys(request.by))[counts].sum()
        for part in ("supported", "unsupported"):
            mature = result[f"mature_{part}"].astype(float)
            result[f"rate_{part}"] = result[f"sustained_{part}"] / mature.where(mature > 0)
        columns = [
            "mature_supported",
            "sustained_supported",
            "rate_supported",
            "mature_unsupported",
            "sustained_unsupported",
            "rate_unsupported",
        ]
        return self.finish(result, request, columns, counts=counts)

    # ---- survival curves (Kaplan-Meier by completed week) ------------------------------------

    def job_survival(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        jobs = self.claim_events(self.job_entries, request)
        jobs = jobs[jobs["start_date"].between(first, last)]
        ended = jobs["end_date"].notna()
        days = (jobs["end_date"].where(ended, self.extract_date) - jobs["start_date"]).dt.days
        return self.kaplan_meier(jobs.assign(days=days, event=ended), request)

    def claim_survival(self, request: MeasureRequest) -> pd.DataFrame:
        first, last = self.period(request)
        claims = self.scoped_claims(request)
        claims = claims[claims["start_date"].between(first, last)]
        until = claims["end_date"].fillna(self.extract_date)
        days = (until - claims["start_date"]).dt.days
        into_work = (claims["end_reason"] == "job_entry").fillna(False)
        return self.kaplan_meier(claims.assign(days=days, event=into_work), request)

    def kaplan_meier(self, spells: pd.DataFrame, request: MeasureRequest) -> pd.DataFrame:
        """Each group's curve over weeks 0..104 from its spells' days and event flags, as a
        running product (the SQL adds logarithms instead), with the log-log Greenwood band."""
        weeks = np.arange(SURVIVAL_WEEKS)
        spells = self.with_group(spells, request.by, "start_date")
        spells["week"] = (spells["days"] // 7).clip(upper=SURVIVAL_WEEKS)
        keys = self.group_keys(request.by)
        rows = []
        for group, found in spells.groupby(keys):
            # Week SURVIVAL_WEEKS holds every later week: at risk throughout, ending in none.
            every = np.bincount(found["week"], minlength=SURVIVAL_WEEKS + 1)
            events = np.bincount(found["week"][found["event"]], minlength=SURVIVAL_WEEKS + 1)
            at_risk = every[::-1].cumsum()[::-1][:SURVIVAL_WEEKS]
            events, censored = events[:SURVIVAL_WEEKS], (every - events)[:SURVIVAL_WEEKS]
            with np.errstate(divide="ignore", invalid="ignore"):
                survival = np.cumprod(np.where(at_risk > 0, 1 - events / at_risk, 1.0))
                terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
                variance = np.cumsum(terms)
                spread = 1.959963984540054 * np.sqrt(variance) / -np.log(survival)
                centre = np.log(-np.log(survival))
                low = np.exp(-np.exp(centre + spread))
                high = np.exp(-np.exp(centre - spread))
            low = np.where(survival == 1, 1.0, np.where(survival == 0, 0.0, low))
            high = np.where(survival == 1, 1.0, np.where(survival == 0, 0.0, high))
            nobody = at_risk == 0
            labels = dict(zip(keys, group, strict=True))  # a list of keys: a tuple each
            rows.append(
                pd.DataFrame(
                    {
                        **labels,
                        "week": weeks,
                        "at_risk": at_risk,
                        "events": events,
                        "censored": censored,
                        "survival": np.where(nobody, np.nan, survival),
                        "ci_low": np.where(nobody, np.nan, low),
                        "ci_high": np.where(nobody, np.nan, high),
                    }
                )
            )
        columns = ["week", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"]
        result = pd.concat(rows) if rows else pd.DataFrame(columns=[*keys, *columns])
        counts = ["at_risk", "events", "censored"]
        return self.finish(
            result.drop(columns="_all", errors="ignore"),
            request,
            columns,
            counts=counts,
            order=["week"],
            parts=("week", list(weeks)),
        )


# ---- comparison with the runner ---------------------------------------------------------

TOLERANCE = 1e-9


def _comparable(series: pl.Series) -> pl.Series:
    """A column in a form both sides share: money as float, dates as dates, NaN as null."""
    if series.dtype == pl.Decimal or series.dtype.is_float():
        return series.cast(pl.Float64).fill_nan(None)
    if series.dtype == pl.Datetime:
        return series.cast(pl.Date)
    if series.dtype.is_integer():
        return series.cast(pl.Int64)
    return series


def compare(
    expected: pl.DataFrame,
    actual: pd.DataFrame,
    sort_by: Sequence[str] | None = None,
    tolerance: float = TOLERANCE,
    limit: int = 10,
) -> list[str]:
    """Differences between the runner's result and the peer's, in words (empty when equal).

    Columns and row order must match; counts and text exactly, floats and money to within
    `tolerance` (relative for values above 1, so large sums are held to the same digits).
    `sort_by` sorts both sides first, for results whose row order is not defined.
    """
    if list(expected.columns) != list(actual.columns):
        return [f"columns differ: expected {expected.columns}, got {list(actual.columns)}"]
    if expected.height != len(actual):
        return [f"row counts differ: expected {expected.height}, got {len(actual)}"]
    got = pl.from_pandas(actual)
    if sort_by:
        expected, got = expected.sort(sort_by), got.sort(sort_by)
    named = (*KEYS["office"], "month", "claim_id", "financial_year", *COMPANION_COLUMN.values())
    labels = [c for c in named if c in got.columns]
    problems: list[str] = []
    for name in expected.columns:
        want, have = _comparable(expected[name]), _comparable(got[name])
        if have.dtype == pl.Null:
            have = have.cast(want.dtype)  # an all-missing pandas column has no type of its own
        if want.dtype.is_integer() and not have.dtype.is_integer():
            problems.append(f"{name}: expected whole numbers, got {have.dtype}")
            continue
        if want.dtype == pl.Float64 and have.dtype.is_numeric():
            have = have.cast(pl.Float64)
            scale = want.abs().clip(lower_bound=1.0)
            close = ((want - have).abs() <= tolerance * scale).fill_null(False)
            same = close | (want.is_null() & have.is_null())
        elif want.dtype != have.dtype:
            problems.append(f"{name}: expected type {want.dtype}, got {have.dtype}")
            continue
        else:
            same = want.eq_missing(have)
        for row in (~same).arg_true().to_list()[:limit]:
            where = ", ".join(f"{c}={got[c][row]}" for c in labels)
            problems.append(
                f"row {row} ({where}) {name}: expected {want[row]!r}, got {have[row]!r}"
            )
    return problems
