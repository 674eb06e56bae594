-- overdue_deferrals_month_end: the overdue worklist as it stood at the end of the month before
-- the extract date's month, counted per office, so the attention list can say how the worklist
-- has changed since. Counts only: no claim is named.
-- Overdue at that month end (T), as the worklist is at the extract date: an initial WFI with
-- outcome deferred, deferred_until before T, not held by T (no held_date, or one after T), on a
-- claim open at T (no end_date, or one after T).
-- Returns: district_code, office_code, month_end (T), overdue_deferrals; offices with none are
--   left out; by district and office.
-- Parameters: $extract_date, $districts, $offices, $benefits, $groups.
with as_at as (
    select date_trunc('month', $extract_date::date)::date - 1 as month_end
)

select
    w.district_code,
    w.office_code,
    a.month_end,
    count(*)::bigint as overdue_deferrals
from wfi_facts as w
cross join as_at as a
where w.outcome = 'deferred'
  and w.deferred_until < a.month_end
  and (w.held_date is null or w.held_date > a.month_end)
  and (w.claim_end_date is null or w.claim_end_date > a.month_end)
  and ($districts is null or list_contains($districts, w.district_code))
  and ($offices is null or list_contains($offices, w.office_code))
  and ($benefits is null or list_contains($benefits, w.benefit))
  and ($groups is null or list_contains($groups, w.claimant_group))
group by all
order by w.district_code, w.office_code
