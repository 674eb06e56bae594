-- payment_facts: FSF payments with their own office's district and, through the claim (when
-- there is one), the claim's benefit and group, in payment_date order.
-- Returns: every fsf_payments column plus district_code, benefit, claimant_group (NULL for
--   partnership grants) and claim_key: the claim's row number in claims, an integer standing
--   for claim_id so that counting distinct recipients is cheap.
-- Parameters: none.
select
    p.*,
    o.district_code,
    c.benefit,
    c.claimant_group,
    -- claims is written once at load and never changed, so its rowid is a stable integer key.
    c.rowid as claim_key
from fsf_payments as p
join offices as o using (office_code)
left join claims as c using (claim_id)
order by p.payment_date, p.payment_id
