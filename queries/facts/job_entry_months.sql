-- job_entry_months: job entries counted per office, benefit, group, age band and start month (the
-- three claim fields are the case-mix cells Runner.compare adjusts by), with how many lasted 13
-- and 26 weeks (still in work, or in work for at least 91 / 182 days). Whether a job has been
-- judged yet depends on the request's extract date, so this holds only what the data decides;
-- job_entries.sql reads it for the months whose jobs are all judged alike and reads
-- job_entry_facts for the one or two months each window's boundary falls in.
-- Returns: district_code, office_code, benefit, claimant_group, age_band, start_month (first day
--   of the month), job_entries, lasted_13w, lasted_26w, and the sums of the record keys of the
--   jobs each counts: job_entries_key, lasted_13w_key, lasted_26w_key.
-- Parameters: none.
-- reads: job_entry_facts
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    age_band,
    date_trunc('month', start_date)::date as start_month,
    count(*) as job_entries,
    count(*) filter (
        where end_date is null or date_diff('day', start_date, end_date) >= 91
    ) as lasted_13w,
    count(*) filter (
        where end_date is null or date_diff('day', start_date, end_date) >= 182
    ) as lasted_26w,
    sum(record_key)::bigint as job_entries_key,
    coalesce(sum(record_key) filter (
        where end_date is null or date_diff('day', start_date, end_date) >= 91
    ), 0)::bigint as lasted_13w_key,
    coalesce(sum(record_key) filter (
        where end_date is null or date_diff('day', start_date, end_date) >= 182
    ), 0)::bigint as lasted_26w_key
from job_entry_facts
group by all
order by start_month, office_code, benefit, claimant_group, age_band
