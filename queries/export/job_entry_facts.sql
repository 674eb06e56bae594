-- job_entry_facts: exported: partitioned by district_code and event_month (start_date's month).
-- Parameters: none.
select *, strftime(start_date, '%Y-%m') as event_month from job_entry_facts
