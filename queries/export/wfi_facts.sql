-- wfi_facts: exported: partitioned by district_code and event_month (the due_date's month).
-- Parameters: none.
select *, strftime(due_date, '%Y-%m') as event_month from wfi_facts
