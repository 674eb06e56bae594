-- districts: exported: every district, for the Parquet layout Spark reads (jcp/export.py).
-- Written partitioned by district_code. Parameters: none.
select * from districts
