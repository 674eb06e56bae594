"""How claimants behave: the probability tables the generator draws its rows from."""

from __future__ import annotations

import numpy as np

from jcp.extract import contract

# Rows follow the contract's enumeration order so an index is a code.

JSA, ESA, IS, UC = (contract.BENEFITS.index(b) for b in ("JSA", "ESA", "IS", "UC"))
JOBSEEKER, LONE_PARENT, HEALTH, CARER, OTHER_GROUP = range(5)
assert contract.CLAIMANT_GROUPS[HEALTH] == "health_condition"
JOB_ENTRY = contract.END_REASONS.index("job_entry")
ATTENDED, DEFERRED, WAIVED, FAILED, PENDING = range(5)
assert contract.WFI_OUTCOMES[PENDING] == "pending"

# claimant_group given benefit (JSA, ESA, IS, UC)
GROUP_GIVEN_BENEFIT = np.array(
    [
        [0.93, 0.00, 0.00, 0.00, 0.07],
        [0.00, 0.00, 0.95, 0.00, 0.05],
        [0.00, 0.66, 0.00, 0.29, 0.05],
        [0.50, 0.13, 0.22, 0.08, 0.07],
    ]
)
# age_band (16-24, 25-49, 50-64) given claimant_group
AGE_GIVEN_GROUP = np.array(
    [
        [0.28, 0.52, 0.20],
        [0.14, 0.78, 0.08],
        [0.08, 0.50, 0.42],
        [0.10, 0.55, 0.35],
        [0.25, 0.50, 0.25],
    ]
)
# Mean claim length in days by benefit: JSA claims are short, ESA and IS long.
MEAN_CLAIM_DAYS = np.array([170.0, 650.0, 560.0, 380.0])
MIN_CLAIM_DAYS = 14  # at least the WFI window, so the interview is due before the claim ends
# end_reason (job_entry, other_benefit, work_programme, other) given claimant_group
END_REASON_GIVEN_GROUP = np.array(
    [
        [0.58, 0.08, 0.09, 0.25],
        [0.40, 0.15, 0.05, 0.40],
        [0.22, 0.33, 0.10, 0.35],
        [0.25, 0.25, 0.04, 0.46],
        [0.35, 0.15, 0.05, 0.45],
    ]
)
# Days from claim start to the initial WFI, 0..14.
WFI_DELAY_P = np.array([2, 3, 5, 8, 10, 10, 10, 9, 8, 7, 6, 6, 6, 5, 5], dtype=float)
WFI_DELAY_P /= WFI_DELAY_P.sum()
# Chance that a non-JSA WFI is deferred, before the time trend and the office habit.
DEFER_BASE = np.array([0.10, 0.35, 0.62, 0.55, 0.22])
# deferral_reason (bereavement, illness, hospital, life_event, caring, other) given group
DEFERRAL_REASON_GIVEN_GROUP = np.array(
    [
        [0.25, 0.20, 0.05, 0.30, 0.05, 0.15],
        [0.12, 0.08, 0.02, 0.45, 0.18, 0.15],
        [0.03, 0.62, 0.25, 0.03, 0.00, 0.07],
        [0.05, 0.03, 0.02, 0.08, 0.77, 0.05],
        [0.25, 0.15, 0.05, 0.30, 0.05, 0.20],
    ]
)
# A medical certificate's length plus two weeks, mostly.
DEFERRAL_DAYS = np.array([14, 28, 42, 56, 70, 84, 113])
DEFERRAL_DAYS_P = np.array([0.15, 0.25, 0.20, 0.15, 0.10, 0.10, 0.05])
RECONTACT_MISS = 0.10  # deferred claimants nobody calls back in (before the office habit)
# Chance a claim gets a baseline assessment (distance travelled), by group.
ASSESSED_P = np.array([0.36, 0.46, 0.46, 0.38, 0.34])
REVIEWS_P = np.array([0.28, 0.30, 0.25, 0.17])  # 0..3 reviews planned
SCORE_MEAN = np.array([4.6, 5.0, 4.3, 5.2, 5.6])  # job_search .. stability
SCORE_NULL_P = np.array([0.04, 0.05, 0.04, 0.09, 0.05])
# hours_band (under_16, 16_to_29, 30_plus) given group
HOURS_GIVEN_GROUP = np.array(
    [
        [0.12, 0.30, 0.58],
        [0.35, 0.42, 0.23],
        [0.30, 0.40, 0.30],
        [0.38, 0.40, 0.22],
        [0.18, 0.32, 0.50],
    ]
)
SHORT_JOB_SHARE, SHORT_JOB_DAYS, LONG_JOB_DAYS = 0.2, 30.0, 420.0
# FSF awards per claim by group (Poisson mean), before the office's appetite for the fund.
FSF_MEAN_DAYS_IN = 60.0  # mean days from claim start to an award
FSF_RATE = np.array([0.55, 0.55, 0.28, 0.30, 0.35])
TRAVEL, CLOTHING, CHILDCARE, TRAINING, LICENCES, GRANT, OTHER_FSF = range(7)
assert contract.FSF_CATEGORIES[GRANT] == "partnership_grant"
# category given group (the grant column stays 0: grants go to partners, not claimants)
FSF_CATEGORY_GIVEN_GROUP = np.array(
    [
        [0.58, 0.24, 0.01, 0.08, 0.06, 0.0, 0.03],
        [0.46, 0.18, 0.22, 0.07, 0.03, 0.0, 0.04],
        [0.60, 0.20, 0.02, 0.08, 0.04, 0.0, 0.06],
        [0.55, 0.17, 0.12, 0.07, 0.03, 0.0, 0.06],
        [0.56, 0.24, 0.03, 0.07, 0.05, 0.0, 0.05],
    ]
)
# (median, spread, low, high) in pounds; the larger awards are whole pounds, as invoices are.
FSF_AMOUNTS = (
    (18.0, 0.55, 5.0, 60.0),
    (75.0, 0.55, 30.0, 250.0),
    (520.0, 0.60, 200.0, 2500.0),
    (650.0, 0.60, 200.0, 2500.0),
    (340.0, 0.50, 200.0, 2500.0),
    (5000.0, 0.40, 2000.0, 10000.0),
    (60.0, 0.70, 10.0, 300.0),
)
WHOLE_POUNDS = np.array([False, False, True, True, True, True, False])
