-- payment_facts: exported: partitioned by district_code and event_month (payment_date's month).
-- In one database claim_key is the claim's row number, which exports from several databases
-- (one per district) would repeat; the export's claim_key is the claim_id itself, unique
-- everywhere, so distinct recipients still count each claim once when partitions combine.
-- Parameters: none.
select
    * exclude (claim_key),
    claim_id as claim_key,
    strftime(payment_date, '%Y-%m') as event_month
from payment_facts
