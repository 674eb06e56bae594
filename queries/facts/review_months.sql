-- review_months: each claim's latest review in each month, with its change against the claim's
-- baseline, summed per office, benefit, group, age band (the case-mix cells), review month and
-- next review month, so that
-- distance_travelled adds up a few thousand rows rather than searching every claim's reviews.
-- Exact: periods are whole months, so only a month's latest review can ever be a period's
-- latest (ties on date go to the larger assessment_id, as text), and it is the period's latest
-- exactly when the claim's next review month is after the period; which claims a request
-- counts depends only on review_month and next_review_month (see distance_travelled.sql), both
-- kept here, and every figure it reports is a count or a sum divided by a count. A change is
-- NULL where either score is missing, or where the baseline is dated after the review (it does
-- not count then).
-- Returns: district_code, office_code, benefit, claimant_group, age_band, review_month,
--   next_review_month, claims (claims with a change on at least one dimension),
--   overall_change_sum (sum of each claim's mean change over its dimensions), improved (claims
--   whose mean change is >= 1.0), and for each dimension its change summed (job_search ..
--   stability) and the claims with a change on it (claims_job_search .. claims_stability); and
--   the sums of the record keys of the claims each claim count counts: claims_key,
--   improved_key and claims_job_search_key .. claims_stability_key (a claim is one row here, so its key is
--   summed exactly where the claim is counted).
-- Parameters: none.
-- reads: assessments, claims, offices
-- export: partitioned by district_code
with month_latest as (
    -- In each claim's reviews in order (date, then assessment_id as text), a month's latest is
    -- the one whose next review is in a later month, or that has none; and that next review's
    -- month is the claim's next review month. One ordering of the reviews gives both.
    select
        r.*,
        date_trunc('month', r.assessment_date)::date as review_month,
        date_trunc('month', lead(r.assessment_date) over by_date)::date as next_review_month
    from assessments as r
    where r.kind = 'review'
    window by_date as (partition by r.claim_id order by r.assessment_date, r.assessment_id)
    qualify next_review_month is distinct from review_month
),

-- Each claim's latest review in each month, with its changes and the claim's next review month.
latest_reviews as (
    select
        r.claim_id,
        r.assessment_id,
        r.assessment_date,
        r.review_month,
        r.next_review_month,
        c.office_code,
        o.district_code,
        c.benefit,
        c.claimant_group,
        c.age_band,
        c.record_key,
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
),

per_claim as (
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
    from latest_reviews
)

select
    district_code,
    office_code,
    benefit,
    claimant_group,
    age_band,
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
    count(stability) as claims_stability,
    sum(record_key)::bigint as claims_key,
    coalesce(sum(record_key) filter (where overall_change >= 1.0), 0)::bigint as improved_key,
    coalesce(sum(record_key) filter (where job_search is not null), 0)::bigint
        as claims_job_search_key,
    coalesce(sum(record_key) filter (where work_skills is not null), 0)::bigint
        as claims_work_skills_key,
    coalesce(sum(record_key) filter (where confidence is not null), 0)::bigint
        as claims_confidence_key,
    coalesce(sum(record_key) filter (where health_wellbeing is not null), 0)::bigint
        as claims_health_wellbeing_key,
    coalesce(sum(record_key) filter (where stability is not null), 0)::bigint
        as claims_stability_key
from per_claim
where overall_change is not null
group by all
order by review_month, office_code, benefit, claimant_group, age_band, next_review_month
