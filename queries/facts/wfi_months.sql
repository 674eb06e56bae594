-- wfi_months: initial WFIs counted per office, benefit, group, age band (the case-mix cells), due
-- month, outcome and deferral length in days (deferred_until - due_date, NULL unless deferred),
-- so that deferrals adds up a few hundred thousand rows rather than reading every interview.
-- Exact: a request selects whole due months, and keeping each deferral length with its count
-- keeps the median exact (see deferrals.sql).
-- Returns: district_code, office_code, benefit, claimant_group, age_band, due_month (first day of
--   the month), outcome, deferral_days, interviews, interviews_key (the sum of those interviews'
--   record keys: key sums add up exactly as counts do, so each measure's key sums come from the
--   same rows as its counts).
-- Parameters: none.
-- reads: wfi_facts
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    age_band,
    date_trunc('month', due_date)::date as due_month,
    outcome,
    date_diff('day', due_date, deferred_until) as deferral_days,
    count(*) as interviews,
    sum(record_key)::bigint as interviews_key
from wfi_facts
group by all
order by due_month, office_code, benefit, claimant_group, age_band, outcome, deferral_days
