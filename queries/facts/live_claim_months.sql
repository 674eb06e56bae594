-- live_claim_months: claim_months with, per office, benefit and group, the running count of
-- live claims, so that fsf_uptake reads the claims live at a month's start from one row per
-- office, benefit and group instead of adding up every month before it (claim_flows keeps the
-- same running total per work coach, which a request that needs no coach does not need).
-- A claim is live at the end of flow_month when it started in or before that month and did
-- not end in or before it; `live` holds until next_flow_month.
-- Returns: district_code, office_code, benefit, claimant_group, flow_month (first day of the
--   month), starts (claims starting in the month), live (claims live at the end of the
--   month's last day), next_flow_month (the next month with a start or an end for the same
--   office, benefit and group; NULL if none), and the sums of the record keys of the claims
--   each counts: starts_key, and live_key (the running sum of start keys less end keys, as
--   live is of starts less ends).
-- Parameters: none.
-- reads: claim_months
-- export: partitioned by district_code, event_month(flow_month)
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    flow_month,
    starts,
    sum(starts - ends) over by_month::bigint as live,
    lead(flow_month) over (
        partition by office_code, benefit, claimant_group
        order by flow_month
    ) as next_flow_month,
    starts_key,
    sum(starts_key - ends_key) over by_month::bigint as live_key
from claim_months
window by_month as (
    partition by office_code, benefit, claimant_group
    order by flow_month
    rows between unbounded preceding and current row
)
order by flow_month, office_code, benefit, claimant_group
