-- fsf_budgets: exported: each district's allocation per financial year, partitioned by
-- district_code. Parameters: none.
select * from fsf_budgets
