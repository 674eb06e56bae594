-- caseload: live claims, flows on and off, and claims per work coach.
-- live_claims counts claims live at the end of the period's last day (with by = month, at the
-- end of each month's last day): start_date <= day and (end_date NULL or end_date > day), so a
-- claim ending on that day is not live. new_claims have start_date in the period (month of
-- start_date), off_flows end_date in the period (month of end_date), off_flows_to_work those
-- with end_reason = job_entry. claims_per_coach = live_claims / distinct work_coach_ref among
-- live claims with a coach (empty when none).
-- Returns one row per group with activity: district_code, office_code, month, live_claims,
--   new_claims, off_flows, off_flows_to_work, claims_per_coach.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the records it counts; 0 when it is 0; not reduced modulo 4096): live_claims_key,
--   new_claims_key, off_flows_key, off_flows_to_work_key (a live claim's key is in the running
--   key sum claim_flows keeps beside `live`).
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
-- Every day counted is a month's last day, so a claim is live then exactly when it started in
-- or before that month and did not end in or before it: the caseload at a month end is a
-- running total of starts minus ends by month, kept at load in claim_flows (`live`, valid
-- until next_flow_month), so no claim has to be compared with every month.
with reported as (
    -- The months reported: each month of the period (by = month) or the period as a whole.
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
    -- Each coach's live claims at each reported month's end: per office, benefit and group,
    -- the running total of its last month with flows up to then.
    select
        case when $by in ('district', 'office') then f.district_code end as district_code,
        case when $by = 'office' then f.office_code end as office_code,
        r.month,
        f.work_coach_ref,
        sum(f.live) as live,
        sum(f.live_key) as live_key
    from claim_flows as f
    join reported as r
        on f.flow_month <= r.last_month
        and (f.next_flow_month is null or f.next_flow_month > r.last_month)
    -- What the join implies, with constant ends, so that fewer rows reach it.
    where f.flow_month <= $period_end
      and (f.next_flow_month is null or f.next_flow_month > $period_start)
      and ($districts is null or list_contains($districts, f.district_code))
      and ($offices is null or list_contains($offices, f.office_code))
      and ($benefits is null or list_contains($benefits, f.benefit))
      and ($groups is null or list_contains($groups, f.claimant_group))
    group by all
),

flows as (
    -- Claims starting and ending within each reported month or period (claim_months: the
    -- same flows without the coach).
    select
        case when $by in ('district', 'office') then f.district_code end as district_code,
        case when $by = 'office' then f.office_code end as office_code,
        r.month,
        sum(f.starts) as new_claims,
        sum(f.ends) as off_flows,
        sum(f.ends_to_work) as off_flows_to_work,
        sum(f.starts_key) as new_claims_key,
        sum(f.ends_key) as off_flows_key,
        sum(f.ends_to_work_key) as off_flows_to_work_key
    from claim_months as f
    join reported as r on f.flow_month between r.first_month and r.last_month
    where true
      and ($districts is null or list_contains($districts, f.district_code))
      and ($offices is null or list_contains($offices, f.office_code))
      and ($benefits is null or list_contains($benefits, f.benefit))
      and ($groups is null or list_contains($groups, f.claimant_group))
    group by all
),

parts as (
    select
        district_code,
        office_code,
        month,
        work_coach_ref,
        live,
        null::bigint as new_claims,
        null::bigint as off_flows,
        null::bigint as off_flows_to_work,
        live_key,
        null::bigint as new_claims_key,
        null::bigint as off_flows_key,
        null::bigint as off_flows_to_work_key
    from per_coach
    union all
    select
        district_code,
        office_code,
        month,
        null,
        null,
        new_claims,
        off_flows,
        off_flows_to_work,
        null,
        new_claims_key,
        off_flows_key,
        off_flows_to_work_key
    from flows
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
        as claims_per_coach,
    coalesce(sum(live_key), 0)::bigint as live_claims_key,
    coalesce(sum(new_claims_key), 0)::bigint as new_claims_key,
    coalesce(sum(off_flows_key), 0)::bigint as off_flows_key,
    coalesce(sum(off_flows_to_work_key), 0)::bigint as off_flows_to_work_key
from parts
group by all
