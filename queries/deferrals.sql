-- deferrals: how often the initial Work Focused Interview of non-JSA claims is deferred or waived.
-- Counts WFIs whose due_date is in the period, leaving out JSA claims (never deferrable) and
-- outcome = pending (not decided yet). Each WFI belongs to its claim's office and district.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), wfis_due, deferred, waived, deferral_rate, waiver_rate,
--   median_deferral_days (deferred_until - due_date over deferred WFIs).
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups
--   (a NULL list means no filter; an empty list matches nothing).
with interviews as (
    select
        case when $by in ('district', 'office') then o.district_code end as district_code,
        case when $by = 'office' then o.office_code end as office_code,
        case when $by = 'month' then strftime(w.due_date, '%Y-%m') end as month,
        w.outcome,
        w.deferred_until - w.due_date as deferral_days
    from wfi as w
    join claims as c using (claim_id)
    join offices as o on o.office_code = c.office_code
    where w.due_date between $period_start and $period_end
      and c.benefit <> 'JSA'
      and w.outcome <> 'pending'
      and ($districts is null or list_contains($districts, o.district_code))
      and ($offices is null or list_contains($offices, o.office_code))
      and ($benefits is null or list_contains($benefits, c.benefit))
      and ($groups is null or list_contains($groups, c.claimant_group))
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
