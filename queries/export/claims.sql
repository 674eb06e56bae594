-- claims: exported: validated claims with their office's district, which the claims table does
-- not hold and its export is partitioned by (jcp/facts.py BASE_EXPORTS). The measures read only
-- the facts; the catalogue reads claims for the first month.
-- Parameters: none.
select c.*, o.district_code
from claims as c
join offices as o using (office_code)
