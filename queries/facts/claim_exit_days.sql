-- claim_exit_days: claims counted per office, benefit, group and start date, with how many had
-- ended (and ended into work) within 13, 26, 39 and 52 weeks of their start (end_date no later
-- than start_date + 91, 182, 273, 364 days): what the data decides. Whether a claim can be judged
-- yet depends on the request's extract date, to the day; benefit_exits.sql reads these rows for
-- the one start month in which each window's boundary falls (claim_exit_months for the rest),
-- and they are kept in start_date order so that such a request skips the blocks of other months
-- instead of reading every claim.
-- Returns: district_code, office_code, benefit, claimant_group, start_date, started,
--   exited_13w, exited_26w, exited_39w, exited_52w, and of those, ended into work (end reason
--   job_entry): exited_to_work_13w, exited_to_work_26w, exited_to_work_39w,
--   exited_to_work_52w; then the sums of the record keys of the claims each counts:
--   started_key, exited_13w_key, exited_26w_key, exited_39w_key, exited_52w_key,
--   exited_to_work_13w_key, exited_to_work_26w_key, exited_to_work_39w_key,
--   exited_to_work_52w_key.
-- Parameters: none.
-- reads: claims, offices
-- export: partitioned by district_code
with claims_ended as (
    select
        o.district_code,
        c.office_code,
        c.benefit,
        c.claimant_group,
        c.start_date,
        -- NULL while the claim is open: it has not exited in any window.
        date_diff('day', c.start_date, c.end_date) as exit_days,
        c.end_reason = 'job_entry' as to_work,
        c.record_key
    from claims as c
    join offices as o on o.office_code = c.office_code
)

select
    district_code,
    office_code,
    benefit,
    claimant_group,
    start_date,
    count(*) as started,
    count(*) filter (where exit_days <= 91) as exited_13w,
    count(*) filter (where exit_days <= 182) as exited_26w,
    count(*) filter (where exit_days <= 273) as exited_39w,
    count(*) filter (where exit_days <= 364) as exited_52w,
    count(*) filter (where exit_days <= 91 and to_work) as exited_to_work_13w,
    count(*) filter (where exit_days <= 182 and to_work) as exited_to_work_26w,
    count(*) filter (where exit_days <= 273 and to_work) as exited_to_work_39w,
    count(*) filter (where exit_days <= 364 and to_work) as exited_to_work_52w,
    sum(record_key)::bigint as started_key,
    coalesce(sum(record_key) filter (where exit_days <= 91), 0)::bigint as exited_13w_key,
    coalesce(sum(record_key) filter (where exit_days <= 182), 0)::bigint as exited_26w_key,
    coalesce(sum(record_key) filter (where exit_days <= 273), 0)::bigint as exited_39w_key,
    coalesce(sum(record_key) filter (where exit_days <= 364), 0)::bigint as exited_52w_key,
    coalesce(sum(record_key) filter (where exit_days <= 91 and to_work), 0)::bigint
        as exited_to_work_13w_key,
    coalesce(sum(record_key) filter (where exit_days <= 182 and to_work), 0)::bigint
        as exited_to_work_26w_key,
    coalesce(sum(record_key) filter (where exit_days <= 273 and to_work), 0)::bigint
        as exited_to_work_39w_key,
    coalesce(sum(record_key) filter (where exit_days <= 364 and to_work), 0)::bigint
        as exited_to_work_52w_key
from claims_ended
group by all
order by start_date, office_code, benefit, claimant_group
