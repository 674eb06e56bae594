-- payment_facts: FSF payments with their own office's district and, through the claim (when
-- there is one), the claim's benefit and group, in payment_date order.
-- Returns: every fsf_payments column plus district_code, benefit, claimant_group (NULL for
--   partnership grants) and claim_key: the claim's row number in claims, an integer standing
--   for claim_id so that counting distinct recipients is cheap; record_key, the payment's record
--   key (0..4095, from payment_id: see jcp/record_keys.py), and claim_record_key, the paid
--   claim's (claims.record_key; NULL for partnership grants), whose sums the FSF measures return
--   beside their payment and recipient counts.
-- Parameters: none; record_key_of() is the loader's keyed hash (jcp/record_keys.py).
-- reads: fsf_payments, offices, claims
-- export: partitioned by district_code
select
    p.*,
    o.district_code,
    c.benefit,
    c.claimant_group,
    -- claims is written once at load and never changed, so its rowid is a stable integer key.
    c.rowid as claim_key,
    record_key_of('fsf_payments', p.payment_id) as record_key,
    c.record_key as claim_record_key
from fsf_payments as p
join offices as o using (office_code)
left join claims as c using (claim_id)
-- In date order, so that a request for a period skips the blocks outside it; rows of the
-- same day in no fixed order (no result depends on it, and breaking ties on the text id
-- cost a tenth of the table's build).
order by p.payment_date
