-- deferral_reasons: companion to deferrals; deferred initial WFIs by deferral_reason.
-- Same population as deferrals.sql (non-JSA, due in the period, not pending), deferred only.
-- Returns: district_code, office_code, month (NULL unless grouped by them), deferral_reason,
--   deferred, deferred_key (the sum of those WFIs' record keys, for the cell-key method).
--   Only reasons that occur are returned.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
select
    case when $by in ('district', 'office') then district_code end as district_code,
    case when $by = 'office' then office_code end as office_code,
    case when $by = 'month' then strftime(due_date, '%Y-%m') end as month,
    deferral_reason,
    count(*) as deferred,
    sum(record_key)::bigint as deferred_key
from wfi_facts
where due_date between $period_start and $period_end
  and outcome = 'deferred'
  and benefit <> 'JSA'
  and ($districts is null or list_contains($districts, district_code))
  and ($offices is null or list_contains($offices, office_code))
  and ($benefits is null or list_contains($benefits, benefit))
  and ($groups is null or list_contains($groups, claimant_group))
group by all
