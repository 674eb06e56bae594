-- deferral_reasons: companion to deferrals; deferred initial WFIs by deferral_reason.
-- Same population as deferrals.sql (non-JSA, due in the period, not pending), deferred only.
-- Returns: district_code, office_code, month (NULL unless grouped by them), deferral_reason,
--   deferred. Only reasons that occur are returned.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
select
    case when $by in ('district', 'office') then o.district_code end as district_code,
    case when $by = 'office' then o.office_code end as office_code,
    case when $by = 'month' then strftime(w.due_date, '%Y-%m') end as month,
    w.deferral_reason,
    count(*) as deferred
from wfi as w
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
where w.due_date between $period_start and $period_end
  and w.outcome = 'deferred'
  and c.benefit <> 'JSA'
  and ($districts is null or list_contains($districts, o.district_code))
  and ($offices is null or list_contains($offices, o.office_code))
  and ($benefits is null or list_contains($benefits, c.benefit))
  and ($groups is null or list_contains($groups, c.claimant_group))
group by all
