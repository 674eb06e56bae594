-- deferred_wfi: exported: the overdue worklist's candidates, partitioned by district_code.
-- Parameters: none.
select * from deferred_wfi
