-- distance_travelled: how far claimants moved towards work, review scores against baseline.
-- For each claim, its latest review dated in the period (per month when grouped by month;
-- ties on date go to the larger assessment_id, compared as text), paired with the claim's
-- baseline if that is dated on or before the review. For each of the five dimensions scored
-- in both, change = review - baseline; a claim's overall change is the mean of those changes.
-- Claims with no dimension scored in both are left out.
-- Returns one row per group with activity: district_code, office_code, month, claims_measured,
--   mean_change, pct_improved (share with overall change >= 1.0), mean_change_job_search,
--   mean_change_work_skills, mean_change_confidence, mean_change_health_wellbeing,
--   mean_change_stability (each over the claims with that dimension in both), and
--   claims_job_search .. claims_stability (how many claims each of those means is over, which
--   disclosure control needs).
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
with changes as (
    -- Each claim's latest review in the period (in each month with by = month): a month's
    -- latest review (review_facts holds no other) whose claim has no review in a later month
    -- of the period. Its changes against the baseline were worked out at load.
    select
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        case when $by = 'month' then strftime(review_month, '%Y-%m') end as month,
        job_search,
        work_skills,
        confidence,
        health_wellbeing,
        stability
    from review_facts
    where review_month between $period_start and $period_end
      and ($by = 'month' or next_review_month is null or next_review_month > $period_end)
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
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
    from changes
)

select
    district_code,
    office_code,
    month,
    count(*) as claims_measured,
    avg(overall_change) as mean_change,
    count(*) filter (where overall_change >= 1.0) / count(*) as pct_improved,
    avg(job_search) as mean_change_job_search,
    avg(work_skills) as mean_change_work_skills,
    avg(confidence) as mean_change_confidence,
    avg(health_wellbeing) as mean_change_health_wellbeing,
    avg(stability) as mean_change_stability,
    count(job_search) as claims_job_search,
    count(work_skills) as claims_work_skills,
    count(confidence) as claims_confidence,
    count(health_wellbeing) as claims_health_wellbeing,
    count(stability) as claims_stability
from per_claim
where overall_change is not null
group by all
