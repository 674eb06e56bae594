-- assessment_facts: assessments with their claim's office, district, benefit and group, in
-- assessment_date order.
-- Returns: every assessments column plus office_code, district_code, benefit, claimant_group.
-- Parameters: none.
select
    a.*,
    c.office_code,
    o.district_code,
    c.benefit,
    c.claimant_group
from assessments as a
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
order by a.assessment_date, a.assessment_id
