-- deferrals: how often the initial Work Focused Interview of non-JSA claims is deferred or waived.
-- Counts WFIs whose due_date is in the period, leaving out JSA claims (never deferrable) and
-- outcome = pending (not decided yet). Each WFI belongs to its claim's office and district
-- (wfi_months, counted at load from wfi_facts, carries them).
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), wfis_due, deferred, waived, deferral_rate, waiver_rate,
--   median_deferral_days (deferred_until - due_date over deferred WFIs).
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the records it counts; 0 when it is 0; not reduced modulo 4096): wfis_due_key,
--   deferred_key, waived_key.
-- With $by = district_cell or office_cell (Runner.compare's case-mix adjustment; never a user's
--   request) rows are also split by the claim's benefit, claimant_group and age_band, which are
--   NULL otherwise.
-- With $by = district_month or office_month (Runner.drift's months of every unit; never a user's
--   request) rows are split by unit and month at once, each month counted as with by = month.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups
--   (a NULL list means no filter; an empty list matches nothing).
with interviews as (
    -- Interviews alike in everything a request filters and groups by, counted at load
    -- (wfi_months, which keeps each deferral's length in days).
    select
        case
            when $by in (
                'district', 'office', 'district_cell', 'office_cell',
                'district_month', 'office_month'
            )
                then district_code
        end as district_code,
        case when $by in ('office', 'office_cell', 'office_month') then office_code end
            as office_code,
        case
            when $by in ('month', 'district_month', 'office_month')
                then strftime(due_month, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then age_band end as age_band,
        outcome,
        deferral_days,
        interviews,
        interviews_key
    from wfi_months
    where due_month between $period_start and $period_end
      and benefit <> 'JSA'
      and outcome <> 'pending'
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
),

counted as (
    -- One row per group, outcome and deferral length: few enough for the window below.
    select
        district_code,
        office_code,
        month,
        benefit,
        claimant_group,
        age_band,
        outcome,
        deferral_days,
        sum(interviews) as interviews,
        sum(interviews_key) as interviews_key
    from interviews
    group by all
),

placed as (
    -- Where each count sits in its group's interviews of that outcome ordered by deferral
    -- length: positions [before, before + interviews), 0-based, of outcome_total.
    select
        *,
        sum(interviews) over (
            partition by
                district_code, office_code, month, benefit, claimant_group, age_band, outcome
            order by deferral_days
            rows between unbounded preceding and current row
        ) - interviews as before,
        sum(interviews) over (
            partition by
                district_code, office_code, month, benefit, claimant_group, age_band, outcome
        ) as outcome_total
    from counted
)

-- The median deferral is the mean of the lengths at the two middle positions (the same one
-- when the count is odd), as median() gives over the interviews themselves.
select
    district_code,
    office_code,
    month,
    benefit,
    claimant_group,
    age_band,
    sum(interviews)::bigint as wfis_due,
    coalesce(sum(interviews) filter (where outcome = 'deferred'), 0)::bigint as deferred,
    coalesce(sum(interviews) filter (where outcome = 'waived'), 0)::bigint as waived,
    coalesce(sum(interviews) filter (where outcome = 'deferred'), 0)::double
        / sum(interviews) as deferral_rate,
    coalesce(sum(interviews) filter (where outcome = 'waived'), 0)::double
        / sum(interviews) as waiver_rate,
    (
        min(deferral_days) filter (
            where outcome = 'deferred'
            and before <= floor((outcome_total - 1) / 2)
            and floor((outcome_total - 1) / 2) < before + interviews
        )
        + min(deferral_days) filter (
            where outcome = 'deferred'
            and before <= floor(outcome_total / 2)
            and floor(outcome_total / 2) < before + interviews
        )
    )::double / 2 as median_deferral_days,
    sum(interviews_key)::bigint as wfis_due_key,
    coalesce(sum(interviews_key) filter (where outcome = 'deferred'), 0)::bigint as deferred_key,
    coalesce(sum(interviews_key) filter (where outcome = 'waived'), 0)::bigint as waived_key
from placed
group by all
