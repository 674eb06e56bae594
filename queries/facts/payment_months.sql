-- payment_months: FSF payments summed per office, benefit, group and payment month, so that
-- fsf_spend adds up a few thousand rows rather than reading every payment. Payments, spend and
-- the average award are sums. Recipients (distinct claims paid) are not, so each claim is
-- counted once per payment month in `recipients`, in the row of the month it was paid before
-- (prev_payment_month, NULL for its first): over a period of whole months a claim is counted
-- exactly once, in its first month in the period, i.e. the row whose prev_payment_month is
-- before the period. That holds wherever the claim is counted whole, which is true of a claim
-- paid by one office only (benefit and group are the claim's own). Claims paid by more than
-- one office are left out of `recipients` here and counted from their payments
-- (multi_office_claim_payments). Built after payment_facts (file names build in order).
-- Returns: district_code, office_code, benefit, claimant_group, payment_month,
--   prev_payment_month, payments, spend_gbp, claimant_payments and claimant_spend_gbp
--   (payments with a claim), recipients.
-- Parameters: none.
with paid as (
    select
        *,
        date_trunc('month', payment_date)::date as payment_month
    from payment_facts
),

one_office_claims as (
    select claim_key
    from paid
    where claim_key is not null
    group by claim_key
    having min(office_code) = max(office_code)
),

paid_months as (
    -- Each such claim's payment months, with the month it was last paid before each.
    select
        claim_key,
        payment_month,
        lag(payment_month) over (partition by claim_key order by payment_month)
            as prev_payment_month
    from (
        select distinct p.claim_key, p.payment_month
        from paid as p
        join one_office_claims using (claim_key)
    ) as months
)

select
    p.district_code,
    p.office_code,
    p.benefit,
    p.claimant_group,
    p.payment_month,
    m.prev_payment_month,
    count(*) as payments,
    sum(p.amount_gbp) as spend_gbp,
    count(p.claim_key) as claimant_payments,
    coalesce(sum(p.amount_gbp) filter (where p.claim_key is not null), 0) as claimant_spend_gbp,
    count(distinct m.claim_key) as recipients
from paid as p
left join paid_months as m using (claim_key, payment_month)
group by all
order by p.payment_month, p.office_code, p.benefit, p.claimant_group, m.prev_payment_month
