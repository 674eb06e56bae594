-- rejects: exported: every rejected row with its rule (not partitioned).
-- Parameters: none.
select * from rejects
