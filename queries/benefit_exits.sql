-- benefit_exits: claims that started in the period, and how many had left benefit by the 13th,
-- 26th, 39th and 52nd week. For W weeks (7W days: 91, 182, 273, 364) a claim is judged only once
-- its window has passed: mature_Ww when start_date + 7W days <= extract_date. Of those, it
-- exited when its end_date is not null and end_date <= start_date + 7W days, and exited into
-- work when it also ended with end_reason job_entry. A claim still open has not exited; an
-- immature claim is neither exited nor not: it is left out of the rates.
-- Counts each claim in its own office (and that office's district) and the month of its
-- start_date; the filters apply to the claim.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), and for W in 13, 26, 39, 52: mature_Ww, exited_Ww, exit_rate_Ww,
--   exited_to_work_Ww, exit_to_work_rate_Ww (both rates over mature_Ww).
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the claims it counts; 0 when it is 0; not reduced modulo 4096): mature_13w_key,
--   exited_13w_key, exited_to_work_13w_key, mature_26w_key, exited_26w_key,
--   exited_to_work_26w_key, mature_39w_key, exited_39w_key, exited_to_work_39w_key,
--   mature_52w_key, exited_52w_key, exited_to_work_52w_key.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
with boundaries as (
    -- The start months each window's boundary falls in: claims started before month_13w are
    -- all old enough to judge at 13 weeks, claims started after it none are, and within it it
    -- depends on the day (the same for 26, 39 and 52 weeks).
    select
        date_trunc('month', $extract_date::date - 91)::date as month_13w,
        date_trunc('month', $extract_date::date - 182)::date as month_26w,
        date_trunc('month', $extract_date::date - 273)::date as month_39w,
        date_trunc('month', $extract_date::date - 364)::date as month_52w
),

whole_months as (
    -- Every other month, from the counts made at load (claim_exit_months).
    select
        case when $by in ('district', 'office') then m.district_code end as district_code,
        case when $by = 'office' then m.office_code end as office_code,
        case when $by = 'month' then strftime(m.start_month, '%Y-%m') end as month,
        case when m.start_month < b.month_13w then m.started else 0 end as mature_13w,
        case when m.start_month < b.month_13w then m.exited_13w else 0 end as exited_13w,
        case when m.start_month < b.month_13w then m.exited_to_work_13w else 0 end
            as exited_to_work_13w,
        case when m.start_month < b.month_26w then m.started else 0 end as mature_26w,
        case when m.start_month < b.month_26w then m.exited_26w else 0 end as exited_26w,
        case when m.start_month < b.month_26w then m.exited_to_work_26w else 0 end
            as exited_to_work_26w,
        case when m.start_month < b.month_39w then m.started else 0 end as mature_39w,
        case when m.start_month < b.month_39w then m.exited_39w else 0 end as exited_39w,
        case when m.start_month < b.month_39w then m.exited_to_work_39w else 0 end
            as exited_to_work_39w,
        case when m.start_month < b.month_52w then m.started else 0 end as mature_52w,
        case when m.start_month < b.month_52w then m.exited_52w else 0 end as exited_52w,
        case when m.start_month < b.month_52w then m.exited_to_work_52w else 0 end
            as exited_to_work_52w,
        case when m.start_month < b.month_13w then m.started_key else 0 end as mature_13w_key,
        case when m.start_month < b.month_13w then m.exited_13w_key else 0 end
            as exited_13w_key,
        case when m.start_month < b.month_13w then m.exited_to_work_13w_key else 0 end
            as exited_to_work_13w_key,
        case when m.start_month < b.month_26w then m.started_key else 0 end as mature_26w_key,
        case when m.start_month < b.month_26w then m.exited_26w_key else 0 end
            as exited_26w_key,
        case when m.start_month < b.month_26w then m.exited_to_work_26w_key else 0 end
            as exited_to_work_26w_key,
        case when m.start_month < b.month_39w then m.started_key else 0 end as mature_39w_key,
        case when m.start_month < b.month_39w then m.exited_39w_key else 0 end
            as exited_39w_key,
        case when m.start_month < b.month_39w then m.exited_to_work_39w_key else 0 end
            as exited_to_work_39w_key,
        case when m.start_month < b.month_52w then m.started_key else 0 end as mature_52w_key,
        case when m.start_month < b.month_52w then m.exited_52w_key else 0 end
            as exited_52w_key,
        case when m.start_month < b.month_52w then m.exited_to_work_52w_key else 0 end
            as exited_to_work_52w_key
    from claim_exit_months as m
    cross join boundaries as b
    where m.start_month between $period_start and $period_end
      and m.start_month not in (b.month_13w, b.month_26w, b.month_39w, b.month_52w)
      and ($districts is null or list_contains($districts, m.district_code))
      and ($offices is null or list_contains($offices, m.office_code))
      and ($benefits is null or list_contains($benefits, m.benefit))
      and ($groups is null or list_contains($groups, m.claimant_group))
),

boundary_days as (
    -- The boundary months, a start date at a time (claim_exit_days): within them, whether a
    -- claim is old enough to judge depends on the day.
    select
        case when $by in ('district', 'office') then d.district_code end as district_code,
        case when $by = 'office' then d.office_code end as office_code,
        case when $by = 'month' then strftime(d.start_date, '%Y-%m') end as month,
        d.start_date + 91 <= $extract_date::date as mature_13w,
        d.start_date + 182 <= $extract_date::date as mature_26w,
        d.start_date + 273 <= $extract_date::date as mature_39w,
        d.start_date + 364 <= $extract_date::date as mature_52w,
        d.started,
        d.exited_13w,
        d.exited_26w,
        d.exited_39w,
        d.exited_52w,
        d.exited_to_work_13w,
        d.exited_to_work_26w,
        d.exited_to_work_39w,
        d.exited_to_work_52w,
        d.started_key,
        d.exited_13w_key,
        d.exited_26w_key,
        d.exited_39w_key,
        d.exited_52w_key,
        d.exited_to_work_13w_key,
        d.exited_to_work_26w_key,
        d.exited_to_work_39w_key,
        d.exited_to_work_52w_key
    from claim_exit_days as d
    cross join boundaries as b
    where d.start_date between $period_start and $period_end
      -- The same range with constant ends, which lets the scan skip blocks by date.
      and d.start_date between date_trunc('month', $extract_date::date - 364)::date
          and last_day($extract_date::date - 91)
      and date_trunc('month', d.start_date)::date
          in (b.month_13w, b.month_26w, b.month_39w, b.month_52w)
      and ($districts is null or list_contains($districts, d.district_code))
      and ($offices is null or list_contains($offices, d.office_code))
      and ($benefits is null or list_contains($benefits, d.benefit))
      and ($groups is null or list_contains($groups, d.claimant_group))
),

started as (
    select * from whole_months
    union all
    -- A boundary day's claims count only where they are old enough to judge.
    select
        district_code,
        office_code,
        month,
        case when mature_13w then started else 0 end,
        case when mature_13w then exited_13w else 0 end,
        case when mature_13w then exited_to_work_13w else 0 end,
        case when mature_26w then started else 0 end,
        case when mature_26w then exited_26w else 0 end,
        case when mature_26w then exited_to_work_26w else 0 end,
        case when mature_39w then started else 0 end,
        case when mature_39w then exited_39w else 0 end,
        case when mature_39w then exited_to_work_39w else 0 end,
        case when mature_52w then started else 0 end,
        case when mature_52w then exited_52w else 0 end,
        case when mature_52w then exited_to_work_52w else 0 end,
        case when mature_13w then started_key else 0 end,
        case when mature_13w then exited_13w_key else 0 end,
        case when mature_13w then exited_to_work_13w_key else 0 end,
        case when mature_26w then started_key else 0 end,
        case when mature_26w then exited_26w_key else 0 end,
        case when mature_26w then exited_to_work_26w_key else 0 end,
        case when mature_39w then started_key else 0 end,
        case when mature_39w then exited_39w_key else 0 end,
        case when mature_39w then exited_to_work_39w_key else 0 end,
        case when mature_52w then started_key else 0 end,
        case when mature_52w then exited_52w_key else 0 end,
        case when mature_52w then exited_to_work_52w_key else 0 end
    from boundary_days
)

select
    district_code,
    office_code,
    month,
    sum(mature_13w)::bigint as mature_13w,
    sum(exited_13w)::bigint as exited_13w,
    sum(exited_13w)::double / nullif(sum(mature_13w), 0) as exit_rate_13w,
    sum(exited_to_work_13w)::bigint as exited_to_work_13w,
    sum(exited_to_work_13w)::double / nullif(sum(mature_13w), 0) as exit_to_work_rate_13w,
    sum(mature_26w)::bigint as mature_26w,
    sum(exited_26w)::bigint as exited_26w,
    sum(exited_26w)::double / nullif(sum(mature_26w), 0) as exit_rate_26w,
    sum(exited_to_work_26w)::bigint as exited_to_work_26w,
    sum(exited_to_work_26w)::double / nullif(sum(mature_26w), 0) as exit_to_work_rate_26w,
    sum(mature_39w)::bigint as mature_39w,
    sum(exited_39w)::bigint as exited_39w,
    sum(exited_39w)::double / nullif(sum(mature_39w), 0) as exit_rate_39w,
    sum(exited_to_work_39w)::bigint as exited_to_work_39w,
    sum(exited_to_work_39w)::double / nullif(sum(mature_39w), 0) as exit_to_work_rate_39w,
    sum(mature_52w)::bigint as mature_52w,
    sum(exited_52w)::bigint as exited_52w,
    sum(exited_52w)::double / nullif(sum(mature_52w), 0) as exit_rate_52w,
    sum(exited_to_work_52w)::bigint as exited_to_work_52w,
    sum(exited_to_work_52w)::double / nullif(sum(mature_52w), 0) as exit_to_work_rate_52w,
    sum(mature_13w_key)::bigint as mature_13w_key,
    sum(exited_13w_key)::bigint as exited_13w_key,
    sum(exited_to_work_13w_key)::bigint as exited_to_work_13w_key,
    sum(mature_26w_key)::bigint as mature_26w_key,
    sum(exited_26w_key)::bigint as exited_26w_key,
    sum(exited_to_work_26w_key)::bigint as exited_to_work_26w_key,
    sum(mature_39w_key)::bigint as mature_39w_key,
    sum(exited_39w_key)::bigint as exited_39w_key,
    sum(exited_to_work_39w_key)::bigint as exited_to_work_39w_key,
    sum(mature_52w_key)::bigint as mature_52w_key,
    sum(exited_52w_key)::bigint as exited_52w_key,
    sum(exited_to_work_52w_key)::bigint as exited_to_work_52w_key
from started
group by all
