-- claim_restarts: claims that ended in the period, and how many of them restarted: the same
-- claimant made another claim (a different claim_id) starting on or after the end date and no
-- later than 91 (182) days after it. A claim is judged only once its window has passed:
-- mature_91d when end_date + 91 days <= extract_date (182 days for mature_182d). An immature
-- claim is neither restarted nor not: it is left out of the rate. The _to_work columns are the
-- 182-day figures for claims that ended into work (end_reason job_entry).
-- Counts each claim in its own office (and that office's district) and the month of its
-- end_date; the filters apply to the ending claim.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), ended, mature_91d, restarted_91d, restart_rate_91d, mature_182d,
--   restarted_182d, restart_rate_182d, mature_182d_to_work, restarted_182d_to_work,
--   restart_rate_182d_to_work.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the claims it counts; 0 when it is 0; not reduced modulo 4096): ended_key,
--   mature_91d_key, restarted_91d_key, mature_182d_key, restarted_182d_key,
--   mature_182d_to_work_key, restarted_182d_to_work_key.
-- With $by = district_cell or office_cell (Runner.compare's case-mix adjustment; never a user's
--   request) rows are also split by the claim's benefit, claimant_group and age_band, which are
--   NULL otherwise.
-- With $by = district_month or office_month (Runner.drift's months of every unit; never a user's
--   request) rows are split by unit and month at once, each month counted as with by = month.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
with boundaries as (
    -- The end months each window's boundary falls in: claims that ended before month_91d are
    -- all old enough to judge at 91 days, claims that ended after it none are, and within it it
    -- depends on the day (the same for 182 days).
    select
        date_trunc('month', $extract_date::date - 91)::date as month_91d,
        date_trunc('month', $extract_date::date - 182)::date as month_182d
),

whole_months as (
    -- Every other month, from the counts made at load (claim_restart_months).
    select
        case
            when $by in (
                'district', 'office', 'district_cell', 'office_cell',
                'district_month', 'office_month'
            )
                then m.district_code
        end as district_code,
        case when $by in ('office', 'office_cell', 'office_month') then m.office_code end
            as office_code,
        case
            when $by in ('month', 'district_month', 'office_month')
                then strftime(m.end_month, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then m.benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then m.claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then m.age_band end as age_band,
        m.ended,
        case when m.end_month < b.month_91d then m.ended else 0 end as mature_91d,
        case when m.end_month < b.month_91d then m.restarted_91d else 0 end as restarted_91d,
        case when m.end_month < b.month_182d then m.ended else 0 end as mature_182d,
        case when m.end_month < b.month_182d then m.restarted_182d else 0 end as restarted_182d,
        case when m.end_month < b.month_182d then m.ended_to_work else 0 end
            as mature_182d_to_work,
        case when m.end_month < b.month_182d then m.restarted_182d_to_work else 0 end
            as restarted_182d_to_work,
        m.ended_key,
        case when m.end_month < b.month_91d then m.ended_key else 0 end as mature_91d_key,
        case when m.end_month < b.month_91d then m.restarted_91d_key else 0 end
            as restarted_91d_key,
        case when m.end_month < b.month_182d then m.ended_key else 0 end as mature_182d_key,
        case when m.end_month < b.month_182d then m.restarted_182d_key else 0 end
            as restarted_182d_key,
        case when m.end_month < b.month_182d then m.ended_to_work_key else 0 end
            as mature_182d_to_work_key,
        case when m.end_month < b.month_182d then m.restarted_182d_to_work_key else 0 end
            as restarted_182d_to_work_key
    from claim_restart_months as m
    cross join boundaries as b
    where m.end_month between $period_start and $period_end
      and m.end_month <> b.month_91d
      and m.end_month <> b.month_182d
      and ($districts is null or list_contains($districts, m.district_code))
      and ($offices is null or list_contains($offices, m.office_code))
      and ($benefits is null or list_contains($benefits, m.benefit))
      and ($groups is null or list_contains($groups, m.claimant_group))
),

boundary_claims as (
    -- The boundary months, one claim at a time.
    select
        case
            when $by in (
                'district', 'office', 'district_cell', 'office_cell',
                'district_month', 'office_month'
            )
                then f.district_code
        end as district_code,
        case when $by in ('office', 'office_cell', 'office_month') then f.office_code end
            as office_code,
        case
            when $by in ('month', 'district_month', 'office_month')
                then strftime(f.end_date, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then f.benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then f.claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then f.age_band end as age_band,
        f.end_date + 91 <= $extract_date::date as mature_91d,
        f.end_date + 182 <= $extract_date::date as mature_182d,
        coalesce(f.restart_days <= 91, false) as restarted_91d,
        coalesce(f.restart_days <= 182, false) as restarted_182d,
        f.to_work,
        f.record_key
    from claim_restart_facts as f
    cross join boundaries as b
    where f.end_date between $period_start and $period_end
      -- The same range with constant ends, which lets the scan skip blocks by date.
      and f.end_date between date_trunc('month', $extract_date::date - 182)::date
          and last_day($extract_date::date - 91)
      and (
          f.end_date between b.month_91d and last_day(b.month_91d)
          or f.end_date between b.month_182d and last_day(b.month_182d)
      )
      and ($districts is null or list_contains($districts, f.district_code))
      and ($offices is null or list_contains($offices, f.office_code))
      and ($benefits is null or list_contains($benefits, f.benefit))
      and ($groups is null or list_contains($groups, f.claimant_group))
),

ended as (
    select * from whole_months
    union all
    select
        district_code,
        office_code,
        month,
        benefit,
        claimant_group,
        age_band,
        1,
        mature_91d::integer,
        (mature_91d and restarted_91d)::integer,
        mature_182d::integer,
        (mature_182d and restarted_182d)::integer,
        (mature_182d and to_work)::integer,
        (mature_182d and to_work and restarted_182d)::integer,
        record_key,
        case when mature_91d then record_key else 0 end,
        case when mature_91d and restarted_91d then record_key else 0 end,
        case when mature_182d then record_key else 0 end,
        case when mature_182d and restarted_182d then record_key else 0 end,
        case when mature_182d and to_work then record_key else 0 end,
        case when mature_182d and to_work and restarted_182d then record_key else 0 end
    from boundary_claims
)

select
    district_code,
    office_code,
    month,
    benefit,
    claimant_group,
    age_band,
    sum(ended)::bigint as ended,
    sum(mature_91d)::bigint as mature_91d,
    sum(restarted_91d)::bigint as restarted_91d,
    sum(restarted_91d)::double / nullif(sum(mature_91d), 0) as restart_rate_91d,
    sum(mature_182d)::bigint as mature_182d,
    sum(restarted_182d)::bigint as restarted_182d,
    sum(restarted_182d)::double / nullif(sum(mature_182d), 0) as restart_rate_182d,
    sum(mature_182d_to_work)::bigint as mature_182d_to_work,
    sum(restarted_182d_to_work)::bigint as restarted_182d_to_work,
    sum(restarted_182d_to_work)::double / nullif(sum(mature_182d_to_work), 0)
        as restart_rate_182d_to_work,
    sum(ended_key)::bigint as ended_key,
    sum(mature_91d_key)::bigint as mature_91d_key,
    sum(restarted_91d_key)::bigint as restarted_91d_key,
    sum(mature_182d_key)::bigint as mature_182d_key,
    sum(restarted_182d_key)::bigint as restarted_182d_key,
    sum(mature_182d_to_work_key)::bigint as mature_182d_to_work_key,
    sum(restarted_182d_to_work_key)::bigint as restarted_182d_to_work_key
from ended
group by all
