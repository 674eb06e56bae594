-- reject_summary: how many rows each contract rule rejected, per table.
-- Returns: table_name, rule_id, rule, rows_rejected, largest first.
-- Parameters: none.
select table_name, rule_id, rule, count(*) as rows_rejected
from rejects
group by all
order by rows_rejected desc, table_name, rule_id
