-- offices: exported: every office with its district, partitioned by district_code.
-- Parameters: none.
select * from offices
