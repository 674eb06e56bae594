-- claim_survival_spells: claims counted for Kaplan-Meier curves of time to a job while on
-- benefit (claim_survival.sql), per office, benefit, claimant group and start month. An ended
-- claim's week is the data's: completed weeks on benefit, floor((end_date - start_date) / 7);
-- it is an event when the claim ended into work (end_reason job_entry) and censored otherwise.
-- An open claim is censored at the extract date, which comes with the request, so open claims
-- are kept per start date (week NULL) for the request to place. Weeks past 104 are counted as
-- 105: at risk in every week a curve shows, and ending in none of them.
-- Returns: district_code, office_code, benefit, claimant_group, start_month (first day of the
--   month), start_date (open claims; NULL for ended ones), week (ended claims, 0..105; NULL for
--   open ones), event (ended into work), spells (claims), and spells_key: the sum of the record
--   keys of the claims counted.
-- Parameters: none.
-- reads: claims, offices
-- export: partitioned by district_code
select
    o.district_code,
    c.office_code,
    c.benefit,
    c.claimant_group,
    date_trunc('month', c.start_date)::date as start_month,
    case when c.end_date is null then c.start_date end as start_date,
    case
        when c.end_date is not null
            then least(date_diff('day', c.start_date, c.end_date) // 7, 105)::integer
    end as week,
    coalesce(c.end_reason = 'job_entry', false) as event,
    count(*)::integer as spells,
    sum(c.record_key)::bigint as spells_key
from claims as c
join offices as o on o.office_code = c.office_code
group by all
order by start_month, c.office_code, c.benefit, c.claimant_group, week, start_date
