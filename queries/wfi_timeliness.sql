-- wfi_timeliness: how soon new claimants are seen, against the standard of an initial Work
-- Focused Interview within four days of the claim.
-- Counts the initial WFIs of claims whose start_date is in the period, of every benefit
-- (JSA included), whose outcome is attended or failed_to_attend (deferred and waived interviews
-- are not expected within four days; pending ones are undecided). Each belongs to its claim's
-- office and district and the month of the claim's start_date (interview_months, counted at
-- load, carries them).
-- held_within_4d: attended with held_date <= start_date + 4 days. median_days_to_interview:
-- the median of held_date - start_date (calendar days) over attended interviews.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), interviews_expected, held_within_4d, timeliness_rate, attended (the
--   population of the median, published so that the median can be protected by it),
--   failed_to_attend, fta_rate, median_days_to_interview.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the interviews it counts; 0 when it is 0; not reduced modulo 4096):
--   interviews_expected_key, held_within_4d_key, attended_key, failed_to_attend_key.
-- With $by = district_cell or office_cell (Runner.compare's case-mix adjustment; never a user's
--   request) rows are also split by the claim's benefit, claimant_group and age_band, which are
--   NULL otherwise.
-- With $by = district_month or office_month (Runner.drift's months of every unit; never a user's
--   request) rows are split by unit and month at once, each month counted as with by = month.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
with interviews as (
    -- Interviews alike in everything a request filters and groups by, outcome and days to
    -- the interview (NULL unless attended): few enough for the window below.
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
                then strftime(start_month, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then age_band end as age_band,
        outcome,
        days_to_interview,
        sum(interviews) as interviews,
        sum(interviews_key) as interviews_key
    from interview_months
    where start_month between $period_start and $period_end
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
    group by all
),

placed as (
    -- Where each count sits in its group's interviews of that outcome ordered by days to the
    -- interview: positions [before, before + interviews), 0-based, of outcome_total.
    select
        *,
        sum(interviews) over (
            partition by
                district_code, office_code, month, benefit, claimant_group, age_band, outcome
            order by days_to_interview
            rows between unbounded preceding and current row
        ) - interviews as before,
        sum(interviews) over (
            partition by
                district_code, office_code, month, benefit, claimant_group, age_band, outcome
        ) as outcome_total
    from interviews
)

-- The median is the mean of the days at the two middle positions of the attended interviews
-- (the same one when their count is odd), as median() gives over the interviews themselves.
select
    district_code,
    office_code,
    month,
    benefit,
    claimant_group,
    age_band,
    sum(interviews)::bigint as interviews_expected,
    coalesce(sum(interviews) filter (
        where outcome = 'attended' and days_to_interview <= 4
    ), 0)::bigint as held_within_4d,
    coalesce(sum(interviews) filter (
        where outcome = 'attended' and days_to_interview <= 4
    ), 0)::double / sum(interviews) as timeliness_rate,
    coalesce(sum(interviews) filter (where outcome = 'attended'), 0)::bigint as attended,
    coalesce(sum(interviews) filter (where outcome = 'failed_to_attend'), 0)::bigint
        as failed_to_attend,
    coalesce(sum(interviews) filter (where outcome = 'failed_to_attend'), 0)::double
        / sum(interviews) as fta_rate,
    (
        min(days_to_interview) filter (
            where outcome = 'attended'
            and before <= floor((outcome_total - 1) / 2)
            and floor((outcome_total - 1) / 2) < before + interviews
        )
        + min(days_to_interview) filter (
            where outcome = 'attended'
            and before <= floor(outcome_total / 2)
            and floor(outcome_total / 2) < before + interviews
        )
    )::double / 2 as median_days_to_interview,
    sum(interviews_key)::bigint as interviews_expected_key,
    coalesce(sum(interviews_key) filter (
        where outcome = 'attended' and days_to_interview <= 4
    ), 0)::bigint as held_within_4d_key,
    coalesce(sum(interviews_key) filter (where outcome = 'attended'), 0)::bigint as attended_key,
    coalesce(sum(interviews_key) filter (where outcome = 'failed_to_attend'), 0)::bigint
        as failed_to_attend_key
from placed
group by all
