-- claim_months: claim_flows summed over work coaches, per office, benefit, group and month,
-- so that the caseload's flows on and off in a period add up a few thousand rows rather than
-- one per coach and month.
-- Returns: district_code, office_code, benefit, claimant_group, flow_month, starts, ends,
--   ends_to_work, and their claims' record key sums starts_key, ends_key, ends_to_work_key.
-- Parameters: none.
-- reads: claim_flows
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    flow_month,
    sum(starts)::bigint as starts,
    sum(ends)::bigint as ends,
    sum(ends_to_work)::bigint as ends_to_work,
    sum(starts_key)::bigint as starts_key,
    sum(ends_key)::bigint as ends_key,
    sum(ends_to_work_key)::bigint as ends_to_work_key
from claim_flows
group by all
order by flow_month, office_code, benefit, claimant_group
