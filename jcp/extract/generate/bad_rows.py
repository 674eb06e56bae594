"""Bad rows: K rows per contract rule, each breaking that rule and nothing checked before it."""

from __future__ import annotations

from collections.abc import Callable

from jcp.extract import contract
from jcp.extract.generate.calendar import Calendar, fy_label, iso
from jcp.extract.generate.reference import DISTRICTS, Reference

Row = dict[str, str | None]

_BAD_DATES = ("2026-02-30", "31/03/2026", "2026-3-1", "not a date")
_BAD_INTEGERS = ("4.5", "seven", "3x")
_BAD_AMOUNTS = ("12.345", "£20.00", "twelve", "1,250.00")
_TOO_EARLY = ("1999-12-31", "1900-01-01", "0202-06-15")  # before contract.EARLIEST_DATE
_NEW_HOST = "<new host claim>"  # a child row's default claim_id: make it a fresh valid claim


class BadRows:
    """Rows for the loader's tests. Ids are fresh (X, H, Z prefixes) so none meets a good row.

    Every child row hangs off its own valid "host" claim, so it breaks one rule only. A
    parent_rejected row points at a parent that is itself one of the bad rows of another rule
    (a missing district_name, office_name or claimant_ref), so every rule counts exactly K.
    """

    def __init__(self, cal: Calendar, ref: Reference | None, k: int) -> None:
        self.k = k
        self.extract = cal.extract
        self.host_start = cal.extract - 200
        self.first_fy = cal.first_fy
        self.office = ref.office_codes[0] if ref else "D01-O01"
        self.coach = ref.coach_ref(0) if ref else "WC0001"
        # (code, name, region) of the extract's districts, which duplicates copy.
        self.districts = (
            list(zip(ref.district_codes, ref.district_names, ref.district_regions, strict=True))
            if ref
            else [d[:3] for d in DISTRICTS]
        )
        self.rows: dict[str, list[Row]] = {t.name: [] for t in contract.TABLES}
        self.serial = 0
        self.rejected: dict[str, list[str]] = {
            "district": [],
            "region": [],
            "office": [],
            "claim": [],
        }

    def build(self) -> dict[str, list[Row]]:
        for inject in self.injectors().values():
            for variant in range(self.k):
                inject(variant)
        return {name: rows for name, rows in self.rows.items() if rows}

    # -- row templates ---------------------------------------------------------------------

    def _fresh(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:07d}"

    def _add(self, table: str, row: Row) -> Row:
        assert list(row) == contract.TABLES_BY_NAME[table].column_names, row
        self.rows[table].append(row)
        return row

    def district(self, **values: str | None) -> Row:
        row: Row = {
            "district_code": self._fresh("DX"),
            "district_name": "Bad District",
            "region": "Nowhere",
        }
        row.update(values)
        return self._add("districts", row)

    def office_row(self, **values: str | None) -> Row:
        row: Row = {
            "office_code": self._fresh("D01-X"),
            "office_name": "Bad Office",
            "district_code": "D01",
        }
        row.update(values)
        return self._add("offices", row)

    def claim(self, prefix: str = "CX", start: int | None = None, **values: str | None) -> Row:
        row: Row = {
            "claim_id": self._fresh(prefix),
            "claimant_ref": self._fresh("PX"),
            "office_code": self.office,
            "benefit": "UC",
            "claimant_group": "health_condition",
            "age_band": "25-49",
            "start_date": iso(self.host_start if start is None else start),
            "end_date": None,
            "end_reason": None,
            "work_coach_ref": self.coach,
        }
        row.update(values)
        return self._add("claims", row)

    def host(self, start: int | None = None, **values: str | None) -> tuple[str, int]:
        """A valid open claim for one bad child row to point at."""
        row = self.claim("CH", start, **values)
        return str(row["claim_id"]), self.host_start if start is None else start

    def wfi(self, host_start: int | None = None, benefit: str = "UC", **values: str | None) -> Row:
        claim_id, start = self.host(host_start, benefit=benefit)
        return self.wfi_row(claim_id, start, **values)

    def wfi_row(self, claim_id: str | None, start: int, **values: str | None) -> Row:
        row: Row = {
            "claim_id": claim_id,
            "due_date": iso(start + 5),
            "outcome": "attended",
            "deferral_reason": None,
            "deferred_until": None,
            "held_date": iso(start + 6),
        }
        row.update(values)
        return self._add("wfi", row)

    def deferred_wfi(self, **values: str | None) -> Row:
        start = self.host_start
        fields: dict[str, str | None] = {
            "outcome": "deferred",
            "deferral_reason": "illness",
            "deferred_until": iso(start + 33),
            "held_date": None,
        }
        fields.update(values)
        return self.wfi(**fields)

    def assessment(self, claim_id: str | None = _NEW_HOST, **values: str | None) -> Row:
        if claim_id == _NEW_HOST:
            claim_id, _ = self.host()
        row: Row = {
            "assessment_id": self._fresh("AX"),
            "claim_id": claim_id,
            "assessment_date": iso(self.host_start + 10),
            "kind": "review",
            "job_search": "5",
            "work_skills": "6",
            "confidence": "4",
            "health_wellbeing": "5",
            "stability": "7",
        }
        row.update(values)
        return self._add("assessments", row)

    def job_entry(self, claim_id: str | None = _NEW_HOST, **values: str | None) -> Row:
        if claim_id == _NEW_HOST:
            claim_id, _ = self.host()
        row: Row = {
            "job_entry_id": self._fresh("JX"),
            "claim_id": claim_id,
            "start_date": iso(self.host_start + 30),
            "end_date": None,
            "hours_band": "30_plus",
        }
        row.update(values)
        return self._add("job_entries", row)

    def payment(self, claim_id: str | None = _NEW_HOST, **values: str | None) -> Row:
        if claim_id == _NEW_HOST:
            claim_id, _ = self.host()
        row: Row = {
            "payment_id": self._fresh("FX"),
            "office_code": self.office,
            "claim_id": claim_id,
            "payment_date": iso(self.host_start + 7),
            "amount_gbp": "25.00",
            "category": "travel",
        }
        row.update(values)
        return self._add("fsf_payments", row)

    def budget(self, **values: str | None) -> Row:
        # Years far beyond the data keep every bad row's (district, year) key fresh.
        n = len(self.rows["fsf_budgets"])
        year = self.first_fy + 20 + n // len(self.districts)
        row: Row = {
            "district_code": self.districts[n % len(self.districts)][0],
            "financial_year": fy_label(year),
            "allocation_gbp": "50000.00",
        }
        row.update(values)
        return self._add("fsf_budgets", row)

    # -- one injector per rule id -------------------------------------------------------------

    def injectors(self) -> dict[str, Callable[[int], object]]:
        ex, hs = self.extract, self.host_start
        r = self.rejected

        def pick(options: tuple[str, ...], v: int) -> str:
            return options[v % len(options)]

        def rejected_parent(kind: str, v: int) -> str:
            return r[kind][v]

        def remember(kind: str, key: str | None) -> None:
            r[kind].append(str(key))

        def district_dup(v: int) -> None:
            code, name, region = self.districts[v % len(self.districts)]
            self.district(district_code=code, district_name=f"{name} (again)", region=region)

        def office_dup(v: int) -> None:
            self.office_row(office_code=self.office, office_name="Duplicate office")

        def claim_dup(v: int) -> None:
            claim_id, _ = self.host()
            self.claim(claim_id=claim_id)

        def wfi_dup(v: int) -> None:
            first = self.wfi()
            self._add("wfi", dict(first))

        def assessment_dup(v: int) -> None:
            first = self.assessment()
            self.assessment(claim_id=first["claim_id"], assessment_id=first["assessment_id"])

        def second_baseline(v: int) -> None:
            first = self.assessment(kind="baseline")
            self.assessment(
                claim_id=first["claim_id"], kind="baseline", assessment_date=iso(hs + 40)
            )

        def job_dup(v: int) -> None:
            first = self.job_entry()
            self.job_entry(claim_id=first["claim_id"], job_entry_id=first["job_entry_id"])

        def payment_dup(v: int) -> None:
            first = self.payment()
            self.payment(claim_id=first["claim_id"], payment_id=first["payment_id"])

        def budget_dup(v: int) -> None:
            code = self.districts[v % len(self.districts)][0]
            self.budget(district_code=code, financial_year=fy_label(self.first_fy))

        def pick_fields(options: tuple[dict[str, str | None], ...], v: int) -> dict:
            return options[v % len(options)]

        def bad_fy(v: int) -> str:
            # Distinct years keep the keys fresh; every form still starts with four digits and
            # ends with two, the shape the rule's SQL casts.
            year = self.first_fy + 40 + v
            forms = (f"{year}/{(year + 1) % 100:02d}", f"{year}-{year + 1}")
            return pick(forms + (f"{year}-{(year + 2) % 100:02d}",), v)

        return {
            # districts
            "districts.district_code.required": lambda v: self.district(district_code=None),
            "districts.district_name.required": lambda v: remember(
                "district", self.district(district_name=None)["district_code"]
            ),
            "districts.region.required": lambda v: remember(
                "region", self.district(region=None)["district_code"]
            ),
            "districts.unique": district_dup,
            # offices
            "offices.office_code.required": lambda v: self.office_row(office_code=None),
            "offices.office_name.required": lambda v: remember(
                "office", self.office_row(office_name=None)["office_code"]
            ),
            "offices.district_code.required": lambda v: self.office_row(district_code=None),
            "offices.district_code.exists": lambda v: self.office_row(
                district_code=self._fresh("DZ")
            ),
            "offices.district_code.parent_rejected": lambda v: self.office_row(
                office_code=f"{rejected_parent('district', v)}-O01",
                district_code=rejected_parent("district", v),
            ),
            "offices.unique": office_dup,
            # claims
            "claims.claim_id.required": lambda v: self.claim(claim_id=None),
            "claims.claimant_ref.required": lambda v: remember(
                "claim", self.claim(claimant_ref=None)["claim_id"]
            ),
            "claims.office_code.required": lambda v: self.claim(office_code=None),
            "claims.benefit.required": lambda v: self.claim(benefit=None),
            "claims.benefit.allowed": lambda v: self.claim(
                benefit=pick(("PIP", "uc", "Universal Credit"), v)
            ),
            "claims.claimant_group.required": lambda v: self.claim(claimant_group=None),
            "claims.claimant_group.allowed": lambda v: self.claim(
                claimant_group=pick(("student", "Jobseeker", "retired"), v)
            ),
            "claims.age_band.required": lambda v: self.claim(age_band=None),
            "claims.age_band.allowed": lambda v: self.claim(
                age_band=pick(("65+", "16 - 24", "under 16"), v)
            ),
            "claims.start_date.type": lambda v: self.claim(start_date=pick(_BAD_DATES, v)),
            "claims.start_date.range": lambda v: self.claim(start_date=pick(_TOO_EARLY, v)),
            "claims.start_date.required": lambda v: self.claim(start_date=None),
            "claims.end_date.type": lambda v: self.claim(
                end_date=pick(_BAD_DATES, v), end_reason="other"
            ),
            "claims.end_date.range": lambda v: self.claim(
                end_date=pick(_TOO_EARLY, v), end_reason="other"
            ),
            "claims.end_reason.allowed": lambda v: self.claim(
                end_date=iso(hs + 60), end_reason=pick(("moved_away", "Job Entry"), v)
            ),
            "claims.office_code.exists": lambda v: self.claim(office_code=self._fresh("DZ01-O")),
            "claims.office_code.parent_rejected": lambda v: self.claim(
                office_code=rejected_parent("office", v)
            ),
            "claims.start_after_extract": lambda v: self.claim(start=ex + 1 + v % 30),
            "claims.end_before_start": lambda v: self.claim(
                end_date=iso(hs - 10), end_reason="other"
            ),
            "claims.end_after_extract": lambda v: self.claim(
                end_date=iso(ex + 15), end_reason="job_entry"
            ),
            "claims.end_reason_without_end": lambda v: self.claim(
                **(
                    {"end_reason": "other"}
                    if v % 2 == 0
                    else {"end_date": iso(hs + 60), "end_reason": None}
                )
            ),
            "claims.unique": claim_dup,
            # wfi
            "wfi.claim_id.required": lambda v: self.wfi_row(None, hs),
            "wfi.due_date.type": lambda v: self.wfi(due_date=pick(_BAD_DATES, v)),
            "wfi.due_date.range": lambda v: self.wfi(due_date=pick(_TOO_EARLY, v)),
            "wfi.due_date.required": lambda v: self.wfi(due_date=None),
            "wfi.outcome.required": lambda v: self.wfi(outcome=None, held_date=None),
            "wfi.outcome.allowed": lambda v: self.wfi(
                outcome=pick(("cancelled", "Attended", "dna"), v), held_date=None
            ),
            "wfi.deferral_reason.allowed": lambda v: self.deferred_wfi(
                deferral_reason=pick(("holiday", "Illness"), v)
            ),
            "wfi.deferred_until.type": lambda v: self.deferred_wfi(
                deferred_until=pick(_BAD_DATES, v)
            ),
            "wfi.deferred_until.range": lambda v: self.deferred_wfi(
                deferred_until=pick((*_TOO_EARLY, iso(ex + 367), iso(ex + 4000)), v)
            ),
            "wfi.held_date.type": lambda v: self.wfi(held_date=pick(_BAD_DATES, v)),
            "wfi.held_date.range": lambda v: self.wfi(held_date=pick(_TOO_EARLY, v)),
            "wfi.claim_id.exists": lambda v: self.wfi_row(self._fresh("CZ"), hs),
            "wfi.claim_id.parent_rejected": lambda v: self.wfi_row(rejected_parent("claim", v), hs),
            "wfi.jsa_not_deferrable": lambda v: (
                self.wfi(
                    benefit="JSA",
                    outcome="deferred",
                    deferral_reason="bereavement",
                    deferred_until=iso(hs + 33),
                    held_date=None,
                )
                if v % 2 == 0
                else self.wfi(benefit="JSA", outcome="waived", held_date=None)
            ),
            "wfi.due_before_claim": lambda v: self.wfi(due_date=iso(hs - 4), held_date=iso(hs - 3)),
            "wfi.due_after_extract": lambda v: self.wfi(
                host_start=ex - 3, due_date=iso(ex + 4), outcome="pending", held_date=None
            ),
            "wfi.deferral_reason": lambda v: (
                self.deferred_wfi(deferral_reason=None)
                if v % 2 == 0
                else self.wfi(deferral_reason="illness")
            ),
            "wfi.deferred_until": lambda v: (
                self.deferred_wfi(deferred_until=None)
                if v % 2 == 0
                else self.wfi(deferred_until=iso(hs + 33))
            ),
            "wfi.deferred_until_order": lambda v: self.deferred_wfi(
                deferred_until=iso(hs + 5 - 3 * (v % 2))
            ),
            "wfi.held_date_outcome": lambda v: self.wfi(
                **pick_fields(
                    (
                        {"held_date": None},
                        {"outcome": "failed_to_attend"},
                        {"outcome": "waived"},
                        {"outcome": "pending"},
                    ),
                    v,
                )
            ),
            "wfi.held_before_due": lambda v: self.wfi(held_date=iso(hs + 3)),
            "wfi.held_after_extract": lambda v: self.wfi(
                host_start=ex - 10, due_date=iso(ex - 5), held_date=iso(ex + 3)
            ),
            "wfi.unique": wfi_dup,
            # assessments
            "assessments.assessment_id.required": lambda v: self.assessment(assessment_id=None),
            "assessments.claim_id.required": lambda v: self.assessment(claim_id=None),
            "assessments.assessment_date.type": lambda v: self.assessment(
                assessment_date=pick(_BAD_DATES, v)
            ),
            "assessments.assessment_date.range": lambda v: self.assessment(
                assessment_date=pick(_TOO_EARLY, v)
            ),
            "assessments.assessment_date.required": lambda v: self.assessment(assessment_date=None),
            "assessments.kind.required": lambda v: self.assessment(kind=None),
            "assessments.kind.allowed": lambda v: self.assessment(
                kind=pick(("midpoint", "Baseline"), v)
            ),
            **{
                f"assessments.{score}.type": (
                    lambda v, score=score: self.assessment(**{score: pick(_BAD_INTEGERS, v)})
                )
                for score in contract.SCORE_COLUMNS
            },
            "assessments.claim_id.exists": lambda v: self.assessment(claim_id=self._fresh("CZ")),
            "assessments.claim_id.parent_rejected": lambda v: self.assessment(
                claim_id=rejected_parent("claim", v)
            ),
            "assessments.before_claim": lambda v: self.assessment(assessment_date=iso(hs - 5)),
            "assessments.after_extract": lambda v: self.assessment(assessment_date=iso(ex + 3)),
            "assessments.score_range": lambda v: self.assessment(
                **{pick(contract.SCORE_COLUMNS, v): pick(("0", "11", "-1"), v)}
            ),
            "assessments.no_scores": lambda v: self.assessment(
                **{score: None for score in contract.SCORE_COLUMNS}
            ),
            "assessments.unique": assessment_dup,
            "assessments.second_baseline": second_baseline,
            # job_entries
            "job_entries.job_entry_id.required": lambda v: self.job_entry(job_entry_id=None),
            "job_entries.claim_id.required": lambda v: self.job_entry(claim_id=None),
            "job_entries.start_date.type": lambda v: self.job_entry(start_date=pick(_BAD_DATES, v)),
            "job_entries.start_date.range": lambda v: self.job_entry(
                start_date=pick(_TOO_EARLY, v)
            ),
            "job_entries.start_date.required": lambda v: self.job_entry(start_date=None),
            "job_entries.end_date.type": lambda v: self.job_entry(end_date=pick(_BAD_DATES, v)),
            "job_entries.end_date.range": lambda v: self.job_entry(end_date=pick(_TOO_EARLY, v)),
            "job_entries.hours_band.required": lambda v: self.job_entry(hours_band=None),
            "job_entries.hours_band.allowed": lambda v: self.job_entry(
                hours_band=pick(("full_time", "30+"), v)
            ),
            "job_entries.claim_id.exists": lambda v: self.job_entry(claim_id=self._fresh("CZ")),
            "job_entries.claim_id.parent_rejected": lambda v: self.job_entry(
                claim_id=rejected_parent("claim", v)
            ),
            "job_entries.before_claim": lambda v: self.job_entry(start_date=iso(hs - 5)),
            "job_entries.start_after_extract": lambda v: self.job_entry(start_date=iso(ex + 5)),
            "job_entries.end_before_start": lambda v: self.job_entry(end_date=iso(hs + 25)),
            "job_entries.end_after_extract": lambda v: self.job_entry(end_date=iso(ex + 10)),
            "job_entries.unique": job_dup,
            # fsf_payments
            "fsf_payments.payment_id.required": lambda v: self.payment(payment_id=None),
            "fsf_payments.office_code.required": lambda v: self.payment(office_code=None),
            "fsf_payments.payment_date.type": lambda v: self.payment(
                payment_date=pick(_BAD_DATES, v)
            ),
            "fsf_payments.payment_date.range": lambda v: self.payment(
                payment_date=pick(_TOO_EARLY, v)
            ),
            "fsf_payments.payment_date.required": lambda v: self.payment(payment_date=None),
            "fsf_payments.amount_gbp.type": lambda v: self.payment(
                amount_gbp=pick(_BAD_AMOUNTS, v)
            ),
            "fsf_payments.amount_gbp.required": lambda v: self.payment(amount_gbp=None),
            "fsf_payments.category.required": lambda v: self.payment(category=None),
            "fsf_payments.category.allowed": lambda v: self.payment(
                category=pick(("food", "Travel"), v)
            ),
            "fsf_payments.office_code.exists": lambda v: self.payment(
                office_code=self._fresh("DZ01-O")
            ),
            "fsf_payments.office_code.parent_rejected": lambda v: self.payment(
                office_code=rejected_parent("office", v)
            ),
            "fsf_payments.claim_id.exists": lambda v: self.payment(claim_id=self._fresh("CZ")),
            "fsf_payments.claim_id.parent_rejected": lambda v: self.payment(
                claim_id=rejected_parent("claim", v)
            ),
            "fsf_payments.after_extract": lambda v: self.payment(payment_date=iso(ex + 3)),
            "fsf_payments.amount_range": lambda v: self.payment(
                amount_gbp=pick(("0.00", "-12.50", "10000.01", "25000.00"), v)
            ),
            "fsf_payments.claim_for_category": lambda v: (
                self.payment(category="partnership_grant", amount_gbp="2500.00")
                if v % 2 == 0
                else self.payment(claim_id=None)
            ),
            "fsf_payments.unique": payment_dup,
            # fsf_budgets
            "fsf_budgets.district_code.required": lambda v: self.budget(district_code=None),
            "fsf_budgets.financial_year.required": lambda v: self.budget(financial_year=None),
            "fsf_budgets.allocation_gbp.type": lambda v: self.budget(
                allocation_gbp=pick(("1000.555", "£50,000", "lots"), v)
            ),
            "fsf_budgets.allocation_gbp.required": lambda v: self.budget(allocation_gbp=None),
            "fsf_budgets.district_code.exists": lambda v: self.budget(
                district_code=self._fresh("DZ")
            ),
            "fsf_budgets.district_code.parent_rejected": lambda v: self.budget(
                district_code=rejected_parent("region", v)
            ),
            "fsf_budgets.financial_year_format": lambda v: self.budget(financial_year=bad_fy(v)),
            "fsf_budgets.allocation_positive": lambda v: self.budget(
                allocation_gbp=pick(("0.00", "-100.00"), v)
            ),
            "fsf_budgets.unique": budget_dup,
        }
