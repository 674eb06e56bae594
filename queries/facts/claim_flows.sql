-- claim_flows: claims starting and ending, counted by month, per office, benefit, claimant
-- group and work coach. Built once at load: the caseload at a month end is a running total of
-- these (see caseload.sql), so a caseload request reads this small table, not every claim.
-- Exact, because every day the caseload is counted on is a month's last day. The running total
-- is kept too: `live` after each month, until next_flow_month, so that a request reads one row
-- per coach for a month's caseload instead of adding up every month before it.
-- Returns: district_code, office_code, benefit, claimant_group, work_coach_ref, flow_month
--   (first day of the month), starts, ends, ends_to_work (ends with end_reason job_entry),
--   live (claims live at the end of flow_month), next_flow_month (the next month with a flow
--   for the same office, benefit, group and coach; NULL if none), and the sums of the record
--   keys of the claims each counts: starts_key, ends_key, ends_to_work_key and live_key (the
--   running sum of start keys less end keys, as live is of starts less ends).
-- Parameters: none.
-- reads: claims, offices
-- export: partitioned by district_code
with events as (
    select
        office_code,
        benefit,
        claimant_group,
        work_coach_ref,
        date_trunc('month', start_date)::date as flow_month,
        1 as starts,
        0 as ends,
        0 as ends_to_work,
        record_key as starts_key,
        0 as ends_key,
        0 as ends_to_work_key
    from claims
    union all
    select
        office_code,
        benefit,
        claimant_group,
        work_coach_ref,
        date_trunc('month', end_date)::date,
        0,
        1,
        (end_reason = 'job_entry')::integer,
        0,
        record_key,
        case when end_reason = 'job_entry' then record_key else 0 end
    from claims
    where end_date is not null
),

counted as (
    select
        office_code,
        benefit,
        claimant_group,
        work_coach_ref,
        flow_month,
        sum(starts)::integer as starts,
        sum(ends)::integer as ends,
        sum(ends_to_work)::integer as ends_to_work,
        sum(starts_key)::bigint as starts_key,
        sum(ends_key)::bigint as ends_key,
        sum(ends_to_work_key)::bigint as ends_to_work_key
    from events
    group by all
),

-- The district is the office's: added to the counts, not grouped by with every claim.
monthly as (
    select
        o.district_code,
        c.*
    from counted as c
    join offices as o using (office_code)
)

select
    *,
    sum(starts - ends) over (
        partition by office_code, benefit, claimant_group, work_coach_ref
        order by flow_month
        rows between unbounded preceding and current row
    )::integer as live,
    lead(flow_month) over (
        partition by office_code, benefit, claimant_group, work_coach_ref
        order by flow_month
    ) as next_flow_month,
    sum(starts_key - ends_key) over (
        partition by office_code, benefit, claimant_group, work_coach_ref
        order by flow_month
        rows between unbounded preceding and current row
    )::bigint as live_key
from monthly
order by flow_month, office_code, benefit, claimant_group, work_coach_ref
