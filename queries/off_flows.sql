-- off_flows: claims that ended in the period, by where they went, and how long they lasted.
-- Counts claims whose end_date is in the period, each in its own office (and that office's
-- district, from offices) and the month of its end_date. Destinations are the claim's end_reason: to_work (job_entry),
-- to_work_programme (work_programme), to_other_benefit (other_benefit), to_other (other).
-- Each share is the destination's count over ended. median_duration_days is the median of
-- end_date - start_date (calendar days) over the ended claims.
-- Reads the summaries built at load, never claims: the counts from claim_end_months, the
-- lengths from claim_end_lengths. The period is whole months (the runner's month_start and
-- month_end), so a claim's end month decides whether its end_date is in it.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), ended, to_work, to_work_programme, to_other_benefit, to_other,
--   share_to_work, share_to_work_programme, share_to_other_benefit, share_to_other,
--   median_duration_days.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the claims it counts; 0 when it is 0; not reduced modulo 4096): ended_key,
--   to_work_key, to_work_programme_key, to_other_benefit_key, to_other_key.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
with counted as (
    select
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        case when $by = 'month' then end_month end as month_start,
        sum(ended)::bigint as ended,
        sum(to_work)::bigint as to_work,
        sum(to_work_programme)::bigint as to_work_programme,
        sum(to_other_benefit)::bigint as to_other_benefit,
        sum(to_other)::bigint as to_other,
        sum(ended_key)::bigint as ended_key,
        sum(to_work_key)::bigint as to_work_key,
        sum(to_work_programme_key)::bigint as to_work_programme_key,
        sum(to_other_benefit_key)::bigint as to_other_benefit_key,
        sum(to_other_key)::bigint as to_other_key
    from claim_end_months
    where end_month between $period_start and $period_end
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
    group by all
),

lengths as (
    -- The same claims' lengths, one row per group and length: few enough for the window below.
    select
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        case when $by = 'month' then end_month end as month_start,
        length_days,
        sum(claims) as claims
    from claim_end_lengths
    where end_month between $period_start and $period_end
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
    group by all
),

placed as (
    -- Where each length sits in its group's claims ordered by length: positions
    -- [before, before + claims), 0-based, of group_total.
    select
        *,
        sum(claims) over (
            partition by district_code, office_code, month_start
            order by length_days
            rows between unbounded preceding and current row
        ) - claims as before,
        sum(claims) over (partition by district_code, office_code, month_start) as group_total
    from lengths
),

medians as (
    -- The median is the mean of the lengths at the two middle positions (the same one when
    -- the count is odd), as median() gives over the claims themselves.
    select
        district_code,
        office_code,
        month_start,
        (
            min(length_days) filter (
                where before <= floor((group_total - 1) / 2)
                and floor((group_total - 1) / 2) < before + claims
            )
            + min(length_days) filter (
                where before <= floor(group_total / 2)
                and floor(group_total / 2) < before + claims
            )
        )::double / 2 as median_duration_days
    from placed
    group by all
)

-- Both come from the same claims, so each group has its counts and its lengths; a group's
-- district, office and month are NULL where it is not grouped by them, hence the NULL-safe join.
select
    c.district_code,
    c.office_code,
    -- Written as text once a group, not once a row of the summaries.
    strftime(c.month_start, '%Y-%m') as month,
    c.ended,
    c.to_work,
    c.to_work_programme,
    c.to_other_benefit,
    c.to_other,
    c.to_work::double / c.ended as share_to_work,
    c.to_work_programme::double / c.ended as share_to_work_programme,
    c.to_other_benefit::double / c.ended as share_to_other_benefit,
    c.to_other::double / c.ended as share_to_other,
    m.median_duration_days,
    c.ended_key,
    c.to_work_key,
    c.to_work_programme_key,
    c.to_other_benefit_key,
    c.to_other_key
from counted as c
join medians as m
    on m.district_code is not distinct from c.district_code
    and m.office_code is not distinct from c.office_code
    and m.month_start is not distinct from c.month_start
