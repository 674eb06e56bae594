-- fsf_recipient_months: claims paid from the Flexible Support Fund, counted once per month they
-- were paid in, under the CLAIM's office, benefit, group and age band (a payment made by another
-- office still counts where the claim is), so that fsf_uptake counts recipients from a few
-- thousand rows rather than from every payment. Distinct claims over a period of whole months are
-- counted as payment_months counts them: each claim-month is in the row of the month the claim
-- was paid before (prev_payment_month, NULL for its first), so over a period a claim is counted
-- once, in its first paid month in the period, the row whose prev_payment_month is before it.
-- Every payment of a claim is placed by the claim's own office, benefit and group, so the
-- claim is counted whole and no claim needs counting apart (unlike fsf_spend's recipients).
-- A payment may be dated outside its claim's start and end dates (the contract does not
-- forbid it), and a recipient must be a claim live in the period: live_in_month says whether
-- the claim was live in the paid month (then it is live in any period holding that month);
-- where it was not, claim_start_month and claim_end_month say when it was live. Periods are
-- whole months, so a claim is live in one exactly when its start month is no later than the
-- period's last month and its end month (if any) no earlier than its first.
-- Partnership grants have no claim and are not here.
-- Returns: district_code, office_code, benefit, claimant_group, age_band (the claim's; the
--   case-mix cells), payment_month, prev_payment_month, live_in_month, claim_start_month and
--   claim_end_month (NULL where live_in_month, and claim_end_month where the claim is open),
--   recipients (claims), and recipients_key (the sum of the record keys of the claims counted in
--   `recipients`).
-- Parameters: none.
-- reads: payment_facts, claims, offices
-- export: partitioned by district_code
with paid as (
    -- One row per claim and month it was paid in.
    select distinct
        claim_id,
        date_trunc('month', payment_date)::date as payment_month
    from payment_facts
    where claim_id is not null
),

placed as (
    select
        claim_id,
        payment_month,
        lag(payment_month) over (partition by claim_id order by payment_month)
            as prev_payment_month
    from paid
),

paid_claims as (
    select
        o.district_code,
        c.office_code,
        c.benefit,
        c.claimant_group,
        c.age_band,
        p.payment_month,
        p.prev_payment_month,
        date_trunc('month', c.start_date)::date as start_month,
        date_trunc('month', c.end_date)::date as end_month,
        c.record_key
    from placed as p
    join claims as c using (claim_id)
    join offices as o on o.office_code = c.office_code
),

judged as (
    select
        *,
        start_month <= payment_month and (end_month is null or end_month >= payment_month)
            as live_in_month
    from paid_claims
)

select
    district_code,
    office_code,
    benefit,
    claimant_group,
    age_band,
    payment_month,
    prev_payment_month,
    live_in_month,
    case when not live_in_month then start_month end as claim_start_month,
    case when not live_in_month then end_month end as claim_end_month,
    count(*) as recipients,
    sum(record_key)::bigint as recipients_key
from judged
group by all
order by payment_month, office_code, benefit, claimant_group, age_band, prev_payment_month
