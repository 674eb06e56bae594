-- deferral_months: deferred initial WFIs counted per office, benefit, group, age band (the
-- case-mix cells) and the month of deferred_until, by what happened after the deferral: held
-- within 14 days of deferred_until (or before it), held later, or not held as at the extract.
-- These outcomes are decided by the data alone; whether a deferral's 14-day window has passed
-- depends on the request's extract date, so deferral_followup.sql reads this for the months whose
-- deferrals are all judged alike and reads deferral_facts for the month the boundary falls in.
-- Returns: district_code, office_code, benefit, claimant_group, age_band, until_month (first day
--   of the month of deferred_until), deferrals, held_within_14d, held_later, not_held, and the
--   sums of the record keys of the interviews each counts: deferrals_key, held_within_14d_key,
--   held_later_key, not_held_key.
-- Parameters: none.
-- reads: deferral_facts
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    age_band,
    date_trunc('month', deferred_until)::date as until_month,
    count(*) as deferrals,
    count(*) filter (where held_date <= deferred_until + 14) as held_within_14d,
    count(*) filter (where held_date > deferred_until + 14) as held_later,
    count(*) filter (where held_date is null) as not_held,
    sum(record_key)::bigint as deferrals_key,
    coalesce(sum(record_key) filter (where held_date <= deferred_until + 14), 0)::bigint
        as held_within_14d_key,
    coalesce(sum(record_key) filter (where held_date > deferred_until + 14), 0)::bigint
        as held_later_key,
    coalesce(sum(record_key) filter (where held_date is null), 0)::bigint as not_held_key
from deferral_facts
group by all
order by until_month, office_code, benefit, claimant_group, age_band
