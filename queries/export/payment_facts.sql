-- payment_facts: exported: the table, but for claim_key. In one database claim_key is the
-- claim's row number, which exports from several databases (one per district) would repeat;
-- the export's claim_key is the claim_id itself, unique everywhere, so distinct recipients still
-- count each claim once when partitions combine. Partitioned as queries/facts/payment_facts.sql
-- declares.
-- Parameters: none.
select
    * exclude (claim_key),
    claim_id as claim_key
from payment_facts
