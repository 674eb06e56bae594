-- fsf_budget: each district's Flexible Support Fund allocation against spend, per UK
-- financial year (1 April to 31 March). One row per fsf_budgets row whose financial year
-- overlaps the period; the grouping does not apply. Spend to date is every payment by the
-- district's offices dated in that financial year and on or before the extract_date.
-- Budgets are district-wide, so an office filter selects its district's budgets (with the
-- whole district's spend) and benefit/group filters do not apply.
-- Returns: district_code, financial_year, allocation_gbp, spend_to_date_gbp, payments (how
--   many payments make up the spend to date), pct_spent,
--   projected_outturn_gbp (spend to date / days elapsed in the year up to the extract_date x
--   days in the year; empty for a year that has not started), payments_key (the sum of those
--   payments' record keys, for the cell-key method), ordered by district and year.
-- Parameters: $period_start, $period_end, $extract_date, $districts, $offices.
with years as (
    select
        district_code,
        financial_year,
        allocation_gbp,
        make_date(cast(left(financial_year, 4) as integer), 4, 1) as year_start,
        make_date(cast(left(financial_year, 4) as integer) + 1, 3, 31) as year_end
    from fsf_budgets
    where ($districts is null or list_contains($districts, district_code))
      and (
          $offices is null
          or district_code in (
              select district_code from offices where list_contains($offices, office_code)
          )
      )
),

in_period as (
    select *
    from years
    where year_start <= $period_end::date
      and year_end >= $period_start::date
),

spend as (
    -- From the monthly sums made at load (payment_months): a financial year is whole months,
    -- and the loader rejects payments dated after the extract_date, so the payments of the
    -- months up to the extract_date's are exactly those dated on or before it.
    select
        y.district_code,
        y.financial_year,
        sum(p.spend_gbp) as spend_gbp,
        sum(p.payments)::bigint as payments,
        sum(p.payments_key)::bigint as payments_key
    from in_period as y
    join payment_months as p
        on p.district_code = y.district_code
        and p.payment_month between y.year_start and y.year_end
        and p.payment_month <= $extract_date::date
    group by all
)

select
    y.district_code,
    y.financial_year,
    y.allocation_gbp,
    coalesce(s.spend_gbp, 0) as spend_to_date_gbp,
    coalesce(s.payments, 0) as payments,
    -- Ratios in double, days with date_diff: the same figures on every engine (Spark would
    -- round a decimal quotient, and subtracting dates gives it an interval).
    coalesce(s.spend_gbp, 0)::double / y.allocation_gbp::double as pct_spent,
    case
        when $extract_date::date >= y.year_start
            then coalesce(s.spend_gbp, 0)::double
                / (date_diff('day', y.year_start, least($extract_date::date, y.year_end)) + 1)
                * (date_diff('day', y.year_start, y.year_end) + 1)
    end as projected_outturn_gbp,
    coalesce(s.payments_key, 0) as payments_key
from in_period as y
left join spend as s using (district_code, financial_year)
order by y.district_code, y.financial_year
