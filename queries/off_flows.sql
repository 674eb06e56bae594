-- off_flows: claims that ended in the period, by where they went, and how long they lasted.
-- Counts claims whose end_date is in the period, each in its own office (and that office's
-- district, from offices) and the month of its end_date. Destinations are the claim's end_reason: to_work (job_entry),
-- to_work_programme (work_programme), to_other_benefit (other_benefit), to_other (other).
-- Each share is the destination's count over ended. median_duration_days is the median of
-- end_date - start_date (calendar days) over the ended claims.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), ended, to_work, to_work_programme, to_other_benefit, to_other,
--   share_to_work, share_to_work_programme, share_to_other_benefit, share_to_other,
--   median_duration_days.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the claims it counts; 0 when it is 0; not reduced modulo 4096): ended_key,
--   to_work_key, to_work_programme_key, to_other_benefit_key, to_other_key.
-- Parameters: $by, $period_start, $period_end, $districts, $offices, $benefits, $groups.
with ended as (
    -- Claims alike in everything a request groups by, destination and length: few enough
    -- for the window below.
    select
        case when $by in ('district', 'office') then o.district_code end as district_code,
        case when $by = 'office' then c.office_code end as office_code,
        case when $by = 'month' then strftime(c.end_date, '%Y-%m') end as month,
        c.end_reason,
        datediff('day', c.start_date, c.end_date) as duration_days,
        count(*) as claims,
        sum(c.record_key) as claims_key
    from claims as c
    join offices as o on o.office_code = c.office_code
    where c.end_date between $period_start and $period_end
      and ($districts is null or list_contains($districts, o.district_code))
      and ($offices is null or list_contains($offices, c.office_code))
      and ($benefits is null or list_contains($benefits, c.benefit))
      and ($groups is null or list_contains($groups, c.claimant_group))
    group by all
),

placed as (
    -- Where each count sits in its group's claims ordered by length: positions
    -- [before, before + claims), 0-based, of group_total.
    select
        *,
        sum(claims) over (
            partition by district_code, office_code, month
            order by duration_days
            rows between unbounded preceding and current row
        ) - claims as before,
        sum(claims) over (partition by district_code, office_code, month) as group_total
    from ended
)

-- The median is the mean of the lengths at the two middle positions (the same one when the
-- count is odd), as median() gives over the claims themselves.
select
    district_code,
    office_code,
    month,
    sum(claims)::bigint as ended,
    coalesce(sum(claims) filter (where end_reason = 'job_entry'), 0)::bigint as to_work,
    coalesce(sum(claims) filter (where end_reason = 'work_programme'), 0)::bigint
        as to_work_programme,
    coalesce(sum(claims) filter (where end_reason = 'other_benefit'), 0)::bigint
        as to_other_benefit,
    coalesce(sum(claims) filter (where end_reason = 'other'), 0)::bigint as to_other,
    coalesce(sum(claims) filter (where end_reason = 'job_entry'), 0)::double
        / sum(claims) as share_to_work,
    coalesce(sum(claims) filter (where end_reason = 'work_programme'), 0)::double
        / sum(claims) as share_to_work_programme,
    coalesce(sum(claims) filter (where end_reason = 'other_benefit'), 0)::double
        / sum(claims) as share_to_other_benefit,
    coalesce(sum(claims) filter (where end_reason = 'other'), 0)::double
        / sum(claims) as share_to_other,
    (
        min(duration_days) filter (
            where before <= floor((group_total - 1) / 2)
            and floor((group_total - 1) / 2) < before + claims
        )
        + min(duration_days) filter (
            where before <= floor(group_total / 2)
            and floor(group_total / 2) < before + claims
        )
    )::double / 2 as median_duration_days,
    sum(claims_key)::bigint as ended_key,
    coalesce(sum(claims_key) filter (where end_reason = 'job_entry'), 0)::bigint as to_work_key,
    coalesce(sum(claims_key) filter (where end_reason = 'work_programme'), 0)::bigint
        as to_work_programme_key,
    coalesce(sum(claims_key) filter (where end_reason = 'other_benefit'), 0)::bigint
        as to_other_benefit_key,
    coalesce(sum(claims_key) filter (where end_reason = 'other'), 0)::bigint as to_other_key
from placed
group by all
