-- interview_months: initial WFIs that were attended or missed, counted per office, benefit,
-- group, age band (the case-mix cells), the month their claim started, outcome and days from
-- claim start to interview, so that wfi_timeliness adds up a few hundred thousand rows rather
-- than reading every interview. Exact: a request selects whole start months, whether an interview
-- was held within four days is decided by its days_to_interview, and keeping each length with its
-- count keeps the median exact (see wfi_timeliness.sql). Deferred, waived and pending interviews
-- are not counted: none is expected within four days of the claim.
-- Returns: district_code, office_code, benefit, claimant_group, age_band, start_month (first day
--   of the claim's start month), outcome (attended or failed_to_attend), days_to_interview
--   (held_date - the claim's start_date; NULL unless attended), interviews, interviews_key (the
--   sum of those interviews' record keys).
-- Parameters: none.
-- reads: wfi_facts, claims
-- export: partitioned by district_code
select
    w.district_code,
    w.office_code,
    w.benefit,
    w.claimant_group,
    w.age_band,
    date_trunc('month', c.start_date)::date as start_month,
    w.outcome,
    date_diff('day', c.start_date, w.held_date) as days_to_interview,
    count(*) as interviews,
    sum(w.record_key)::bigint as interviews_key
from wfi_facts as w
join claims as c using (claim_id)
where w.outcome in ('attended', 'failed_to_attend')
group by all
order by start_month, office_code, benefit, claimant_group, age_band, outcome, days_to_interview
