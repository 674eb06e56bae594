-- overdue_deferrals: the worklist of deferred initial WFIs that should have happened by now.
-- Not limited by the period: every WFI with outcome deferred, deferred_until before the
-- extract_date, no held_date, on a claim that is still open (end_date NULL).
-- Returns: claim_id, district_code, office_code, work_coach_ref, benefit, claimant_group,
--   deferral_reason, deferred_until, days_overdue (extract_date - deferred_until),
--   most overdue first, then by claim_id.
-- Parameters: $extract_date, $districts, $offices, $benefits, $groups.
select
    claim_id,
    district_code,
    office_code,
    work_coach_ref,
    benefit,
    claimant_group,
    deferral_reason,
    deferred_until,
    date_diff('day', deferred_until, $extract_date::date) as days_overdue
from deferred_wfi  -- deferred, not held, on an open claim (queries/facts/deferred_wfi.sql)
where deferred_until < $extract_date::date
  and ($districts is null or list_contains($districts, district_code))
  and ($offices is null or list_contains($offices, office_code))
  and ($benefits is null or list_contains($benefits, benefit))
  and ($groups is null or list_contains($groups, claimant_group))
order by days_overdue desc, claim_id
