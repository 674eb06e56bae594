-- wfi_facts: initial WFIs with what the measures filter and group them by, in due_date order.
-- Returns: every wfi column plus the claim's office_code, district_code, benefit,
--   claimant_group, work_coach_ref and end_date (as claim_end_date).
-- Parameters: none.
select
    w.*,
    c.office_code,
    o.district_code,
    c.benefit,
    c.claimant_group,
    c.work_coach_ref,
    c.end_date as claim_end_date
from wfi as w
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
-- In date order, so that a request for a period skips the blocks outside it; rows of the
-- same day in no fixed order (no result depends on it, and breaking ties on the text id
-- cost a tenth of the table's build).
order by w.due_date
