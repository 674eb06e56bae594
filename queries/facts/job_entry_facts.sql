-- job_entry_facts: job entries with their claim's office, district, benefit and group, in
-- start_date order.
-- Returns: every job_entries column plus office_code, district_code, benefit, claimant_group.
-- Parameters: none.
select
    j.*,
    c.office_code,
    o.district_code,
    c.benefit,
    c.claimant_group
from job_entries as j
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
-- In date order, so that a request for a period skips the blocks outside it; rows of the
-- same day in no fixed order (no result depends on it, and breaking ties on the text id
-- cost a tenth of the table's build).
order by j.start_date
