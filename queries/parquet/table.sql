-- table: one table of the Parquet layout `export-parquet` writes, as the Parquet engine serves it
-- (jcp/measures/parquet.py makes a view of it per exported table): every row of the table's files,
-- with its folder name (district_code=D01) as a column. Folder names stay text, as they are in
-- the database: autocast would read a code such as 001 as 1.
-- Parameters: $files, the table's Parquet files, listed when the engine opens.
select *
from read_parquet($files, hive_partitioning = true, hive_types_autocast = false)
