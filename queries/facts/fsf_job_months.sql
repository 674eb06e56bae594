-- fsf_job_months: job entries counted per office, benefit, group, start month and whether the
-- claim had an FSF payment on or before the job's start (fsf_supported), with how many lasted
-- 13 weeks (still in work, or in work for at least 91 days), as job_entry_months counts them.
-- Whether a job is old enough to judge depends on the request's extract date, so fsf_outcomes
-- reads this for the months whose jobs are all judged alike and fsf_job_entries for the month
-- the 13-week window's boundary falls in.
-- Returns: district_code, office_code, benefit, claimant_group, start_month (first day of the
--   month), fsf_supported, job_entries, lasted_13w, and the sums of the record keys of the
--   jobs each counts: job_entries_key, lasted_13w_key.
-- Parameters: none.
-- reads: fsf_job_entries
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    date_trunc('month', start_date)::date as start_month,
    fsf_supported,
    count(*) as job_entries,
    count(*) filter (
        where end_date is null or date_diff('day', start_date, end_date) >= 91
    ) as lasted_13w,
    sum(record_key)::bigint as job_entries_key,
    coalesce(sum(record_key) filter (
        where end_date is null or date_diff('day', start_date, end_date) >= 91
    ), 0)::bigint as lasted_13w_key
from fsf_job_entries
group by all
order by start_month, office_code, benefit, claimant_group, fsf_supported
