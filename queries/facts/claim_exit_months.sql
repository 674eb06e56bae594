-- claim_exit_months: claims counted per office, benefit, group and start month, with how many
-- had ended (and ended into work) within 13, 26, 39 and 52 weeks of their start (end_date no
-- later than start_date + 91, 182, 273, 364 days). Whether a claim can be judged yet depends on
-- the request's extract date, so this holds only what the data decides; benefit_exits.sql reads
-- it for the months whose claims are all judged alike, and claim_exit_days (which this adds up
-- by month) for the month each window's boundary falls in.
-- Returns: district_code, office_code, benefit, claimant_group, start_month (first day of the
--   month), started, exited_13w, exited_26w, exited_39w, exited_52w, and of those, ended into
--   work (end reason job_entry): exited_to_work_13w, exited_to_work_26w, exited_to_work_39w,
--   exited_to_work_52w; then the sums of the record keys of the claims each counts:
--   started_key, exited_13w_key, exited_26w_key, exited_39w_key, exited_52w_key,
--   exited_to_work_13w_key, exited_to_work_26w_key, exited_to_work_39w_key,
--   exited_to_work_52w_key.
-- Parameters: none.
-- reads: claim_exit_days
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    date_trunc('month', start_date)::date as start_month,
    sum(started)::bigint as started,
    sum(exited_13w)::bigint as exited_13w,
    sum(exited_26w)::bigint as exited_26w,
    sum(exited_39w)::bigint as exited_39w,
    sum(exited_52w)::bigint as exited_52w,
    sum(exited_to_work_13w)::bigint as exited_to_work_13w,
    sum(exited_to_work_26w)::bigint as exited_to_work_26w,
    sum(exited_to_work_39w)::bigint as exited_to_work_39w,
    sum(exited_to_work_52w)::bigint as exited_to_work_52w,
    sum(started_key)::bigint as started_key,
    sum(exited_13w_key)::bigint as exited_13w_key,
    sum(exited_26w_key)::bigint as exited_26w_key,
    sum(exited_39w_key)::bigint as exited_39w_key,
    sum(exited_52w_key)::bigint as exited_52w_key,
    sum(exited_to_work_13w_key)::bigint as exited_to_work_13w_key,
    sum(exited_to_work_26w_key)::bigint as exited_to_work_26w_key,
    sum(exited_to_work_39w_key)::bigint as exited_to_work_39w_key,
    sum(exited_to_work_52w_key)::bigint as exited_to_work_52w_key
from claim_exit_days
group by all
order by start_month, office_code, benefit, claimant_group
