-- deferral_facts: every deferred initial WFI, held or not, on open or ended claims, in
-- deferred_until order. deferral_followup reads it, one interview at a time, only for the
-- month in which the 14-day follow-up window's boundary falls (which depends on the request's
-- extract date); the date order lets that read skip every other month's blocks, which it could
-- not do on wfi_facts (sorted by due_date). deferral_months and deferral_length_months count it.
-- Returns: claim_id, district_code, office_code, benefit, claimant_group, age_band,
--   deferral_reason, due_date, deferred_until, held_date, record_key (the WFI's, as in
--   wfi_facts).
-- Parameters: none.
-- reads: wfi_facts
-- export: partitioned by district_code
select
    claim_id,
    district_code,
    office_code,
    benefit,
    claimant_group,
    age_band,
    deferral_reason,
    due_date,
    deferred_until,
    held_date,
    record_key
from wfi_facts
where outcome = 'deferred'
order by deferred_until
