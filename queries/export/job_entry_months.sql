-- job_entry_months: exported: partitioned by district_code and event_month (start_month's month).
-- Parameters: none.
select *, strftime(start_month, '%Y-%m') as event_month from job_entry_months
