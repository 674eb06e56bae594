-- claim_restart_months: ended claims counted per office, benefit, group, age band (the case-mix
-- cells) and end month, with how many restarted (the claimant's next claim started 0..91 or
-- 0..182 days after the end). Whether a claim can be judged yet depends on the request's extract
-- date, so this holds only what the data decides; claim_restarts.sql reads it for the months
-- whose claims are all judged alike and reads claim_restart_facts for the one or two months each
-- window's boundary falls in.
-- Returns: district_code, office_code, benefit, claimant_group, age_band, end_month (first day of
--   the month), ended, restarted_91d, restarted_182d, ended_to_work (end reason job_entry),
--   restarted_182d_to_work, and the sums of the record keys of the claims each counts: ended_key,
--   restarted_91d_key, restarted_182d_key, ended_to_work_key, restarted_182d_to_work_key.
-- Parameters: none.
-- reads: claim_restart_facts
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    age_band,
    date_trunc('month', end_date)::date as end_month,
    count(*) as ended,
    count(*) filter (where restart_days <= 91) as restarted_91d,
    count(*) filter (where restart_days <= 182) as restarted_182d,
    count(*) filter (where to_work) as ended_to_work,
    count(*) filter (where to_work and restart_days <= 182) as restarted_182d_to_work,
    sum(record_key)::bigint as ended_key,
    coalesce(sum(record_key) filter (where restart_days <= 91), 0)::bigint as restarted_91d_key,
    coalesce(sum(record_key) filter (where restart_days <= 182), 0)::bigint
        as restarted_182d_key,
    coalesce(sum(record_key) filter (where to_work), 0)::bigint as ended_to_work_key,
    coalesce(sum(record_key) filter (where to_work and restart_days <= 182), 0)::bigint
        as restarted_182d_to_work_key
from claim_restart_facts
group by all
order by end_month, office_code, benefit, claimant_group, age_band
