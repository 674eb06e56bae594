-- fsf_categories: companion to fsf_spend; the same payments by category.
-- Returns: district_code, office_code, month (NULL unless grouped by them), category,
--   payments, spend_gbp, payments_key (the sum of those payments' record keys, for the
--   cell-key method). Only categories with payments are returned.
-- Reads payment_category_months, the payments summed by month at load: the period is whole
-- months (the runner's month_start and month_end), so a payment's month decides.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
select
    case when $by in ('district', 'office') then district_code end as district_code,
    case when $by = 'office' then office_code end as office_code,
    case when $by = 'month' then strftime(payment_month, '%Y-%m') end as month,
    category,
    sum(payments)::bigint as payments,
    sum(spend_gbp) as spend_gbp,
    sum(payments_key)::bigint as payments_key
from payment_category_months
where payment_month between $period_start and $period_end
  and ($districts is null or list_contains($districts, district_code))
  and ($offices is null or list_contains($offices, office_code))
  and ($benefits is null or list_contains($benefits, benefit))
  and ($groups is null or list_contains($groups, claimant_group))
group by all
