-- multi_office_claim_payments: exported: the table, but for claim_key. As in payment_facts,
-- the export's claim_key is the claim_id, unique across the databases whose exports combine (a
-- row number is not); claim_id itself is then left out. Partitioned as
-- queries/facts/multi_office_claim_payments.sql declares.
-- Parameters: none.
select
    * exclude (claim_id, claim_key),
    claim_id as claim_key
from multi_office_claim_payments
