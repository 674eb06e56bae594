-- rejected_rows: the rejected rows themselves, with the rule each broke and its original values.
-- Returns: table_name, source_file, source_row, rule, raw (JSON text), at most $limit rows.
-- Parameters: $limit.
select table_name, source_file, source_row, rule, raw
from rejects
order by table_name, source_row
limit $limit
