-- catalogue: what requests are checked against and the sidebar offers.
-- One row per office (and per district with no offices), with names for display, plus the
-- extract date of the load and the month of the earliest claim on every row.
-- Returns: district_code, district_name, office_code, office_name, extract_date, first_month.
-- Parameters: none.
select
    d.district_code,
    d.district_name,
    o.office_code,
    o.office_name,
    (select max(extract_date) from loads) as extract_date,
    (select strftime(min(start_date), '%Y-%m') from claims) as first_month
from districts as d
left join offices as o using (district_code)
order by d.district_code, o.office_code
