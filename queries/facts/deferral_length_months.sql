-- deferral_length_months: deferred initial WFIs counted per office, benefit, group, due month,
-- deferral reason and deferral length in days (deferred_until - due_date), so that
-- deferral_lengths adds up a few thousand rows rather than reading every deferral. Exact: a
-- request selects whole due months, and keeping each length with its count keeps the median
-- and the mean exact (see deferral_lengths.sql).
-- Returns: district_code, office_code, benefit, claimant_group, due_month (first day of the
--   month), deferral_reason, deferral_days, deferred, deferred_key (the sum of those
--   interviews' record keys).
-- Parameters: none.
-- reads: deferral_facts
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    date_trunc('month', due_date)::date as due_month,
    deferral_reason,
    date_diff('day', due_date, deferred_until) as deferral_days,
    count(*) as deferred,
    sum(record_key)::bigint as deferred_key
from deferral_facts
group by all
order by due_month, office_code, benefit, claimant_group, deferral_reason, deferral_days
