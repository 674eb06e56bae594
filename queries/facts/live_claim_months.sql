-- live_claim_months: claims starting and ending per office, benefit, group, age band (the
-- case-mix cells Runner.compare adjusts by) and month, with the running count of live claims, so
-- that fsf_uptake reads the claims live at a month's start from one row per office and cell
-- instead of adding up every month before it. Counted from the claims, not from claim_months:
-- the caseload's flows (claim_months, claim_flows) need no age band, and splitting them by it
-- would make the caseload read up to three times the rows.
-- A claim is live at the end of flow_month when it started in or before that month and did
-- not end in or before it; `live` holds until next_flow_month.
-- Returns: district_code, office_code, benefit, claimant_group, age_band, flow_month (first day
--   of the month), starts (claims starting in the month), live (claims live at the end of the
--   month's last day), next_flow_month (the next month with a start or an end for the same
--   office, benefit, group and age band; NULL if none), and the sums of the record keys of the
--   claims each counts: starts_key, and live_key (the running sum of start keys less end keys,
--   as live is of starts less ends).
-- Parameters: none.
-- reads: claims, offices
-- export: partitioned by district_code
with events as (
    select
        office_code,
        benefit,
        claimant_group,
        age_band,
        date_trunc('month', start_date)::date as flow_month,
        1 as starts,
        0 as ends,
        record_key as starts_key,
        0 as ends_key
    from claims
    union all
    select
        office_code,
        benefit,
        claimant_group,
        age_band,
        date_trunc('month', end_date)::date,
        0,
        1,
        0,
        record_key
    from claims
    where end_date is not null
),

counted as (
    select
        office_code,
        benefit,
        claimant_group,
        age_band,
        flow_month,
        sum(starts)::bigint as starts,
        sum(ends)::bigint as ends,
        sum(starts_key)::bigint as starts_key,
        sum(ends_key)::bigint as ends_key
    from events
    group by all
)

-- The district is the office's: added to the counts, not grouped by with every claim.
select
    o.district_code,
    c.office_code,
    c.benefit,
    c.claimant_group,
    c.age_band,
    c.flow_month,
    c.starts,
    sum(c.starts - c.ends) over by_month::bigint as live,
    lead(c.flow_month) over (
        partition by c.office_code, c.benefit, c.claimant_group, c.age_band
        order by c.flow_month
    ) as next_flow_month,
    c.starts_key,
    sum(c.starts_key - c.ends_key) over by_month::bigint as live_key
from counted as c
join offices as o using (office_code)
window by_month as (
    partition by c.office_code, c.benefit, c.claimant_group, c.age_band
    order by c.flow_month
    rows between unbounded preceding and current row
)
order by flow_month, office_code, benefit, claimant_group, age_band
