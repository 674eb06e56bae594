-- fsf_spend: Flexible Support Fund payments dated in the period.
-- A payment belongs to its own office (and that office's district). Benefit and claimant
-- group filters apply through the payment's claim, so a payment without a claim (a
-- partnership grant) is left out whenever either of those filters is set.
-- Returns one row per group with activity: district_code, office_code, month, payments,
--   spend_gbp, recipients (distinct claims paid), avg_award_gbp (mean amount of the
--   payments that have a claim), claimant_payments (how many payments that average is over).
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
select
    case when $by in ('district', 'office') then district_code end as district_code,
    case when $by = 'office' then office_code end as office_code,
    case when $by = 'month' then strftime(payment_date, '%Y-%m') end as month,
    count(*) as payments,
    sum(amount_gbp) as spend_gbp,
    count(distinct claim_key) as recipients,
    -- The exact decimal sum, then one division in double: the same figure on every engine
    -- (an average of decimals is rounded to a different scale on Spark). claim_key is set
    -- exactly when claim_id is (the loader rejects a payment naming an unknown claim), and an
    -- integer is quicker to test than text.
    sum(amount_gbp) filter (where claim_key is not null)::double
        / nullif(count(*) filter (where claim_key is not null), 0) as avg_award_gbp,
    count(*) filter (where claim_key is not null) as claimant_payments
from payment_facts
where payment_date between $period_start and $period_end
  and ($districts is null or list_contains($districts, district_code))
  and ($offices is null or list_contains($offices, office_code))
  and ($benefits is null or list_contains($benefits, benefit))
  and ($groups is null or list_contains($groups, claimant_group))
group by all
