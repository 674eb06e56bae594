-- claims: exported: validated claims with their office's district, partitioned by district_code.
-- The measures read only the facts below; the catalogue reads claims for the first month.
-- Parameters: none.
select c.*, o.district_code
from claims as c
join offices as o using (office_code)
