-- claim_end_lengths: ended claims counted per office, benefit, group, end month and length in
-- days (end_date - start_date), for off_flows.sql's exact median length: the median of a
-- request's claims is read off the running count of its lengths in order, so a request adds up
-- these counts instead of reading every claim. Nothing else is kept (the destinations and
-- record keys are in claim_end_months), so rows alike in all of these are one row. Kept in
-- office and month order, so that a request for a district or office reads its own blocks.
-- Returns: district_code, office_code, benefit, claimant_group, end_month (first day of the
--   month), length_days, claims.
-- Parameters: none.
-- reads: claims, offices
-- export: partitioned by district_code
with counted as (
    select
        office_code,
        benefit,
        claimant_group,
        date_trunc('month', end_date)::date as end_month,
        date_diff('day', start_date, end_date)::integer as length_days,
        count(*)::integer as claims
    from claims
    where end_date is not null
    group by all
)

-- The district is the office's: added to the counts, not grouped by with every claim.
select
    o.district_code,
    c.*
from counted as c
join offices as o using (office_code)
order by o.district_code, c.office_code, c.end_month, c.length_days
