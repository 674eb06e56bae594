-- multi_office_claim_payments: exported: partitioned by district_code and event_month
-- (payment_date's month). As in payment_facts, the export's claim_key is the claim_id, unique
-- across the databases whose exports combine (a row number is not).
-- Parameters: none.
select
    * exclude (claim_id, claim_key),
    claim_id as claim_key,
    strftime(payment_date, '%Y-%m') as event_month
from multi_office_claim_payments
