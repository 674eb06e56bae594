-- fsf_uptake: how many claims live in the period were paid from the Flexible Support Fund.
-- live_claims counts claims live at any time in the period: start_date <= the period's last
-- day and (end_date NULL or end_date >= its first day); recipients, those of them with at
-- least one FSF payment (by any office) dated in the period; uptake_per_100 =
-- 100 x recipients / live_claims. A claim belongs to its own office (and that office's
-- district), whichever office paid it; benefit and group filters apply to the claim.
-- Partnership grants have no claim, so are never recipients. With by = month each month is
-- its own period: a claim live (and paid) in two months counts in both.
-- Returns one row per group with activity: district_code, office_code, month (NULL unless
--   grouped by them), live_claims, recipients, uptake_per_100.
--   Then, for the cell-key method, each count's record key sum (the sum of the record keys of
--   exactly the claims it counts; 0 when it is 0; not reduced modulo 4096): live_claims_key,
--   recipients_key (each recipient claim's key once, as it is counted once).
-- The extract date bounds the period: a month (or period) starting after it reports nothing.
-- With $by = district_cell or office_cell (Runner.compare's case-mix adjustment; never a user's
--   request) rows are also split by the claim's benefit, claimant_group and age_band, which are
--   NULL otherwise.
-- With $by = district_month or office_month (Runner.drift's months of every unit; never a user's
--   request) rows are split by unit and month at once, each month counted as with by = month.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
-- The claims live in a period of whole months are those live at the end of the day before it
-- (started before it, not ended before it) and those starting in it: the first from the
-- running total live_claim_months keeps (valid until next_flow_month), the second from its
-- starts, so no claim is read. Recipients come from fsf_recipient_months, where each claim is
-- counted once over any run of whole months (see its header).
with reported as (
    -- The months reported: each month of the period (by = month) or the period as a whole.
    select strftime(m, '%Y-%m') as month, m::date as first_month, last_day(m::date) as last_date
    from (
        -- unnest in the select list, which every engine reads the same way (Spark: explode).
        select unnest(generate_series($period_start::date, $period_end::date, interval 1 month))
            as m
    ) as t
    -- Nothing is known after the extract date: a month starting after it has no live claims
    -- (a claim open at the extract date is not known to be live then), nor a period.
    where $by in ('month', 'district_month', 'office_month')
      and m::date <= $extract_date::date
    union all
    select null, $period_start::date, $period_end::date
    where $by not in ('month', 'district_month', 'office_month')
      and $period_start::date <= $extract_date::date
),

opening as (
    -- Claims live at the end of the month before each reported month or period: per office,
    -- benefit, group and age band, the running total of its last month with flows before then.
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
        r.month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then f.benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then f.claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then f.age_band end as age_band,
        f.live as live_claims,
        f.live_key as live_claims_key
    from live_claim_months as f
    join reported as r
        on f.flow_month < r.first_month
        and (f.next_flow_month is null or f.next_flow_month >= r.first_month)
    -- What the join implies, with constant ends, so that fewer rows reach it.
    where f.flow_month < $period_end
      and (f.next_flow_month is null or f.next_flow_month >= $period_start)
      and ($districts is null or list_contains($districts, f.district_code))
      and ($offices is null or list_contains($offices, f.office_code))
      and ($benefits is null or list_contains($benefits, f.benefit))
      and ($groups is null or list_contains($groups, f.claimant_group))
),

started as (
    -- Claims starting within each reported month or period.
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
        r.month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then f.benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then f.claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then f.age_band end as age_band,
        f.starts as live_claims,
        f.starts_key as live_claims_key
    from live_claim_months as f
    join reported as r on f.flow_month between r.first_month and r.last_date
    where f.flow_month between $period_start and $period_end
      and ($districts is null or list_contains($districts, f.district_code))
      and ($offices is null or list_contains($offices, f.office_code))
      and ($benefits is null or list_contains($benefits, f.benefit))
      and ($groups is null or list_contains($groups, f.claimant_group))
),

paid as (
    -- Each claim once: in every month of its own with by = month (if live in that month),
    -- otherwise in its first paid month of the period (if live at some time in the period).
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
                then strftime(payment_month, '%Y-%m')
        end as month,
        -- The case-mix cells, only for Runner.compare's internal cell groupings.
        case when $by in ('district_cell', 'office_cell') then benefit end as benefit,
        case when $by in ('district_cell', 'office_cell') then claimant_group end
            as claimant_group,
        case when $by in ('district_cell', 'office_cell') then age_band end as age_band,
        recipients,
        recipients_key
    from fsf_recipient_months
    where payment_month between $period_start and $period_end
      and (
          ($by in ('month', 'district_month', 'office_month') and live_in_month)
          or (
              $by not in ('month', 'district_month', 'office_month')
              and (prev_payment_month is null or prev_payment_month < $period_start)
              and (
                  live_in_month
                  or (
                      claim_start_month <= $period_end
                      and (claim_end_month is null or claim_end_month >= $period_start)
                  )
              )
          )
      )
      and ($districts is null or list_contains($districts, district_code))
      and ($offices is null or list_contains($offices, office_code))
      and ($benefits is null or list_contains($benefits, benefit))
      and ($groups is null or list_contains($groups, claimant_group))
),

parts as (
    select district_code, office_code, month, benefit, claimant_group, age_band,
        live_claims, live_claims_key, 0 as recipients, 0 as recipients_key
    from opening
    union all
    select district_code, office_code, month, benefit, claimant_group, age_band,
        live_claims, live_claims_key, 0, 0
    from started
    union all
    select district_code, office_code, month, benefit, claimant_group, age_band,
        0, 0, recipients, recipients_key
    from paid
)

select
    district_code,
    office_code,
    month,
    benefit,
    claimant_group,
    age_band,
    sum(live_claims)::bigint as live_claims,
    sum(recipients)::bigint as recipients,
    100 * sum(recipients)::double / nullif(sum(live_claims), 0) as uptake_per_100,
    sum(live_claims_key)::bigint as live_claims_key,
    sum(recipients_key)::bigint as recipients_key
from parts
group by all
