-- coach_caseload_spread: per office, how open claims are spread over its work coaches, as at
-- the extract date, for district managers. Open claims are claims with end_date NULL, as in
-- coach_caseloads.sql; a coach is counted in an office when they hold at least one of its open
-- claims (the filters applying). Claims with no coach are not a coach's caseload: they are
-- counted in open_claims and unassigned_claims, never in the spread.
-- The median and 90th percentile interpolate linearly between the caseloads either side (the
-- usual median, numpy's default percentile, Excel's PERCENTILE.INC): with the office's n coaches
-- ordered by open claims at 0-based ranks 0..n-1, the p-th percentile is at position
-- h = p (n - 1) / 100, and is x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]). So for
-- caseloads 2 5 7 9 30 the median is 7 and the 90th percentile is at h = 3.6: 9 + 0.6 x 21 =
-- 21.6. Worked in whole numbers and divided once, so it is exact and the same on every engine
-- (the window trick of off_flows.sql; no approximate quantile).
-- Returns one row per office the district and office filters allow (offices with no open
--   claim too), by district and office: district_code, office_code, coaches, open_claims,
--   unassigned_claims, min_claims_per_coach, median_claims_per_coach, p90_claims_per_coach,
--   max_claims_per_coach (the four NULL when the office has no coach with an open claim).
-- Parameters: $districts, $offices, $benefits, $groups.
-- Reads claim_flows' last row per office, benefit, group and coach, whose `live` is its open
-- claims (see coach_caseloads.sql).
with per_coach as (
    select
        f.office_code,
        f.work_coach_ref,
        sum(f.live) as open_claims
    from claim_flows as f
    where f.next_flow_month is null
      and f.live > 0
      and ($districts is null or list_contains($districts, f.district_code))
      and ($offices is null or list_contains($offices, f.office_code))
      and ($benefits is null or list_contains($benefits, f.benefit))
      and ($groups is null or list_contains($groups, f.claimant_group))
    group by f.office_code, f.work_coach_ref
),

ranked as (
    -- Coaches only; ties take consecutive ranks, which leaves the caseload at each rank alike.
    select
        office_code,
        open_claims,
        row_number() over (partition by office_code order by open_claims) - 1 as coach_rank,
        count(*) over (partition by office_code) as coaches
    from per_coach
    where work_coach_ref is not null
),

positioned as (
    -- Each percentile's position h = p (n - 1) / 100 as a whole part (floor) and the rest in
    -- hundredths; the rank above is used only when the rest is not 0, and then exists.
    select
        *,
        floor(50 * (coaches - 1) / 100) as median_rank,
        50 * (coaches - 1) - 100 * floor(50 * (coaches - 1) / 100) as median_rest,
        floor(90 * (coaches - 1) / 100) as p90_rank,
        90 * (coaches - 1) - 100 * floor(90 * (coaches - 1) / 100) as p90_rest
    from ranked
),

spread as (
    select
        office_code,
        max(coaches) as coaches,
        min(open_claims) as min_claims_per_coach,
        sum(
            open_claims * case
                when coach_rank = median_rank then 100 - median_rest
                when coach_rank = median_rank + 1 then median_rest
                else 0
            end
        )::double / 100 as median_claims_per_coach,
        sum(
            open_claims * case
                when coach_rank = p90_rank then 100 - p90_rest
                when coach_rank = p90_rank + 1 then p90_rest
                else 0
            end
        )::double / 100 as p90_claims_per_coach,
        max(open_claims) as max_claims_per_coach
    from positioned
    group by office_code
),

totals as (
    select
        office_code,
        sum(open_claims) as open_claims,
        coalesce(sum(open_claims) filter (where work_coach_ref is null), 0) as unassigned_claims
    from per_coach
    group by office_code
)

select
    o.district_code,
    o.office_code,
    coalesce(s.coaches, 0)::bigint as coaches,
    coalesce(t.open_claims, 0)::bigint as open_claims,
    coalesce(t.unassigned_claims, 0)::bigint as unassigned_claims,
    s.min_claims_per_coach::bigint as min_claims_per_coach,
    s.median_claims_per_coach,
    s.p90_claims_per_coach,
    s.max_claims_per_coach::bigint as max_claims_per_coach
from offices as o
left join spread as s on s.office_code = o.office_code
left join totals as t on t.office_code = o.office_code
where ($districts is null or list_contains($districts, o.district_code))
  and ($offices is null or list_contains($offices, o.office_code))
order by o.district_code, o.office_code
