-- loads: what the database holds: the extract, when it was loaded, and rows per table.
-- Returns: extract_date, source, loaded_at, table_name, source_file, rows_read, accepted,
--   rejected, in the contract's table order.
-- Parameters: none.
select extract_date, source, loaded_at, table_name, source_file, rows_read, accepted, rejected
from loads
order by loaded_at, case table_name
    when 'districts' then 1 when 'offices' then 2 when 'claims' then 3 when 'wfi' then 4
    when 'assessments' then 5 when 'job_entries' then 6 when 'fsf_payments' then 7
    else 8 end
