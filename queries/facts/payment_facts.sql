-- payment_facts: FSF payments with their own office's district and, through the claim (when
-- there is one), the claim's benefit and group, in payment_date order.
-- Returns: every fsf_payments column plus district_code, benefit, claimant_group (NULL for
--   partnership grants).
-- Parameters: none.
select
    p.*,
    o.district_code,
    c.benefit,
    c.claimant_group
from fsf_payments as p
join offices as o using (office_code)
left join claims as c using (claim_id)
order by p.payment_date, p.payment_id
