-- claim_restart_facts: every ended claim with the number of days from its end to its claimant's
-- next claim, in end_date order. Whether a claim restarted within N days is then
-- restart_days <= N; whether it can be judged yet (end_date + N <= extract date) depends on the
-- request, so this holds only what the data decides. claim_restarts.sql reads it for the month
-- each window's boundary falls in, and claim_restart_months for every other month.
-- claimant_ref is read here and nowhere else; it is not kept: only the day counts are.
-- Returns: district_code, office_code, benefit, claimant_group, age_band (the ending claim's),
--   end_date,
--   to_work (end_reason is job_entry), restart_days (days from end_date to the earliest
--   start_date, on or after end_date, of another claim (a different claim_id) of the same
--   claimant_ref; NULL when there is none), and record_key (the ending claim's).
-- Parameters: none.
-- reads: claims, offices
-- export: partitioned by district_code
with repeat_claims as (
    -- Only claimants with more than one claim can restart: about one claim in eight is
    -- theirs. Joining those alone, rather than every claim with every claim of its claimant,
    -- took the build at 10M claims from 104 s to a few.
    select claim_id, claimant_ref, start_date, end_date
    from claims
    where claimant_ref in (
        select claimant_ref from claims group by claimant_ref having count(*) > 1
    )
),

next_claims as (
    -- The join on claimant_ref finds each such claim's other claims, and the earliest that
    -- starts on or after its end is the restart.
    select
        e.claim_id,
        min(n.start_date) as restart_date
    from repeat_claims as e
    join repeat_claims as n
        on n.claimant_ref = e.claimant_ref
        and n.claim_id <> e.claim_id
        and n.start_date >= e.end_date
    where e.end_date is not null
    group by e.claim_id
)

select
    o.district_code,
    c.office_code,
    c.benefit,
    c.claimant_group,
    c.age_band,
    c.end_date,
    c.end_reason = 'job_entry' as to_work,
    date_diff('day', c.end_date, n.restart_date) as restart_days,
    c.record_key
from claims as c
join offices as o on o.office_code = c.office_code
left join next_claims as n on n.claim_id = c.claim_id
where c.end_date is not null
-- In date order, so that a request for a boundary month skips the blocks outside it.
order by c.end_date
