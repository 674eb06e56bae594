-- claim_months: exported: partitioned by district_code and event_month (flow_month's month).
-- Parameters: none.
select *, strftime(flow_month, '%Y-%m') as event_month from claim_months
