-- fsf_spend: Flexible Support Fund payments dated in the period.
-- A payment belongs to its own office (and that office's district). Benefit and claimant
-- group filters apply through the payment's claim, so a payment without a claim (a
-- partnership grant) is left out whenever either of those filters is set.
-- Returns one row per group with activity: district_code, office_code, month, payments,
--   spend_gbp, recipients (distinct claims paid), avg_award_gbp (mean amount of the
--   payments that have a claim), claimant_payments (how many payments that average is over).
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the records it counts; 0 when it is 0; not reduced modulo 4096): payments_key,
--   recipients_key (each recipient claim's key once, as it is counted once),
--   claimant_payments_key.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
with multi_office_recipients as (
    -- Each claim paid by more than one office once per group: a distinct count, and each
    -- counted claim's key once in the key sum (sum(distinct key) would merge claims whose keys
    -- happen to be equal).
    select distinct
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        case when $by = 'month' then strftime(payment_date, '%Y-%m') end as month,
        claim_key,
        claim_record_key
    from multi_office_claim_payments
    where payment_date between $period_start and $period_end
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
),

parts as (
    -- Payments alike in everything a request filters and groups by, summed at load
    -- (payment_months). A claim paid by one office counts as a recipient in its first month
    -- of the period (every month of its own with by = month).
    select
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        case when $by = 'month' then strftime(payment_month, '%Y-%m') end as month,
        payments,
        spend_gbp,
        claimant_payments,
        claimant_spend_gbp,
        case
            when $by = 'month' or prev_payment_month is null or prev_payment_month < $period_start
                then recipients
            else 0
        end as recipients,
        payments_key,
        claimant_payments_key,
        case
            when $by = 'month' or prev_payment_month is null or prev_payment_month < $period_start
                then recipients_key
            else 0
        end as recipients_key
    from payment_months
    where payment_month between $period_start and $period_end
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
    union all
    -- Claims paid by more than one office, counted from their payments (their payments and
    -- spend are already in payment_months).
    select
        district_code,
        office_code,
        month,
        0,
        0,
        0,
        0,
        count(*),
        0,
        0,
        sum(claim_record_key)
    from multi_office_recipients
    group by all
)

select
    district_code,
    office_code,
    month,
    sum(payments)::bigint as payments,
    sum(spend_gbp) as spend_gbp,
    sum(recipients)::bigint as recipients,
    -- The exact decimal sum, then one division in double: the same figure on every engine
    -- (an average of decimals is rounded to a different scale on Spark).
    sum(claimant_spend_gbp)::double / nullif(sum(claimant_payments), 0) as avg_award_gbp,
    sum(claimant_payments)::bigint as claimant_payments,
    sum(payments_key)::bigint as payments_key,
    sum(recipients_key)::bigint as recipients_key,
    sum(claimant_payments_key)::bigint as claimant_payments_key
from parts
group by all
