-- deferred_wfi: the overdue worklist's candidates: deferred initial WFIs not yet held, on claims
-- still open, in deferred_until order. Which of them are overdue depends only on the extract
-- date (overdue_deferrals.sql), so the worklist reads these few rows instead of every interview:
-- at 100M claims they are scattered over all of wfi_facts, and reading them from disk took 25 s.
-- Returns: claim_id, district_code, office_code, work_coach_ref, benefit, claimant_group,
--   deferral_reason, deferred_until.
-- Parameters: none.
-- reads: wfi_facts
-- export: partitioned by district_code
select
    claim_id,
    district_code,
    office_code,
    work_coach_ref,
    benefit,
    claimant_group,
    deferral_reason,
    deferred_until
from wfi_facts
where outcome = 'deferred'
  and held_date is null
  and claim_end_date is null
order by deferred_until
