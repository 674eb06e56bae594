-- wfi_months: exported: partitioned by district_code and event_month (due_month's month).
-- Parameters: none.
select *, strftime(due_month, '%Y-%m') as event_month from wfi_months
