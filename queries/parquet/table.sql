-- table: one table of the Parquet layout `export-parquet` writes, as the Parquet engine serves it
-- (jcp/measures/parquet.py makes a view of it per exported table): every row of the table's files,
-- with its folder names (district_code=D01/event_month=2025-04) as columns. Folder names stay
-- text, as they are in the database: autocast would read an office code such as 001 as 1.
-- Parameters: $files, the table's Parquet files, listed when the engine opens.
select *
from read_parquet($files, hive_partitioning = true, hive_types_autocast = false)
