-- job_entries: job entries and how many were sustained for 13 and 26 weeks.
-- Counts job entries whose start_date is in the period. A job is judged only once its window
-- has passed: mature_13w when start_date + 91 days <= extract_date (182 days for 26 weeks).
-- It is sustained when mature and still in work (end_date NULL) or lasted >= 91 (182) days.
-- An immature job is neither sustained nor failed: it is left out of the rate.
-- Returns one row per group with activity: district_code, office_code, month, job_entries,
--   mature_13w, sustained_13w, sustained_13w_rate, mature_26w, sustained_26w, sustained_26w_rate.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
with entries as (
    select
        case when $by in ('district', 'office') then district_code end as district_code,
        case when $by = 'office' then office_code end as office_code,
        case when $by = 'month' then strftime(start_date, '%Y-%m') end as month,
        start_date + 91 <= $extract_date::date as mature_13w,
        start_date + 182 <= $extract_date::date as mature_26w,
        end_date is null as still_in_work,
        date_diff('day', start_date, end_date) as days_in_work
    from job_entry_facts
    where start_date between $period_start and $period_end
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
),

judged as (
    select
        *,
        mature_13w and (still_in_work or days_in_work >= 91) as sustained_13w,
        mature_26w and (still_in_work or days_in_work >= 182) as sustained_26w
    from entries
)

select
    district_code,
    office_code,
    month,
    count(*) as job_entries,
    count(*) filter (where mature_13w) as mature_13w,
    count(*) filter (where sustained_13w) as sustained_13w,
    count(*) filter (where sustained_13w) / nullif(count(*) filter (where mature_13w), 0)
        as sustained_13w_rate,
    count(*) filter (where mature_26w) as mature_26w,
    count(*) filter (where sustained_26w) as sustained_26w,
    count(*) filter (where sustained_26w) / nullif(count(*) filter (where mature_26w), 0)
        as sustained_26w_rate
from judged
group by all
