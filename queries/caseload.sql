-- caseload: live claims, flows on and off, and claims per work coach.
-- live_claims counts claims live at the end of the period's last day (with by = month, at the
-- end of each month's last day), or at the extract date if that is earlier: start_date <= day
-- and (end_date NULL or end_date > day), so a claim ending on that day is not live. new_claims have start_date in the period (month of
-- start_date), off_flows end_date in the period (month of end_date), off_flows_to_work those
-- with end_reason = job_entry. claims_per_coach = live_claims / distinct work_coach_ref among
-- live claims with a coach (empty when none).
-- Returns one row per group with activity: district_code, office_code, month, live_claims,
--   new_claims, off_flows, off_flows_to_work, claims_per_coach.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
with scoped as (
    select
        case when $by in ('district', 'office') then o.district_code end as district_code,
        case when $by = 'office' then o.office_code end as office_code,
        c.start_date,
        c.end_date,
        c.end_reason,
        c.work_coach_ref
    from claims as c
    join offices as o on o.office_code = c.office_code
    where ($districts is null or list_contains($districts, o.district_code))
      and ($offices is null or list_contains($offices, o.office_code))
      and ($benefits is null or list_contains($benefits, c.benefit))
      and ($groups is null or list_contains($groups, c.claimant_group))
),

count_days as (
    -- Nothing is known after the extract date, so a later day is counted at the extract date.
    select strftime(m, '%Y-%m') as month, least(last_day(m)::date, $extract_date::date) as day
    from generate_series($period_start::date, $period_end::date, interval 1 month) as t(m)
    where $by = 'month'
    union all
    select null, least($period_end::date, $extract_date::date)
    where $by <> 'month'
),

live as (
    select
        c.district_code,
        c.office_code,
        d.month,
        count(*) as live_claims,
        count(distinct c.work_coach_ref) as coaches
    from scoped as c
    join count_days as d
        on c.start_date <= d.day
        and (c.end_date is null or c.end_date > d.day)
    group by all
),

starts as (
    select
        district_code,
        office_code,
        case when $by = 'month' then strftime(start_date, '%Y-%m') end as month,
        count(*) as new_claims
    from scoped
    where start_date between $period_start and $period_end
    group by all
),

ends as (
    select
        district_code,
        office_code,
        case when $by = 'month' then strftime(end_date, '%Y-%m') end as month,
        count(*) as off_flows,
        count(*) filter (where end_reason = 'job_entry') as off_flows_to_work
    from scoped
    where end_date between $period_start and $period_end
    group by all
),

combined as (
    select * from live
    union all by name
    select * from starts
    union all by name
    select * from ends
)

select
    district_code,
    office_code,
    month,
    coalesce(sum(live_claims), 0)::bigint as live_claims,
    coalesce(sum(new_claims), 0)::bigint as new_claims,
    coalesce(sum(off_flows), 0)::bigint as off_flows,
    coalesce(sum(off_flows_to_work), 0)::bigint as off_flows_to_work,
    sum(live_claims) / nullif(sum(coaches), 0) as claims_per_coach
from combined
group by all
