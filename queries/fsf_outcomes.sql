-- fsf_outcomes: job entries and how many were sustained for 13 weeks, split by whether the
-- job's claim had a Flexible Support Fund payment before the job started. Descriptive, not a
-- measure of effect: who is awarded FSF is not chosen at random.
-- Counts job entries whose start_date is in the period and that are mature for 13 weeks
-- (start_date + 91 days <= extract_date), each in its claim's office (and district) and the
-- month of its start_date. A job is supported when its claim had an FSF payment (by any
-- office) dated on or before the job's start date, unsupported otherwise. Sustained as
-- job_entries counts sustained_13w: mature and still in work (end_date NULL) or in work for at
-- least 91 days. Each rate is sustained over mature, within supported or unsupported jobs.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), mature_supported, sustained_supported, rate_supported,
--   mature_unsupported, sustained_unsupported, rate_unsupported.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the jobs it counts; 0 when it is 0; not reduced modulo 4096):
--   mature_supported_key, sustained_supported_key, mature_unsupported_key,
--   sustained_unsupported_key.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
with boundary as (
    -- The start month the 13-week window's boundary falls in: jobs started before it are all
    -- old enough to judge, jobs started after it none are, and within it it depends on the day.
    select date_trunc('month', $extract_date::date - 91)::date as month_13w
),

whole_months as (
    -- Every month before the boundary month, from the counts made at load (fsf_job_months).
    select
        case when $by in ('district', 'office') then m.district_code end as district_code,
        case when $by = 'office' then m.office_code end as office_code,
        case when $by = 'month' then strftime(m.start_month, '%Y-%m') end as month,
        m.fsf_supported,
        m.job_entries as mature,
        m.lasted_13w as sustained,
        m.job_entries_key as mature_key,
        m.lasted_13w_key as sustained_key
    from fsf_job_months as m
    cross join boundary as b
    where m.start_month between $period_start and $period_end
      and m.start_month < b.month_13w
      and ($districts is null or list_contains($districts, m.district_code))
      and ($offices is null or list_contains($offices, m.office_code))
      and ($benefits is null or list_contains($benefits, m.benefit))
      and ($groups is null or list_contains($groups, m.claimant_group))
),

boundary_jobs as (
    -- The boundary month, one job at a time: only its mature jobs.
    select
        case when $by in ('district', 'office') then j.district_code end as district_code,
        case when $by = 'office' then j.office_code end as office_code,
        case when $by = 'month' then strftime(j.start_date, '%Y-%m') end as month,
        j.fsf_supported,
        1 as mature,
        (j.end_date is null or date_diff('day', j.start_date, j.end_date) >= 91)::integer
            as sustained,
        j.record_key as mature_key,
        case
            when j.end_date is null or date_diff('day', j.start_date, j.end_date) >= 91
                then j.record_key
            else 0
        end as sustained_key
    from fsf_job_entries as j
    cross join boundary as b
    where j.start_date between $period_start and $period_end
      -- The boundary month's mature days, with constant ends, so the scan skips by date.
      and j.start_date between date_trunc('month', $extract_date::date - 91)::date
          and $extract_date::date - 91
      and ($districts is null or list_contains($districts, j.district_code))
      and ($offices is null or list_contains($offices, j.office_code))
      and ($benefits is null or list_contains($benefits, j.benefit))
      and ($groups is null or list_contains($groups, j.claimant_group))
),

jobs as (
    select * from whole_months
    union all
    select * from boundary_jobs
)

select
    district_code,
    office_code,
    month,
    coalesce(sum(mature) filter (where fsf_supported), 0)::bigint as mature_supported,
    coalesce(sum(sustained) filter (where fsf_supported), 0)::bigint as sustained_supported,
    (sum(sustained) filter (where fsf_supported))::double
        / nullif(sum(mature) filter (where fsf_supported), 0) as rate_supported,
    coalesce(sum(mature) filter (where not fsf_supported), 0)::bigint as mature_unsupported,
    coalesce(sum(sustained) filter (where not fsf_supported), 0)::bigint
        as sustained_unsupported,
    (sum(sustained) filter (where not fsf_supported))::double
        / nullif(sum(mature) filter (where not fsf_supported), 0) as rate_unsupported,
    coalesce(sum(mature_key) filter (where fsf_supported), 0)::bigint as mature_supported_key,
    coalesce(sum(sustained_key) filter (where fsf_supported), 0)::bigint
        as sustained_supported_key,
    coalesce(sum(mature_key) filter (where not fsf_supported), 0)::bigint
        as mature_unsupported_key,
    coalesce(sum(sustained_key) filter (where not fsf_supported), 0)::bigint
        as sustained_unsupported_key
from jobs
group by all
