-- coach_caseloads: each work coach's open claims in each office, as at the extract date, for
-- team leaders. A claim is open when its end_date is NULL (the loader refuses an end_date after
-- the extract date, so a claim ending on the extract date has ended). A coach holding claims in
-- two offices has a row in each. The office's open claims with no coach are one row whose
-- work_coach_ref is NULL (shown as "Unassigned": NULL is no coach's ref, so it cannot be
-- mistaken for one). overdue_deferrals and oldest_overdue_days count exactly the rows the
-- overdue worklist (overdue_deferrals.sql) lists for the coach in the office: deferred initial
-- WFIs, never held, on an open claim, deferred until before the extract date; the oldest is
-- the extract date less the earliest such deferred_until (NULL when none).
-- Not limited by the period; the filters apply to the claims.
-- Returns one row per coach (and Unassigned) with an open claim, by district, office and coach
--   (Unassigned last): district_code, office_code, work_coach_ref, open_claims,
--   open_jobseeker, open_lone_parent, open_health_condition, open_carer, open_other (open
--   claims by claimant group), overdue_deferrals, oldest_overdue_days.
-- Parameters: $extract_date, $districts, $offices, $benefits, $groups.
-- claim_flows keeps, per office, benefit, group and coach, the running count of claims started
-- less claims ended; its last row (next_flow_month NULL) has counted every start and every end
-- there is, so its `live` is the count of open claims: one row read per combination, not one
-- per claim.
with open_claims as (
    select
        f.district_code,
        f.office_code,
        f.work_coach_ref,
        f.claimant_group,
        f.live as open_claims,
        0 as overdue_deferrals,
        null::integer as oldest_overdue_days
    from claim_flows as f
    where f.next_flow_month is null
      and f.live > 0
      and ($districts is null or list_contains($districts, f.district_code))
      and ($offices is null or list_contains($offices, f.office_code))
      and ($benefits is null or list_contains($benefits, f.benefit))
      and ($groups is null or list_contains($groups, f.claimant_group))
),

overdue as (
    -- The worklist's rows, counted per coach: the same table and conditions as
    -- overdue_deferrals.sql.
    select
        d.district_code,
        d.office_code,
        d.work_coach_ref,
        null as claimant_group,
        0 as open_claims,
        count(*) as overdue_deferrals,
        max(date_diff('day', d.deferred_until, $extract_date::date)) as oldest_overdue_days
    from deferred_wfi as d
    where d.deferred_until < $extract_date::date
      and ($districts is null or list_contains($districts, d.district_code))
      and ($offices is null or list_contains($offices, d.office_code))
      and ($benefits is null or list_contains($benefits, d.benefit))
      and ($groups is null or list_contains($groups, d.claimant_group))
    group by d.district_code, d.office_code, d.work_coach_ref
),

-- Both parts, then one row per coach: grouping (unlike a join) takes a NULL coach as one
-- group, the office's Unassigned row.
parts as (
    select * from open_claims
    union all
    select * from overdue
)

select
    district_code,
    office_code,
    work_coach_ref,
    sum(open_claims)::bigint as open_claims,
    coalesce(sum(open_claims) filter (where claimant_group = 'jobseeker'), 0)::bigint
        as open_jobseeker,
    coalesce(sum(open_claims) filter (where claimant_group = 'lone_parent'), 0)::bigint
        as open_lone_parent,
    coalesce(sum(open_claims) filter (where claimant_group = 'health_condition'), 0)::bigint
        as open_health_condition,
    coalesce(sum(open_claims) filter (where claimant_group = 'carer'), 0)::bigint as open_carer,
    coalesce(sum(open_claims) filter (where claimant_group = 'other'), 0)::bigint as open_other,
    sum(overdue_deferrals)::bigint as overdue_deferrals,
    max(oldest_overdue_days)::integer as oldest_overdue_days
from parts
group by district_code, office_code, work_coach_ref
order by district_code, office_code, work_coach_ref nulls last
