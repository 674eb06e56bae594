-- fsf_job_entries: job entries with whether their claim had a Flexible Support Fund payment
-- dated on or before the job's start date, in start_date order, for fsf_outcomes. Kept apart
-- from job_entry_facts, which is built as soon as job_entries is validated, before FSF
-- payments are; job_entry_facts and job_entries' results are unchanged by it.
-- Returns: job_entry_id, claim_id, start_date, end_date, the claim's office_code,
--   district_code, benefit and claimant_group, record_key (the job entry's, as in
--   job_entry_facts), and fsf_supported: true when any FSF payment to the job's claim (by any
--   office) is dated on or before the job's start date.
-- Parameters: none.
-- reads: job_entry_facts, payment_facts
-- export: partitioned by district_code
with first_payments as (
    select
        claim_id,
        min(payment_date) as first_payment_date
    from payment_facts
    where claim_id is not null
    group by claim_id
)

select
    j.job_entry_id,
    j.claim_id,
    j.start_date,
    j.end_date,
    j.office_code,
    j.district_code,
    j.benefit,
    j.claimant_group,
    j.record_key,
    coalesce(p.first_payment_date <= j.start_date, false) as fsf_supported
from job_entry_facts as j
left join first_payments as p using (claim_id)
order by j.start_date
