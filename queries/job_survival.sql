-- job_survival: how long jobs last, as Kaplan-Meier curves by completed week in work.
-- Jobs (job entries) whose start_date is in the period, from job_survival_spells. A job's time
-- is floor(days / 7) completed weeks: end_date - start_date days for an ended job (an event),
-- extract_date - start_date for a job still in work (censored). Each group's rows are weeks
-- 0..104: at_risk = jobs whose time is that week or later (censored ones are at risk in their
-- own week), events and censored = jobs whose time is that week. survival(w) = the product
-- over weeks j <= w of (1 - events_j / at_risk_j); ci_low and ci_high its 95% band, Greenwood's
-- variance V(w) = sum of events_j / (at_risk_j (at_risk_j - events_j)) with the log-log
-- transform, exp(-exp(log(-log S) +- 1.96 sqrt(V) / -log S)), as lifelines gives it. survival
-- is NULL where nobody is at risk, 0 once everyone at risk had the event (the band 0 to 0); the
-- band is 1 to 1 before the first event.
-- Returns one row per group with a job and week: district_code, office_code (NULL unless
--   grouped by them), month (always NULL: a curve is not grouped by month), week, at_risk,
--   events, censored, survival, ci_low, ci_high. Then, for the cell-key method, each count's
--   record key sum (of exactly the jobs it counts; 0 when it is 0; not reduced modulo 4096):
--   at_risk_key, events_key, censored_key.
-- Parameters: $by, $period_start, $period_end, $extract_date, $districts, $offices, $benefits,
--   $groups.
with spells as (
    -- Every spell in the period with its week: ended ones from the load, open ones censored at
    -- the extract date (completed weeks, capped at 105 as the load caps ended ones).
    select
        case when $by in ('district', 'office') then s.district_code end as district_code,
        case when $by = 'office' then s.office_code end as office_code,
        coalesce(
            s.week,
            least(floor(date_diff('day', s.start_date, $extract_date::date) / 7), 105)
        )::integer as week,
        s.event,
        s.spells,
        s.spells_key
    from job_survival_spells as s
    where s.start_month between $period_start and $period_end
      and ($districts is null or list_contains($districts, s.district_code))
      and ($offices is null or list_contains($offices, s.office_code))
      and ($benefits is null or list_contains($benefits, s.benefit))
      and ($groups is null or list_contains($groups, s.claimant_group))
),

counted as (
    select
        district_code,
        office_code,
        week,
        sum(case when event then spells else 0 end) as events,
        sum(case when event then 0 else spells end) as censored,
        sum(case when event then spells_key else 0 end) as events_key,
        sum(case when event then 0 else spells_key end) as censored_key
    from spells
    group by district_code, office_code, week
),

weeks as (
    -- Weeks 0..104 shown, and 105 for spells that lasted longer.
    select unnest(range(0, 106)) as week
),

grid as (
    -- Every week of every group with a spell, 0 where nothing happens in it.
    select
        g.district_code,
        g.office_code,
        w.week,
        coalesce(c.events, 0) as events,
        coalesce(c.censored, 0) as censored,
        coalesce(c.events_key, 0) as events_key,
        coalesce(c.censored_key, 0) as censored_key
    from (select distinct district_code, office_code from counted) as g
    cross join weeks as w
    left join counted as c
        on c.district_code is not distinct from g.district_code
        and c.office_code is not distinct from g.office_code
        and c.week = w.week
),

at_risk as (
    -- At risk at the start of week w: every spell whose week is w or later (censored ones are
    -- at risk in their own week: events come before censoring in the same week).
    select
        *,
        sum(events + censored) over (
            partition by district_code, office_code
            order by week desc
            rows between unbounded preceding and current row
        ) as at_risk,
        sum(events_key + censored_key) over (
            partition by district_code, office_code
            order by week desc
            rows between unbounded preceding and current row
        ) as at_risk_key
    from grid
),

steps as (
    -- log S(w) = sum of ln(1 - d/n) and Greenwood's sum of d / (n (n - d)) over weeks up to w,
    -- leaving out the weeks where every one at risk had the event (ln 0): counted apart, as
    -- wiped, after which S is 0.
    select
        *,
        sum(case when at_risk > events then ln(1 - events::double / at_risk) else 0 end) over (
            partition by district_code, office_code
            order by week
            rows between unbounded preceding and current row
        ) as log_survival,
        sum(
            case
                when at_risk > events
                    then events::double / (at_risk::double * (at_risk - events))
                else 0
            end
        ) over (
            partition by district_code, office_code
            order by week
            rows between unbounded preceding and current row
        ) as greenwood,
        sum(case when at_risk > 0 and events = at_risk then 1 else 0 end) over (
            partition by district_code, office_code
            order by week
            rows between unbounded preceding and current row
        ) as wiped
    from at_risk
),

banded as (
    -- The log-log band's half-width on the log(-log S) scale, z sqrt(V) / -log S (NULL while
    -- log S is 0: no event yet, no band to widen).
    select
        *,
        1.959963984540054 * sqrt(greenwood) / -nullif(log_survival, 0) as spread
    from steps
)

select
    s.district_code,
    s.office_code,
    cast(null as varchar) as month,
    s.week::bigint as week,
    s.at_risk::bigint as at_risk,
    s.events::bigint as events,
    s.censored::bigint as censored,
    -- Empty where nobody is at risk; 0 once every one at risk had the event; else exp(log S).
    case
        when s.at_risk = 0 then null
        when s.wiped > 0 then 0.0
        else exp(s.log_survival)
    end as survival,
    -- The band: 1 to 1 before any event (S = 1), 0 to 0 once S is 0 (the limits of the formula
    -- there, and what lifelines gives), else exp(-exp(log(-log S) +- spread)).
    case
        when s.at_risk = 0 then null
        when s.wiped > 0 then 0.0
        when s.log_survival = 0 then 1.0
        else exp(-exp(ln(-s.log_survival) + s.spread))
    end as ci_low,
    case
        when s.at_risk = 0 then null
        when s.wiped > 0 then 0.0
        when s.log_survival = 0 then 1.0
        else exp(-exp(ln(-s.log_survival) - s.spread))
    end as ci_high,
    s.at_risk_key::bigint as at_risk_key,
    s.events_key::bigint as events_key,
    s.censored_key::bigint as censored_key
from banded as s
where s.week <= 104
