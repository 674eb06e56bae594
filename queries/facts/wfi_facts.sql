-- wfi_facts: initial WFIs with what the measures filter and group them by, in due_date order.
-- Returns: every wfi column plus the claim's office_code, district_code, benefit, claimant_group,
--   age_band (a case-mix cell key with benefit and group), work_coach_ref and end_date (as
--   claim_end_date), and record_key: the WFI's record key (0..4095, from its claim_id, which a
--   claim's one initial WFI makes unique: see jcp/record_keys.py), whose sums deferrals and
--   deferral_reasons return beside their counts.
-- Parameters: none; record_key_of() is the loader's keyed hash (jcp/record_keys.py).
-- reads: wfi, claims, offices
-- export: partitioned by district_code
select
    w.*,
    c.office_code,
    o.district_code,
    c.benefit,
    c.claimant_group,
    c.age_band,
    c.work_coach_ref,
    c.end_date as claim_end_date,
    record_key_of('wfi', w.claim_id) as record_key
from wfi as w
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
-- In date order, so that a request for a period skips the blocks outside it; rows of the
-- same day in no fixed order (no result depends on it, and breaking ties on the text id
-- cost a tenth of the table's build).
order by w.due_date
