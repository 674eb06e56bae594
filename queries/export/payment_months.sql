-- payment_months: exported: partitioned by district_code and event_month (payment_month's month).
-- Parameters: none.
select *, strftime(payment_month, '%Y-%m') as event_month from payment_months
