-- reject_offices: the rows of the loaded extract rejected for breaking the data contract, counted
-- per office they belong to, so each user can be told of rejects in their own offices. Counts
-- only, never a row's values.
-- A claims or fsf_payments row belongs to the office its office_code names; a wfi, assessments or
-- job_entries row to its claim's office: the accepted claim's, or, when the claim was rejected
-- too, the office its rejected rows name (if they all name one). Rows that name no office of the
-- database (districts, offices and fsf_budgets rows; an unknown or empty office code or claim)
-- are in no office's count: the Data page's summary by rule counts every rejected row.
-- Returns: district_code, office_code, table_name, rows_rejected; by district, office, table.
-- Parameters: $offices (NULL: every office).
with named as (
    select
        table_name,
        json_extract_string(raw, '$.office_code') as office_code,
        json_extract_string(raw, '$.claim_id') as claim_id
    from rejects
),

rejected_claims as (
    -- A claim whose every row was rejected: the office its rows name, when they name one.
    select claim_id, min(office_code) as office_code
    from named
    where table_name = 'claims' and claim_id is not null
    group by claim_id
    having count(distinct office_code) = 1
),

attributed as (
    select
        n.table_name,
        case
            when n.table_name in ('claims', 'fsf_payments') then n.office_code
            else coalesce(c.office_code, r.office_code)
        end as office_code
    from named as n
    left join claims as c
        on n.table_name in ('wfi', 'assessments', 'job_entries') and c.claim_id = n.claim_id
    left join rejected_claims as r
        on n.table_name in ('wfi', 'assessments', 'job_entries') and r.claim_id = n.claim_id
)

select
    o.district_code,
    o.office_code,
    a.table_name,
    count(*) as rows_rejected
from attributed as a
join offices as o on o.office_code = a.office_code
where $offices is null or list_contains($offices, o.office_code)
group by all
order by o.district_code, o.office_code, a.table_name
