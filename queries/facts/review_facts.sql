-- review_facts: every review assessment with its claim's office, district, benefit and group,
-- and its change on each dimension against the claim's baseline. A change is NULL where either
-- score is missing, or where the baseline is dated after the review (it does not count then).
-- Built once at load so distance_travelled only has to pick each claim's latest review.
-- Returns: claim_id, assessment_id, assessment_date, office_code, district_code, benefit,
--   claimant_group, job_search, work_skills, confidence, health_wellbeing, stability (changes).
-- Parameters: none.
select
    r.claim_id,
    r.assessment_id,
    r.assessment_date,
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
from assessments as r
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
left join assessments as b on b.claim_id = r.claim_id and b.kind = 'baseline'
where r.kind = 'review'
order by r.assessment_date, r.assessment_id
