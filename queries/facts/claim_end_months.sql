-- claim_end_months: ended claims counted per office, benefit, group and end month, by where they
-- went (the claim's end_reason). off_flows.sql adds these up for its counts rather than reading
-- every claim; its median length comes from claim_end_lengths. A request's period is whole
-- months, so the end month decides, to the day, whether a claim ended in it.
-- Returns: district_code, office_code, benefit, claimant_group, end_month (first day of the
--   month), ended, to_work (end reason job_entry), to_work_programme (work_programme),
--   to_other_benefit (other_benefit), to_other (other); then the sums of the record keys of
--   the claims each counts: ended_key, to_work_key, to_work_programme_key,
--   to_other_benefit_key, to_other_key.
-- Parameters: none.
-- reads: claims, offices
-- export: partitioned by district_code
with ended as (
    select
        office_code,
        benefit,
        claimant_group,
        date_trunc('month', end_date)::date as end_month,
        end_reason,
        record_key
    from claims
    where end_date is not null
),

counted as (
    select
        office_code,
        benefit,
        claimant_group,
        end_month,
        count(*) as ended,
        count(*) filter (where end_reason = 'job_entry') as to_work,
        count(*) filter (where end_reason = 'work_programme') as to_work_programme,
        count(*) filter (where end_reason = 'other_benefit') as to_other_benefit,
        count(*) filter (where end_reason = 'other') as to_other,
        sum(record_key)::bigint as ended_key,
        coalesce(sum(record_key) filter (where end_reason = 'job_entry'), 0)::bigint
            as to_work_key,
        coalesce(sum(record_key) filter (where end_reason = 'work_programme'), 0)::bigint
            as to_work_programme_key,
        coalesce(sum(record_key) filter (where end_reason = 'other_benefit'), 0)::bigint
            as to_other_benefit_key,
        coalesce(sum(record_key) filter (where end_reason = 'other'), 0)::bigint as to_other_key
    from ended
    group by all
)

-- The district is the office's: added to the counts, not grouped by with every claim.
select
    o.district_code,
    c.*
from counted as c
join offices as o using (office_code)
order by c.end_month, c.office_code, c.benefit, c.claimant_group
