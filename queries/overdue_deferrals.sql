-- overdue_deferrals: the worklist of deferred initial WFIs that should have happened by now.
-- Not limited by the period: every WFI with outcome deferred, deferred_until before the
-- extract_date, no held_date, on a claim that is still open (end_date NULL).
-- Returns: claim_id, district_code, office_code, work_coach_ref, benefit, claimant_group,
--   deferral_reason, deferred_until, days_overdue (extract_date - deferred_until),
--   most overdue first, then by claim_id.
-- Parameters: $extract_date, $districts, $offices, $benefits, $groups.
select
    w.claim_id,
    o.district_code,
    o.office_code,
    c.work_coach_ref,
    c.benefit,
    c.claimant_group,
    w.deferral_reason,
    w.deferred_until,
    $extract_date::date - w.deferred_until as days_overdue
from wfi as w
join claims as c using (claim_id)
join offices as o on o.office_code = c.office_code
where w.outcome = 'deferred'
  and w.deferred_until < $extract_date::date
  and w.held_date is null
  and c.end_date is null
  and ($districts is null or list_contains($districts, o.district_code))
  and ($offices is null or list_contains($offices, o.office_code))
  and ($benefits is null or list_contains($benefits, c.benefit))
  and ($groups is null or list_contains($groups, c.claimant_group))
order by days_overdue desc, w.claim_id
