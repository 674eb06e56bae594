-- review_months: review_facts summed per office, benefit, group, review month and next review
-- month, so that distance_travelled adds up a few thousand rows rather than reading every
-- claim's review. Exact: which claims a request counts depends only on review_month and
-- next_review_month (see distance_travelled.sql), both kept here, and every figure it reports
-- is a count or a sum divided by a count. Built after review_facts (file names build in order).
-- Returns: district_code, office_code, benefit, claimant_group, review_month,
--   next_review_month, claims (claims with a change on at least one dimension),
--   overall_change_sum (sum of each claim's mean change over its dimensions), improved (claims
--   whose mean change is >= 1.0), and for each dimension its change summed (job_search ..
--   stability) and the claims with a change on it (claims_job_search .. claims_stability).
-- Parameters: none.
with per_claim as (
    select
        *,
        -- The mean over the dimensions scored in both assessments (NULLs skipped), written
        -- out rather than with list_avg so that every engine reads it the same way.
        (
            coalesce(job_search, 0) + coalesce(work_skills, 0) + coalesce(confidence, 0)
            + coalesce(health_wellbeing, 0) + coalesce(stability, 0)
        ) / nullif(
            (job_search is not null)::integer + (work_skills is not null)::integer
            + (confidence is not null)::integer + (health_wellbeing is not null)::integer
            + (stability is not null)::integer,
            0
        ) as overall_change
    from review_facts
)

select
    district_code,
    office_code,
    benefit,
    claimant_group,
    review_month,
    next_review_month,
    count(*) as claims,
    sum(overall_change) as overall_change_sum,
    count(*) filter (where overall_change >= 1.0) as improved,
    sum(job_search)::bigint as job_search,
    sum(work_skills)::bigint as work_skills,
    sum(confidence)::bigint as confidence,
    sum(health_wellbeing)::bigint as health_wellbeing,
    sum(stability)::bigint as stability,
    count(job_search) as claims_job_search,
    count(work_skills) as claims_work_skills,
    count(confidence) as claims_confidence,
    count(health_wellbeing) as claims_health_wellbeing,
    count(stability) as claims_stability
from per_claim
where overall_change is not null
group by all
order by review_month, office_code, benefit, claimant_group, next_review_month
