-- deferral_followup: whether deferred initial WFIs were followed up: held within 14 days of
-- the date they were deferred until.
-- Counts deferred WFIs whose deferred_until is in the period and whose 14-day follow-up window
-- has passed (deferred_until + 14 <= extract_date); a deferral still inside its window is
-- neither followed up nor missed, and is left out. Each belongs to its claim's office and
-- district and the month of its deferred_until.
-- held_within_14d: held_date not null and held_date <= deferred_until + 14 (an interview held
-- before deferred_until counts). held_later: held after that. not_held: no held_date as at the
-- extract date, whether or not the claim has ended.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), deferrals_due, held_within_14d, followup_rate, held_later, not_held.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the interviews it counts; 0 when it is 0; not reduced modulo 4096):
--   deferrals_due_key, held_within_14d_key, held_later_key, not_held_key.
-- With $by = district_cell or office_cell (Runner.compare's case-mix adjustment; never a user's
--   request) rows are also split by the claim's benefit, claimant_group and age_band, which are
--   NULL otherwise.
-- With $by = district_month or office_month (Runner.drift's months of every unit; never a user's
--   request) rows are split by unit and month at once, each month counted as with by = month.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
with boundary as (
    -- The month of deferred_until in which the window's end falls: deferrals due before it
    -- are all mature, after it none are, and within it it depends on the day.
    select date_trunc('month', $extract_date::date - 14)::date as until_month
),

whole_months as (
    -- Every month before it, from the counts made at load (deferral_months).
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
                then strftime(m.until_month, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then m.benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then m.claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then m.age_band end as age_band,
        m.deferrals,
        m.held_within_14d,
        m.held_later,
        m.not_held,
        m.deferrals_key,
        m.held_within_14d_key,
        m.held_later_key,
        m.not_held_key
    from deferral_months as m
    cross join boundary as b
    where m.until_month between $period_start and $period_end
      and m.until_month < b.until_month
      and ($districts is null or list_contains($districts, m.district_code))
      and ($offices is null or list_contains($offices, m.office_code))
      and ($benefits is null or list_contains($benefits, m.benefit))
      and ($groups is null or list_contains($groups, m.claimant_group))
),

boundary_deferrals as (
    -- The boundary month, one deferral at a time, up to the last mature day.
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
                then strftime(deferred_until, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then age_band end as age_band,
        1 as deferrals,
        case when held_date <= deferred_until + 14 then 1 else 0 end as held_within_14d,
        case when held_date > deferred_until + 14 then 1 else 0 end as held_later,
        case when held_date is null then 1 else 0 end as not_held,
        record_key as deferrals_key,
        case when held_date <= deferred_until + 14 then record_key else 0 end
            as held_within_14d_key,
        case when held_date > deferred_until + 14 then record_key else 0 end as held_later_key,
        case when held_date is null then record_key else 0 end as not_held_key
    from deferral_facts
    where deferred_until between $period_start and $period_end
      and deferred_until between date_trunc('month', $extract_date::date - 14)::date
          and $extract_date::date - 14
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
),

deferrals as (
    select * from whole_months
    union all
    select * from boundary_deferrals
)

select
    district_code,
    office_code,
    month,
    benefit,
    claimant_group,
    age_band,
    sum(deferrals)::bigint as deferrals_due,
    sum(held_within_14d)::bigint as held_within_14d,
    sum(held_within_14d)::double / sum(deferrals) as followup_rate,
    sum(held_later)::bigint as held_later,
    sum(not_held)::bigint as not_held,
    sum(deferrals_key)::bigint as deferrals_due_key,
    sum(held_within_14d_key)::bigint as held_within_14d_key,
    sum(held_later_key)::bigint as held_later_key,
    sum(not_held_key)::bigint as not_held_key
from deferrals
group by all
