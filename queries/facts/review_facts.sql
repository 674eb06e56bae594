-- review_facts: each claim's latest review in each month, with the claim's office, district,
-- benefit and group, and its change on each dimension against the claim's baseline. A change
-- is NULL where either score is missing, or where the baseline is dated after the review (it
-- does not count then). Built once at load so distance_travelled needs no search per request:
-- periods are whole months, so only a month's latest review can ever be a period's latest
-- (ties on date go to the larger assessment_id, as text), and it is the period's latest
-- exactly when the claim's next review month is after the period (next_review_month).
-- Returns: claim_id, assessment_id, assessment_date, review_month, next_review_month,
--   office_code, district_code, benefit, claimant_group, job_search, work_skills, confidence,
--   health_wellbeing, stability (changes).
-- Parameters: none.
with month_latest as (
    select
        r.*,
        date_trunc('month', r.assessment_date)::date as review_month
    from assessments as r
    where r.kind = 'review'
    qualify row_number() over (
        partition by r.claim_id, date_trunc('month', r.assessment_date)
        order by r.assessment_date desc, r.assessment_id desc
    ) = 1
)

select
    r.claim_id,
    r.assessment_id,
    r.assessment_date,
    r.review_month,
    lead(r.review_month) over (partition by r.claim_id order by r.review_month)
        as next_review_month,
    c.office_code,
    o.district_code,
    c.benefit,
    c.claimant_group,
    case when b.assessment_date <= r.assessment_date then r.job_search - b.job_search end
        as job_search,
    case when b.assessment_date <= r.assessment_date then r.work_skills - b.work_skills end
        as work_skills,
    case when b.assessment_date <= r.assessment_date then r.confidence - b.confidence end
        as confidence,
    case
        when b.assessment_date <= r.assessment_date then r.health_wellbeing - b.health_wellbeing
    end as health_wellbeing,
    case when b.assessment_date <= r.assessment_date then r.stability - b.stability end
        as stability
from month_latest as r
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
left join assessments as b on b.claim_id = r.claim_id and b.kind = 'baseline'
order by r.assessment_date, r.assessment_id
