-- distance_travelled: how far claimants moved towards work, review scores against baseline.
-- For each claim, its latest review dated in the period (per month when grouped by month;
-- ties on date go to the larger assessment_id, compared as text), paired with the claim's
-- baseline if that is dated on or before the review. For each of the five dimensions scored
-- in both, change = review - baseline; a claim's overall change is the mean of those changes.
-- Claims with no dimension scored in both are left out.
-- Returns one row per group with activity: district_code, office_code, month, claims_measured,
--   mean_change, pct_improved (share with overall change >= 1.0), mean_change_job_search,
--   mean_change_work_skills, mean_change_confidence, mean_change_health_wellbeing,
--   mean_change_stability (each over the claims with that dimension in both), claims_improved
--   (the claims pct_improved counts: disclosure control works the published share out from
--   the published counts), and claims_job_search .. claims_stability (how many claims each of
--   those means is over, which disclosure control needs).
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the records it counts; 0 when it is 0; not reduced modulo 4096): claims_measured_key,
--   claims_improved_key, claims_job_search_key .. claims_stability_key.
-- With $by = district_cell or office_cell (Runner.compare's case-mix adjustment; never a user's
--   request) rows are also split by the claim's benefit, claimant_group and age_band, which are
--   NULL otherwise.
-- With $by = district_month or office_month (Runner.drift's months of every unit; never a user's
--   request) rows are split by unit and month at once, each month counted as with by = month.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
with changes as (
    -- Each claim's latest review in the period (in each month with by = month): a month's
    -- latest review (review_months holds no other) whose claim has no review in a later month
    -- of the period. Its changes against the baseline were worked out, and claims alike in
    -- everything a request filters and groups by were summed, at load (review_months).
    select
        case
            when $by in (
                'district', 'office', 'district_cell', 'office_cell',
                'district_month', 'office_month'
            )
                then district_code
        end as district_code,
        case when $by in ('office', 'office_cell', 'office_month') then office_code end
            as office_code,
        case
            when $by in ('month', 'district_month', 'office_month')
                then strftime(review_month, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then age_band end as age_band,
        claims,
        overall_change_sum,
        improved,
        job_search,
        work_skills,
        confidence,
        health_wellbeing,
        stability,
        claims_job_search,
        claims_work_skills,
        claims_confidence,
        claims_health_wellbeing,
        claims_stability,
        claims_key,
        improved_key,
        claims_job_search_key,
        claims_work_skills_key,
        claims_confidence_key,
        claims_health_wellbeing_key,
        claims_stability_key
    from review_months
    where review_month between $period_start and $period_end
      and (
          $by in ('month', 'district_month', 'office_month')
          or next_review_month is null
          or next_review_month > $period_end
      )
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
)

-- Means and shares are sums over counts, divided once, in double on every engine.
select
    district_code,
    office_code,
    month,
    benefit,
    claimant_group,
    age_band,
    sum(claims)::bigint as claims_measured,
    sum(overall_change_sum) / sum(claims) as mean_change,
    sum(improved)::double / sum(claims) as pct_improved,
    sum(improved)::bigint as claims_improved,
    sum(job_search)::double / nullif(sum(claims_job_search), 0) as mean_change_job_search,
    sum(work_skills)::double / nullif(sum(claims_work_skills), 0) as mean_change_work_skills,
    sum(confidence)::double / nullif(sum(claims_confidence), 0) as mean_change_confidence,
    sum(health_wellbeing)::double / nullif(sum(claims_health_wellbeing), 0)
        as mean_change_health_wellbeing,
    sum(stability)::double / nullif(sum(claims_stability), 0) as mean_change_stability,
    sum(claims_job_search)::bigint as claims_job_search,
    sum(claims_work_skills)::bigint as claims_work_skills,
    sum(claims_confidence)::bigint as claims_confidence,
    sum(claims_health_wellbeing)::bigint as claims_health_wellbeing,
    sum(claims_stability)::bigint as claims_stability,
    sum(claims_key)::bigint as claims_measured_key,
    sum(improved_key)::bigint as claims_improved_key,
    sum(claims_job_search_key)::bigint as claims_job_search_key,
    sum(claims_work_skills_key)::bigint as claims_work_skills_key,
    sum(claims_confidence_key)::bigint as claims_confidence_key,
    sum(claims_health_wellbeing_key)::bigint as claims_health_wellbeing_key,
    sum(claims_stability_key)::bigint as claims_stability_key
from changes
group by all
