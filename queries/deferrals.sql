-- deferrals: how often the initial Work Focused Interview of non-JSA claims is deferred or waived.
-- Counts WFIs whose due_date is in the period, leaving out JSA claims (never deferrable) and
-- outcome = pending (not decided yet). Each WFI belongs to its claim's office and district
-- (wfi_facts carries them, built at load from wfi, claims and offices).
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), wfis_due, deferred, waived, deferral_rate, waiver_rate,
--   median_deferral_days (deferred_until - due_date over deferred WFIs).
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups
--   (a NULL list means no filter; an empty list matches nothing).
with interviews as (
    select
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        case when $by = 'month' then strftime(due_date, '%Y-%m') end as month,
        outcome,
        date_diff('day', due_date, deferred_until) as deferral_days
    from wfi_facts
    where due_date between $period_start and $period_end
      and benefit <> 'JSA'
      and outcome <> 'pending'
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
)

select
    district_code,
    office_code,
    month,
    count(*) as wfis_due,
    count(*) filter (where outcome = 'deferred') as deferred,
    count(*) filter (where outcome = 'waived') as waived,
    count(*) filter (where outcome = 'deferred') / count(*) as deferral_rate,
    count(*) filter (where outcome = 'waived') / count(*) as waiver_rate,
    median(deferral_days) filter (where outcome = 'deferred')::double as median_deferral_days
from interviews
group by all
