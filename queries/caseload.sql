-- caseload: live claims, flows on and off, and claims per work coach.
-- live_claims counts claims live at the end of the period's last day (with by = month, at the
-- end of each month's last day): start_date <= day and (end_date NULL or end_date > day), so a
-- claim ending on that day is not live. new_claims have start_date in the period (month of
-- start_date), off_flows end_date in the period (month of end_date), off_flows_to_work those
-- with end_reason = job_entry. claims_per_coach = live_claims / distinct work_coach_ref among
-- live claims with a coach (empty when none).
-- Returns one row per group with activity: district_code, office_code, month, live_claims,
--   new_claims, off_flows, off_flows_to_work, claims_per_coach.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
-- Every day counted is a month's last day, so a claim is live then exactly when it started in
-- or before that month and did not end in or before it: the caseload at a month end is a
-- running total of starts minus ends by month (claim_flows, built at load), and no claim has
-- to be compared with every month.
with monthly as (
    select
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        work_coach_ref,
        flow_month,
        sum(starts) as starts,
        sum(ends) as ends,
        sum(ends_to_work) as ends_to_work
    from claim_flows
    where flow_month <= $period_end
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
    group by all
),

-- The months reported: each month of the period (by = month) or the period as a whole.
reported as (
    select strftime(m, '%Y-%m') as month, m::date as first_month, m::date as last_month
    from (
        -- unnest in the select list, which every engine reads the same way (Spark: explode).
        select unnest(generate_series($period_start::date, $period_end::date, interval 1 month))
            as m
    ) as t
    where $by = 'month'
    union all
    select null, $period_start::date, date_trunc('month', $period_end::date)::date
    where $by <> 'month'
),

per_coach as (
    select
        m.district_code,
        m.office_code,
        r.month,
        m.work_coach_ref,
        sum(m.starts - m.ends) as live,
        sum(m.starts) filter (where m.flow_month >= r.first_month) as new_claims,
        sum(m.ends) filter (where m.flow_month >= r.first_month) as off_flows,
        sum(m.ends_to_work) filter (where m.flow_month >= r.first_month) as off_flows_to_work
    from monthly as m
    join reported as r on m.flow_month <= r.last_month
    group by all
)

select
    district_code,
    office_code,
    month,
    coalesce(sum(live), 0)::bigint as live_claims,
    coalesce(sum(new_claims), 0)::bigint as new_claims,
    coalesce(sum(off_flows), 0)::bigint as off_flows,
    coalesce(sum(off_flows_to_work), 0)::bigint as off_flows_to_work,
    sum(live) / nullif(count(*) filter (where live > 0 and work_coach_ref is not null), 0)
        as claims_per_coach
from per_coach
group by all
