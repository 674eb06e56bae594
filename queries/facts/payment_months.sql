-- payment_months: FSF payments summed per office, benefit, group and payment month, so that
-- fsf_spend adds up a few thousand rows rather than reading every payment. Payments, spend and
-- the average award are sums. Recipients (distinct claims paid) are not, so each claim is
-- counted once per payment month in `recipients`, in the row of the month it was paid before
-- (prev_payment_month, NULL for its first): over a period of whole months a claim is counted
-- exactly once, in its first month in the period, i.e. the row whose prev_payment_month is
-- before the period. That holds wherever the claim is counted whole, which is true of a claim
-- paid by one office only (benefit and group are the claim's own). Claims paid by more than
-- one office are left out of `recipients` here and counted from their payments
-- (multi_office_claim_payments).
-- Returns: district_code, office_code, benefit, claimant_group, payment_month,
--   prev_payment_month, payments, spend_gbp, claimant_payments and claimant_spend_gbp
--   (payments with a claim), recipients, and beside the counts the sums of record keys of what
--   each counts: payments_key and claimant_payments_key (the payments' keys), recipients_key
--   (the record keys of the claims counted in `recipients`).
-- Key sums add up exactly as the counts do, so fsf_spend's trick for counting each claim once
-- sums each counted claim's key once too.
-- Parameters: none.
-- reads: payment_facts
-- export: partitioned by district_code
with paid as (
    -- One row per claim and payment month (per office and month for partnership grants, which
    -- have no claim). A claim's benefit and group are its own, so a claim paid by one office
    -- has exactly one row per month.
    select
        district_code,
        office_code,
        benefit,
        claimant_group,
        claim_key,
        date_trunc('month', payment_date)::date as payment_month,
        count(*) as payments,
        sum(amount_gbp) as spend_gbp,
        sum(record_key) as payments_key,
        -- The claim's own key, the same on each of its payments.
        min(claim_record_key) as claim_record_key
    from payment_facts
    group by all
),

placed as (
    -- By claim: whether every payment of the claim was made by one office, and the
    -- month the claim was last paid before each of its months.
    select
        *,
        min(office_code) over (partition by claim_key)
            = max(office_code) over (partition by claim_key) as one_office,
        lag(payment_month) over (partition by claim_key order by payment_month)
            as prev_payment_month
    from paid
)

select
    district_code,
    office_code,
    benefit,
    claimant_group,
    payment_month,
    case when claim_key is not null and one_office then prev_payment_month end
        as prev_payment_month,
    sum(payments)::bigint as payments,
    sum(spend_gbp) as spend_gbp,
    coalesce(sum(payments) filter (where claim_key is not null), 0)::bigint as claimant_payments,
    coalesce(sum(spend_gbp) filter (where claim_key is not null), 0) as claimant_spend_gbp,
    count(*) filter (where claim_key is not null and one_office) as recipients,
    sum(payments_key)::bigint as payments_key,
    coalesce(sum(payments_key) filter (where claim_key is not null), 0)::bigint
        as claimant_payments_key,
    coalesce(sum(claim_record_key) filter (where claim_key is not null and one_office), 0)::bigint
        as recipients_key
from placed
group by all
order by payment_month, office_code, benefit, claimant_group, prev_payment_month
