-- fsf_categories: companion to fsf_spend; the same payments by category.
-- Returns: district_code, office_code, month (NULL unless grouped by them), category,
--   payments, spend_gbp, payments_key (the sum of those payments' record keys, for the
--   cell-key method). Only categories with payments are returned.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
select
    case when $by in ('district', 'office') then district_code end as district_code,
    case when $by = 'office' then office_code end as office_code,
    case when $by = 'month' then strftime(payment_date, '%Y-%m') end as month,
    category,
    count(*) as payments,
    sum(amount_gbp) as spend_gbp,
    sum(record_key)::bigint as payments_key
from payment_facts
where payment_date between $period_start and $period_end
  and ($districts is null or list_contains($districts, district_code))
  and ($offices is null or list_contains($offices, office_code))
  and ($benefits is null or list_contains($benefits, benefit))
  and ($groups is null or list_contains($groups, claimant_group))
group by all
