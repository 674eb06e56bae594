-- payment_category_months: FSF payments counted and summed per office, benefit, group, payment
-- month and category, so that fsf_categories adds up these rows rather than reading every
-- payment (at 10M claims, 406k rows for 5.3M payments). Counts, spend and key sums are sums,
-- and a request's period is whole months, so they add up exactly. Payments with no claim
-- (grants) have no benefit or group: theirs are NULL here, as in payment_facts.
-- Returns: district_code, office_code, benefit, claimant_group, payment_month (first day of
--   the month), category, payments, spend_gbp, and payments_key (the sum of those payments'
--   record keys).
-- Parameters: none.
-- reads: payment_facts
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    date_trunc('month', payment_date)::date as payment_month,
    category,
    count(*) as payments,
    sum(amount_gbp) as spend_gbp,
    sum(record_key)::bigint as payments_key
from payment_facts
group by all
order by payment_month, office_code, benefit, claimant_group, category
