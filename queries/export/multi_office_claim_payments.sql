-- multi_office_claim_payments: exported: partitioned by district_code and event_month (payment_date's month).
-- Parameters: none.
select *, strftime(payment_date, '%Y-%m') as event_month from multi_office_claim_payments
