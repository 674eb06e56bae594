-- job_survival_spells: job entries counted for Kaplan-Meier curves (job_survival.sql), per
-- office, benefit, claimant group and start month. An ended job's week is the data's: completed
-- weeks in work, floor((end_date - start_date) / 7), and it is an event. A job still in work is
-- censored at the extract date, which comes with the request, so those are kept per start date
-- (week NULL) for the request to place. Weeks past 104 are counted as 105: at risk in every
-- week a curve shows, and ending in none of them.
-- Returns: district_code, office_code, benefit, claimant_group, start_month (first day of the
--   month), start_date (jobs still in work; NULL for ended ones), week (ended jobs, 0..105;
--   NULL for those still in work), event (ended), spells (jobs), and spells_key: the sum of the
--   record keys of the jobs counted.
-- Parameters: none.
-- reads: job_entry_facts
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    date_trunc('month', start_date)::date as start_month,
    case when end_date is null then start_date end as start_date,
    case
        when end_date is not null
            then least(date_diff('day', start_date, end_date) // 7, 105)::integer
    end as week,
    end_date is not null as event,
    count(*)::integer as spells,
    sum(record_key)::bigint as spells_key
from job_entry_facts
group by all
order by start_month, office_code, benefit, claimant_group, week, start_date
