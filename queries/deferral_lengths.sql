-- deferral_lengths: companion to deferrals; how long deferred initial WFIs were put off, by
-- deferral_reason (the guidance ties lengths to reasons: a sick note plus two weeks, treatment
-- plus two weeks, a refuge four weeks).
-- Same population as deferrals.sql and deferral_reasons.sql: non-JSA WFIs due in the period
-- with outcome deferred. Each belongs to its claim's office and district and the month of its
-- due_date (deferral_length_months, counted at load, carries them).
-- Returns: district_code, office_code, month (NULL unless grouped by them), deferral_reason,
--   deferred, median_deferral_days, mean_deferral_days (deferred_until - due_date, calendar
--   days), deferred_key (the sum of those WFIs' record keys, for the cell-key method).
--   Only reasons that occur are returned.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
with deferrals as (
    -- Deferrals alike in everything a request filters and groups by, reason and length: few
    -- enough for the window below.
    select
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        case when $by = 'month' then strftime(due_month, '%Y-%m') end as month,
        deferral_reason,
        deferral_days,
        sum(deferred) as deferred,
        sum(deferred_key) as deferred_key
    from deferral_length_months
    where due_month between $period_start and $period_end
      and benefit <> 'JSA'
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
    group by all
),

placed as (
    -- Where each count sits in its group's and reason's deferrals ordered by length:
    -- positions [before, before + deferred), 0-based, of reason_total.
    select
        *,
        sum(deferred) over (
            partition by district_code, office_code, month, deferral_reason
            order by deferral_days
            rows between unbounded preceding and current row
        ) - deferred as before,
        sum(deferred) over (partition by district_code, office_code, month, deferral_reason)
            as reason_total
    from deferrals
)

-- The median is the mean of the lengths at the two middle positions (the same one when the
-- count is odd), as median() gives over the deferrals themselves.
select
    district_code,
    office_code,
    month,
    deferral_reason,
    sum(deferred)::bigint as deferred,
    (
        min(deferral_days) filter (
            where before <= floor((reason_total - 1) / 2)
            and floor((reason_total - 1) / 2) < before + deferred
        )
        + min(deferral_days) filter (
            where before <= floor(reason_total / 2)
            and floor(reason_total / 2) < before + deferred
        )
    )::double / 2 as median_deferral_days,
    sum(deferral_days * deferred)::double / sum(deferred) as mean_deferral_days,
    sum(deferred_key)::bigint as deferred_key
from placed
group by all
