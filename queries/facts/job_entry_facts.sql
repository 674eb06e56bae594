-- job_entry_facts: job entries with their claim's office, district, benefit, group and age band,
-- in start_date order.
-- Returns: every job_entries column plus office_code, district_code, benefit, claimant_group,
--   age_band (the claim's, a case-mix cell key with benefit and group: see Runner.compare),
--   and record_key: the job entry's record key (0..4095, from job_entry_id: see
--   jcp/record_keys.py), whose sums job_entries returns beside its counts.
-- Parameters: none; record_key_of() is the loader's keyed hash (jcp/record_keys.py).
-- reads: job_entries, claims, offices
-- export: partitioned by district_code
select
    j.*,
    c.office_code,
    o.district_code,
    c.benefit,
    c.claimant_group,
    c.age_band,
    record_key_of('job_entries', j.job_entry_id) as record_key
from job_entries as j
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
-- In date order, so that a request for a period skips the blocks outside it; rows of the
-- same day in no fixed order (no result depends on it, and breaking ties on the text id
-- cost a tenth of the table's build).
order by j.start_date
