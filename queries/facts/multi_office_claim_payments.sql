-- multi_office_claim_payments: the payments of claims paid by more than one office, whose
-- recipients fsf_spend counts one payment at a time (see payment_months). Usually few or none.
-- Returns: district_code, office_code, benefit, claimant_group, payment_date, claim_id,
--   claim_key, claim_record_key (the claim's record key, summed once per recipient).
-- Parameters: none.
-- reads: payment_facts
-- export: partitioned by district_code
select
    district_code,
    office_code,
    benefit,
    claimant_group,
    payment_date,
    claim_id,
    claim_key,
    claim_record_key
from payment_facts
where claim_key in (
    select claim_key
    from payment_facts
    where claim_key is not null
    group by claim_key
    having min(office_code) <> max(office_code)
)
order by payment_date, claim_key
