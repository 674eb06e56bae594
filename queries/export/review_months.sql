-- review_months: exported: partitioned by district_code and event_month (review_month's month).
-- Parameters: none.
select *, strftime(review_month, '%Y-%m') as event_month from review_months
