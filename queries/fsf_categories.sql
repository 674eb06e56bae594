-- fsf_categories: companion to fsf_spend; the same payments by category.
-- Returns: district_code, office_code, month (NULL unless grouped by them), category,
--   payments, spend_gbp. Only categories with payments are returned.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
select
    case when $by in ('district', 'office') then o.district_code end as district_code,
    case when $by = 'office' then o.office_code end as office_code,
    case when $by = 'month' then strftime(p.payment_date, '%Y-%m') end as month,
    p.category,
    count(*) as payments,
    sum(p.amount_gbp) as spend_gbp
from fsf_payments as p
join offices as o on o.office_code = p.office_code
left join claims as c on c.claim_id = p.claim_id
where p.payment_date between $period_start and $period_end
  and ($districts is null or list_contains($districts, o.district_code))
  and ($offices is null or list_contains($offices, o.office_code))
  and ($benefits is null or list_contains($benefits, c.benefit))
  and ($groups is null or list_contains($groups, c.claimant_group))
group by all
