-- job_entries: job entries and how many were sustained for 13 and 26 weeks.
-- Counts job entries whose start_date is in the period. A job is judged only once its window
-- has passed: mature_13w when start_date + 91 days <= extract_date (182 days for 26 weeks).
-- It is sustained when mature and still in work (end_date NULL) or lasted >= 91 (182) days.
-- An immature job is neither sustained nor failed: it is left out of the rate.
-- Returns one row per group with activity: district_code, office_code, month, job_entries,
--   mature_13w, sustained_13w, sustained_13w_rate, mature_26w, sustained_26w, sustained_26w_rate.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the records it counts; 0 when it is 0; not reduced modulo 4096): job_entries_key,
--   mature_13w_key, sustained_13w_key, mature_26w_key, sustained_26w_key.
-- With $by = district_cell or office_cell (Runner.compare's case-mix adjustment; never a user's
--   request) rows are also split by the claim's benefit, claimant_group and age_band, which are
--   NULL otherwise.
-- With $by = district_month or office_month (Runner.drift's months of every unit; never a user's
--   request) rows are split by unit and month at once, each month counted as with by = month.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
with boundaries as (
    -- The start months each window's boundary falls in: jobs started before month_13w are
    -- all old enough to judge at 13 weeks, jobs started after it none are, and within it it
    -- depends on the day (the same for 26 weeks).
    select
        date_trunc('month', $extract_date::date - 91)::date as month_13w,
        date_trunc('month', $extract_date::date - 182)::date as month_26w
),

whole_months as (
    -- Every other month, from the counts made at load (job_entry_months).
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
                then strftime(m.start_month, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then m.benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then m.claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then m.age_band end as age_band,
        m.job_entries,
        case when m.start_month < b.month_13w then m.job_entries else 0 end as mature_13w,
        case when m.start_month < b.month_13w then m.lasted_13w else 0 end as sustained_13w,
        case when m.start_month < b.month_26w then m.job_entries else 0 end as mature_26w,
        case when m.start_month < b.month_26w then m.lasted_26w else 0 end as sustained_26w,
        m.job_entries_key,
        case when m.start_month < b.month_13w then m.job_entries_key else 0 end as mature_13w_key,
        case when m.start_month < b.month_13w then m.lasted_13w_key else 0 end
            as sustained_13w_key,
        case when m.start_month < b.month_26w then m.job_entries_key else 0 end as mature_26w_key,
        case when m.start_month < b.month_26w then m.lasted_26w_key else 0 end
            as sustained_26w_key
    from job_entry_months as m
    cross join boundaries as b
    where m.start_month between $period_start and $period_end
      and m.start_month <> b.month_13w
      and m.start_month <> b.month_26w
      and ($districts is null or list_contains($districts, m.district_code))
      and ($offices is null or list_contains($offices, m.office_code))
      and ($benefits is null or list_contains($benefits, m.benefit))
      and ($groups is null or list_contains($groups, m.claimant_group))
),

boundary_jobs as (
    -- The boundary months, one job at a time.
    select
        case
            when $by in (
                'district', 'office', 'district_cell', 'office_cell',
                'district_month', 'office_month'
            )
                then j.district_code
        end as district_code,
        case when $by in ('office', 'office_cell', 'office_month') then j.office_code end
            as office_code,
        case
            when $by in ('month', 'district_month', 'office_month')
                then strftime(j.start_date, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then j.benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then j.claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then j.age_band end as age_band,
        j.start_date + 91 <= $extract_date::date as mature_13w,
        j.start_date + 182 <= $extract_date::date as mature_26w,
        j.end_date is null or date_diff('day', j.start_date, j.end_date) >= 91 as lasted_13w,
        j.end_date is null or date_diff('day', j.start_date, j.end_date) >= 182 as lasted_26w,
        j.record_key
    from job_entry_facts as j
    cross join boundaries as b
    where j.start_date between $period_start and $period_end
      -- The same range with constant ends, which lets the scan skip blocks by date.
      and j.start_date between date_trunc('month', $extract_date::date - 182)::date
          and last_day($extract_date::date - 91)
      and (
          j.start_date between b.month_13w and last_day(b.month_13w)
          or j.start_date between b.month_26w and last_day(b.month_26w)
      )
      and ($districts is null or list_contains($districts, j.district_code))
      and ($offices is null or list_contains($offices, j.office_code))
      and ($benefits is null or list_contains($benefits, j.benefit))
      and ($groups is null or list_contains($groups, j.claimant_group))
),

entries as (
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
        mature_13w::integer,
        (mature_13w and lasted_13w)::integer,
        mature_26w::integer,
        (mature_26w and lasted_26w)::integer,
        record_key,
        case when mature_13w then record_key else 0 end,
        case when mature_13w and lasted_13w then record_key else 0 end,
        case when mature_26w then record_key else 0 end,
        case when mature_26w and lasted_26w then record_key else 0 end
    from boundary_jobs
)

select
    district_code,
    office_code,
    month,
    benefit,
    claimant_group,
    age_band,
    sum(job_entries)::bigint as job_entries,
    sum(mature_13w)::bigint as mature_13w,
    sum(sustained_13w)::bigint as sustained_13w,
    sum(sustained_13w)::double / nullif(sum(mature_13w), 0) as sustained_13w_rate,
    sum(mature_26w)::bigint as mature_26w,
    sum(sustained_26w)::bigint as sustained_26w,
    sum(sustained_26w)::double / nullif(sum(mature_26w), 0) as sustained_26w_rate,
    sum(job_entries_key)::bigint as job_entries_key,
    sum(mature_13w_key)::bigint as mature_13w_key,
    sum(sustained_13w_key)::bigint as sustained_13w_key,
    sum(mature_26w_key)::bigint as mature_26w_key,
    sum(sustained_26w_key)::bigint as sustained_26w_key
from entries
group by all
