-- loads: exported: one row per table per load (not partitioned; exports combine by adding files).
-- Parameters: none.
select * from loads
