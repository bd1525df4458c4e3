"""Figures of the fixture ``tests/fixtures/handcalc`` worked out BY HAND, for 2024-06 and 2024-07.

Two consumers of the same literal expectations:
(a) the reference model (``tests/reference_model.py``) reading the fixture's CSVs — this proves
    the reference model that the dbt marts are later cross-checked against;
(b) the REAL pipeline (``pipeline_harness.run_pipeline``) on a copy of the fixture folder —
    its exports ``exports/<C>/{common_indicators,sfc_table,indicators}.csv``.

======================================================================================= THE DATA
Registry: HC-ALPHA (Nordstadt, target group women_foreign_background, more_developed, ESO4.8,
planned 40, runs 2023-01-01..2025-12-31); HC-BETA (Südstadt, single_parents, transition, ESO4.11,
planned 20, 2023-03-01..2025-06-30). Both started before both cut-offs.

Participants (first spell; age = year(entry) − birth_year; "fb" = foreign_background):

 id         g  entry       age emp.status          isced sp  fb  other     last exit   status (last spell)  qual
 alpha-p01  f  2023-02-01  33  unemployed          3     no  yes 3rd-ctry  2023-07-14  employed_sv          yes
 alpha-p02  m  2023-03-01  38  long_term_unempl.   2     no  yes homeless  spell 1 exit 2023-05-31 job_searching;
                                                                           spell 2 2023-09-04..2024-01-15 self_employed, qual yes
                                                                           (spell 2 says inactive / isced 3 / not homeless: ignored)
 alpha-p03  f  2023-04-03  55  employed            5     no  yes disabled  2023-10-20  vocational_training  no
 alpha-p04  f  2024-02-05  17  inactive_in_educ.   2     no  yes 3rd-ctry  active
 alpha-p05  -  2023-11-06  28  unemployed          3     no  no            2024-03-28  unknown              no   (gender missing → incomplete)
 alpha-p06  f  2024-01-08  25  unemployed          4     yes yes stateless,minority
                                                                           2024-06-14  June file: EMPTY; July file: employed_marginal, qual no
 alpha-p07  d  2024-07-02  24  unemployed          4     no  no  rural     active (July file only)
 alpha-p08  m  2024-03-04  55  long_term_unempl.   1     no  yes           June: active; July file: 2024-07-19 employed_sv, qual no
 beta-p01   f  2023-03-15  35  unemployed          2     yes yes stateless,rural
                                                                           2023-09-29  employed_sv          no
 beta-p02   m  2023-07-03  43  long_term_unempl.   3     yes no            2023-12-15  job_searching        yes
 beta-p03   f  2024-04-02  18  inactive            3     no  yes           active
 beta-p04   f  2024-05-06  30  unemployed          -     yes yes 3rd-ctry  2024-06-21 (June file) job_searching  no  (isced missing → incomplete)

HC-BETA sends no July file: at 2024-07 its June snapshot is used.

Followup (JC-HC), the newest file winning per (participant, project):
 2024-05: alpha-p01 2023-07-14 employed_sv | alpha-p02 2023-05-31 job_searching | alpha-p03 2023-10-23 employed_sv
          | beta-p01 2023-09-29 unemployed
 2024-06: alpha-p01 2023-07-14 employed_marginal (replaces the May row) | beta-p02 2023-12-15 self_employed
 2024-07: alpha-p02 2024-01-15 employed_sv (replaces the May row, now about the last exit)
alpha-p03's row says 2023-10-23 but the exit is 2023-10-20: no matching followup, ever.

Target population (JC-HC), months 2024-05 / 06 / 07:
 Nordstadt women_foreign_background 101 / 104 / 108    Südstadt single_parents 50 / 51 / 54
 (other district × group rows exist and must be ignored)

Durations (last exit − first entry + 1 days):
 alpha-p01 2023-02-01→2023-07-14: Feb 28 + Mar 31 + Apr 30 + May 31 + Jun 30 = 150 to Jul 1, +13 = 163, +1 = 164
 alpha-p02 2023-03-01→2024-01-15: Mar..Dec 2023 = 306 to Jan 1, +14 = 320, +1 = 321
 alpha-p03 2023-04-03→2023-10-20: Apr3→Oct3 = 30+31+30+31+31+30 = 183, +17 = 200, +1 = 201
 alpha-p05 2023-11-06→2024-03-28: Nov6→Mar6 = 30+31+31+29 = 121, +22 = 143, +1 = 144
 alpha-p06 2024-01-08→2024-06-14: Jan8→Jun8 = 31+29+31+30+31 = 152, +6 = 158, +1 = 159
 alpha-p08 2024-03-04→2024-07-19: Mar4→Jul4 = 31+30+31+30 = 122, +15 = 137, +1 = 138
 beta-p01  2023-03-15→2023-09-29: Mar15→Sep15 = 31+30+31+30+31+31 = 184, +14 = 198, +1 = 199
 beta-p02  2023-07-03→2023-12-15: Jul3→Dec3 = 31+31+30+31+30 = 153, +12 = 165, +1 = 166
 beta-p04  2024-05-06→2024-06-21: May6→Jun6 = 31, +15 = 46, +1 = 47

=============================================================================== CUT-OFF 2024-06
12 months to C = 2023-07-01..2024-06-30; C minus 6 months = 2023-12-31.
HC-ALPHA (June file): participants p01 p02 p03 p04 p05 p06 p08 (p07 not yet). Leavers: p01 p02 p03
  p05 p06; active: p04 p08. Complete: all but p05 → f: p01 p03 p04 p06; m: p02 p08.
  EECO02 p01 p02 p06 p08 | EECO03 p02 p08 | EECO04 p04 | EECO05 p03 (4+1+1 = 6 = EECO01)
  EECO06 p04 (17) | EECO07 p06 (25) | EECO08 p03, p08 (55) | EECO09 p02 p04 p08 | EECO10 p01 p06
  | EECO11 p03 | EECO12 p03 | EECO13 p01 p04 p06 | EECO14 p01 p02 p03 p04 p06 p08 | EECO15 p06
  | EECO16 p02 (first spell) | EECO17 none
  EECR01 none (p02's job_searching was the FIRST spell) | EECR02 p03 | EECR03 p01 p02 | EECR04 p01 p02
  EECR05: exit ≤ 2023-12-31 → p01, p03. p01's newest followup (June) matches, employed_marginal ✓;
  p03 mismatching date ✗ → p01 (f).
  Headline: cumulative f4 m2 d0 total 7; active p04 f, p08 m; entries in June none; leavers in
  June p06 (f). All 5 leavers exit inside the window. Integrated (sv/self/voc): p01 p02 p03.
  integration_12m f 2/3 (p01 p03 of p01 p03 p06), m 1/1, total 3/5; cumulative the same.
  6m: p01 (followup marginal: not integrated), p03 (no match) → f 0/2, total 0/2;
  coverage f 1/2, total 1/2. unknown/empty status: p05 (unknown, no gender), p06 (empty) →
  f 1/3, m 0/1, total 2/5. Durations f {164, 201, 159} → median 164, mean 524/3; m {321};
  total {144, 159, 164, 201, 321} → median 164, mean 989/5 = 197.8.
  target_achievement 7/40. reach: first entry in window and f with fb yes: p04, p06 (p05 has no
  gender, p08 is m) = 2 ÷ mean(101, 104) = 102.5.
HC-BETA (June file): b01 b02 b03 b04; leavers b01 b02 b04; active b03. Complete: b01 b02 b03
  (b04 lacks isced) → f: b01 b03; m: b02.
  EECO02 b01 b02 | EECO03 b02 | EECO04 b03 | EECO05 none (1+1+0 = 2 f, 1 m) | EECO06 none (b03 is 18)
  | EECO07 b03 | EECO08 none | EECO09 b01 | EECO10 b02 b03 | EECO11 none | EECO12 none | EECO13 b01
  | EECO14 b01 b03 | EECO15 none | EECO16 none | EECO17 b01
  EECR01 b02 (b04 job_searching but incomplete) | EECR02 none | EECR03 b02 | EECR04 b01
  EECR05: b01 (followup unemployed ✗), b02 (followup June, self_employed ✓) → b02 (m).
  Headline: cumulative f3 m1 total 4; active b03; leavers in June b04 (f).
  Window leavers b01 (sv ✓) b02 (✗) b04 (✗): integration_12m f 1/2, m 0/1, total 1/3; cumulative
  the same. 6m: b01 ✗ b02 ✓ → f 0/1, m 1/1, total 1/2; coverage 1/1, 1/1, 2/2. unknown: 0/2, 0/1,
  0/3. Durations f {199, 47} → median = mean = 123 (even count); m {166}; total {47, 166, 199} →
  median 166, mean 412/3. target_achievement 4/20. reach: single parents with first entry in
  window: b02 (2023-07-03 ≥ 2023-07-01), b04 = 2 ÷ mean(50, 51) = 50.5.
ALL: sums; durations pooled: f {47, 159, 164, 199, 201} → median 164, mean 770/5 = 154;
  m {166, 321} → 243.5; total {47, 144, 159, 164, 166, 199, 201, 321} → median (164 + 166)/2 = 165,
  mean 1401/8 = 175.125. target_achievement 11/60; reach (2 + 2) ÷ (102.5 + 50.5) = 4/153.

=============================================================================== CUT-OFF 2024-07
12 months to C = 2023-08-01..2024-07-31; C minus 6 months = 2024-01-31. Followup files 05, 06, 07.
HC-ALPHA (July file): p01..p08. p06 now employed_marginal; p07 (d) enters; p08 leaves.
  Complete f: p01 p03 p04 p06; m: p02 p08; d: p07.
  Changes against June: EECO01 d+1 (7), EECO02 d+1 (5), EECO07 d+1 (p07, 24), EECO10 d+1, EECO17 d+1
  (p07 rural); EECR04 + p06 (marginal) + p08 (sv) → f2 m2; EECR05: exits ≤ 2024-01-31 are p01, p02,
  p03 → p01 (marginal ✓) and p02 (July row matches 2024-01-15, employed_sv ✓) → f1 m1.
  Headline: cumulative f4 m2 d1 total 8; active p04 (f) p07 (d); entries in July p07 (d); leavers
  in July p08 (m). Window leavers (p01 left before 2023-08-01): p02 ✓ p03 ✓ p05 ✗ p06 ✗ p08 ✓
  → integration_12m f 1/2, m 2/2, total 3/5. Cumulative (+p01 ✓): f 2/3, m 2/2, total 4/6.
  6m: p01 ✗ (marginal), p02 ✓, p03 ✗ → f 0/2, m 1/1, total 1/3; coverage f 1/2, m 1/1, total 2/3.
  unknown: p05 only → f 0/2, m 0/2, total 1/5. Durations f {201, 159} → 180; m {321, 138} → 229.5;
  total {138, 144, 159, 201, 321} → median 159, mean 963/5 = 192.6.
  target_achievement 8/40; reach p04 p06 = 2 ÷ mean(101, 104, 108) = 313/3.
HC-BETA (June file, no July delivery): the same people and exits; nothing left in January 2024,
  so every common indicator equals June's. Headline equals June's except: no entries/leavers in
  July; reach: b02 entered before 2023-08-01 → only b04 = 1 ÷ mean(50, 51, 54) = 155/3.
ALL: sums; durations pooled: f {47, 159, 199, 201} → median 179, mean 606/4 = 151.5;
  m {138, 166, 321} → median 166, mean 625/3; total {47, 138, 144, 159, 166, 199, 201, 321} →
  median (159 + 166)/2 = 162.5, mean 1375/8 = 171.875. target_achievement 12/60;
  reach (2 + 1) ÷ (313/3 + 155/3) = 3/156.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from reference_model import (
    COMMON_INDICATORS,
    GENDERS,
    compare_exports,
    compare_frames,
    compute,
    load_raw_from_data_folder,
)

from schemas.codes import COLUMNS

FIXTURE = Path(__file__).parents[1] / "fixtures" / "handcalc"
CUTOFFS = ("2024-06", "2024-07")
A, B, ALL = "HC-ALPHA", "HC-BETA", "ALL"
#: (specific_objective, category_of_region) of each project: one project per SFC group here
SFC_GROUP = {A: ("ESO4.8", "more_developed"), B: ("ESO4.11", "transition")}

# ------------------------------------------------------------------ EU common indicators
# code: (f, m, d, total); codes not listed are 0 for every gender.
COMMON = {
    "2024-06": {
        A: {
            "EECO01": (4, 2, 0, 6),
            "EECO02": (2, 2, 0, 4),
            "EECO03": (0, 2, 0, 2),
            "EECO04": (1, 0, 0, 1),
            "EECO05": (1, 0, 0, 1),
            "EECO06": (1, 0, 0, 1),
            "EECO07": (1, 0, 0, 1),
            "EECO08": (1, 1, 0, 2),
            "EECO09": (1, 2, 0, 3),
            "EECO10": (2, 0, 0, 2),
            "EECO11": (1, 0, 0, 1),
            "EECO12": (1, 0, 0, 1),
            "EECO13": (3, 0, 0, 3),
            "EECO14": (4, 2, 0, 6),
            "EECO15": (1, 0, 0, 1),
            "EECO16": (0, 1, 0, 1),
            "EECR02": (1, 0, 0, 1),
            "EECR03": (1, 1, 0, 2),
            "EECR04": (1, 1, 0, 2),
            "EECR05": (1, 0, 0, 1),
        },
        B: {
            "EECO01": (2, 1, 0, 3),
            "EECO02": (1, 1, 0, 2),
            "EECO03": (0, 1, 0, 1),
            "EECO04": (1, 0, 0, 1),
            "EECO07": (1, 0, 0, 1),
            "EECO09": (1, 0, 0, 1),
            "EECO10": (1, 1, 0, 2),
            "EECO13": (1, 0, 0, 1),
            "EECO14": (2, 0, 0, 2),
            "EECO17": (1, 0, 0, 1),
            "EECR01": (0, 1, 0, 1),
            "EECR03": (0, 1, 0, 1),
            "EECR04": (1, 0, 0, 1),
            "EECR05": (0, 1, 0, 1),
        },
        ALL: {
            "EECO01": (6, 3, 0, 9),
            "EECO02": (3, 3, 0, 6),
            "EECO03": (0, 3, 0, 3),
            "EECO04": (2, 0, 0, 2),
            "EECO05": (1, 0, 0, 1),
            "EECO06": (1, 0, 0, 1),
            "EECO07": (2, 0, 0, 2),
            "EECO08": (1, 1, 0, 2),
            "EECO09": (2, 2, 0, 4),
            "EECO10": (3, 1, 0, 4),
            "EECO11": (1, 0, 0, 1),
            "EECO12": (1, 0, 0, 1),
            "EECO13": (4, 0, 0, 4),
            "EECO14": (6, 2, 0, 8),
            "EECO15": (1, 0, 0, 1),
            "EECO16": (0, 1, 0, 1),
            "EECO17": (1, 0, 0, 1),
            "EECR01": (0, 1, 0, 1),
            "EECR02": (1, 0, 0, 1),
            "EECR03": (1, 2, 0, 3),
            "EECR04": (2, 1, 0, 3),
            "EECR05": (1, 1, 0, 2),
        },
    },
    "2024-07": {
        A: {
            "EECO01": (4, 2, 1, 7),
            "EECO02": (2, 2, 1, 5),
            "EECO03": (0, 2, 0, 2),
            "EECO04": (1, 0, 0, 1),
            "EECO05": (1, 0, 0, 1),
            "EECO06": (1, 0, 0, 1),
            "EECO07": (1, 0, 1, 2),
            "EECO08": (1, 1, 0, 2),
            "EECO09": (1, 2, 0, 3),
            "EECO10": (2, 0, 1, 3),
            "EECO11": (1, 0, 0, 1),
            "EECO12": (1, 0, 0, 1),
            "EECO13": (3, 0, 0, 3),
            "EECO14": (4, 2, 0, 6),
            "EECO15": (1, 0, 0, 1),
            "EECO16": (0, 1, 0, 1),
            "EECO17": (0, 0, 1, 1),
            "EECR02": (1, 0, 0, 1),
            "EECR03": (1, 1, 0, 2),
            "EECR04": (2, 2, 0, 4),
            "EECR05": (1, 1, 0, 2),
        },
        B: {
            "EECO01": (2, 1, 0, 3),
            "EECO02": (1, 1, 0, 2),
            "EECO03": (0, 1, 0, 1),
            "EECO04": (1, 0, 0, 1),
            "EECO07": (1, 0, 0, 1),
            "EECO09": (1, 0, 0, 1),
            "EECO10": (1, 1, 0, 2),
            "EECO13": (1, 0, 0, 1),
            "EECO14": (2, 0, 0, 2),
            "EECO17": (1, 0, 0, 1),
            "EECR01": (0, 1, 0, 1),
            "EECR03": (0, 1, 0, 1),
            "EECR04": (1, 0, 0, 1),
            "EECR05": (0, 1, 0, 1),
        },
        ALL: {
            "EECO01": (6, 3, 1, 10),
            "EECO02": (3, 3, 1, 7),
            "EECO03": (0, 3, 0, 3),
            "EECO04": (2, 0, 0, 2),
            "EECO05": (1, 0, 0, 1),
            "EECO06": (1, 0, 0, 1),
            "EECO07": (2, 0, 1, 3),
            "EECO08": (1, 1, 0, 2),
            "EECO09": (2, 2, 0, 4),
            "EECO10": (3, 1, 1, 5),
            "EECO11": (1, 0, 0, 1),
            "EECO12": (1, 0, 0, 1),
            "EECO13": (4, 0, 0, 4),
            "EECO14": (6, 2, 0, 8),
            "EECO15": (1, 0, 0, 1),
            "EECO16": (0, 1, 0, 1),
            "EECO17": (1, 0, 1, 2),
            "EECR01": (0, 1, 0, 1),
            "EECR02": (1, 0, 0, 1),
            "EECR03": (1, 2, 0, 3),
            "EECR04": (3, 2, 0, 5),
            "EECR05": (1, 2, 0, 3),
        },
    },
}

# ------------------------------------------------------------------ headline indicators
# counts: indicator -> (f, m, d, total)
COUNTS = {
    "2024-06": {
        A: {
            "participants_cumulative": (4, 2, 0, 7),
            "participants_active": (1, 1, 0, 2),
            "entries_month": (0, 0, 0, 0),
            "leavers_month": (1, 0, 0, 1),
        },
        B: {
            "participants_cumulative": (3, 1, 0, 4),
            "participants_active": (1, 0, 0, 1),
            "entries_month": (0, 0, 0, 0),
            "leavers_month": (1, 0, 0, 1),
        },
        ALL: {
            "participants_cumulative": (7, 3, 0, 11),
            "participants_active": (2, 1, 0, 3),
            "entries_month": (0, 0, 0, 0),
            "leavers_month": (2, 0, 0, 2),
        },
    },
    "2024-07": {
        A: {
            "participants_cumulative": (4, 2, 1, 8),
            "participants_active": (1, 0, 1, 2),
            "entries_month": (0, 0, 1, 1),
            "leavers_month": (0, 1, 0, 1),
        },
        B: {
            "participants_cumulative": (3, 1, 0, 4),
            "participants_active": (1, 0, 0, 1),
            "entries_month": (0, 0, 0, 0),
            "leavers_month": (0, 0, 0, 0),
        },
        ALL: {
            "participants_cumulative": (7, 3, 1, 12),
            "participants_active": (2, 0, 1, 3),
            "entries_month": (0, 0, 1, 1),
            "leavers_month": (0, 1, 0, 1),
        },
    },
}
# rates: indicator -> (f, m, d, total), each (numerator, denominator); value = num/den, empty if den 0
RATES = {
    "2024-06": {
        A: {
            "integration_rate_12m": ((2, 3), (1, 1), (0, 0), (3, 5)),
            "integration_rate_cumulative": ((2, 3), (1, 1), (0, 0), (3, 5)),
            "integration_rate_6m": ((0, 2), (0, 0), (0, 0), (0, 2)),
            "followup_coverage": ((1, 2), (0, 0), (0, 0), (1, 2)),
            "status_unknown_share": ((1, 3), (0, 1), (0, 0), (2, 5)),
        },
        B: {
            "integration_rate_12m": ((1, 2), (0, 1), (0, 0), (1, 3)),
            "integration_rate_cumulative": ((1, 2), (0, 1), (0, 0), (1, 3)),
            "integration_rate_6m": ((0, 1), (1, 1), (0, 0), (1, 2)),
            "followup_coverage": ((1, 1), (1, 1), (0, 0), (2, 2)),
            "status_unknown_share": ((0, 2), (0, 1), (0, 0), (0, 3)),
        },
        ALL: {
            "integration_rate_12m": ((3, 5), (1, 2), (0, 0), (4, 8)),
            "integration_rate_cumulative": ((3, 5), (1, 2), (0, 0), (4, 8)),
            "integration_rate_6m": ((0, 3), (1, 1), (0, 0), (1, 4)),
            "followup_coverage": ((2, 3), (1, 1), (0, 0), (3, 4)),
            "status_unknown_share": ((1, 5), (0, 2), (0, 0), (2, 8)),
        },
    },
    "2024-07": {
        A: {
            "integration_rate_12m": ((1, 2), (2, 2), (0, 0), (3, 5)),
            "integration_rate_cumulative": ((2, 3), (2, 2), (0, 0), (4, 6)),
            "integration_rate_6m": ((0, 2), (1, 1), (0, 0), (1, 3)),
            "followup_coverage": ((1, 2), (1, 1), (0, 0), (2, 3)),
            "status_unknown_share": ((0, 2), (0, 2), (0, 0), (1, 5)),
        },
        B: {
            "integration_rate_12m": ((1, 2), (0, 1), (0, 0), (1, 3)),
            "integration_rate_cumulative": ((1, 2), (0, 1), (0, 0), (1, 3)),
            "integration_rate_6m": ((0, 1), (1, 1), (0, 0), (1, 2)),
            "followup_coverage": ((1, 1), (1, 1), (0, 0), (2, 2)),
            "status_unknown_share": ((0, 2), (0, 1), (0, 0), (0, 3)),
        },
        ALL: {
            "integration_rate_12m": ((2, 4), (2, 3), (0, 0), (4, 8)),
            "integration_rate_cumulative": ((3, 5), (2, 3), (0, 0), (5, 9)),
            "integration_rate_6m": ((0, 3), (2, 2), (0, 0), (2, 5)),
            "followup_coverage": ((2, 3), (2, 2), (0, 0), (4, 5)),
            "status_unknown_share": ((0, 4), (0, 3), (0, 0), (1, 8)),
        },
    },
}
# durations over the window's leavers: (f, m, d, total), each (leavers, median, mean); None = no leaver
DURATIONS = {
    "2024-06": {
        A: ((3, 164, 524 / 3), (1, 321, 321), (0, None, None), (5, 164, 197.8)),
        B: ((2, 123, 123), (1, 166, 166), (0, None, None), (3, 166, 412 / 3)),
        ALL: ((5, 164, 154), (2, 243.5, 243.5), (0, None, None), (8, 165, 175.125)),
    },
    "2024-07": {
        A: ((2, 180, 180), (2, 229.5, 229.5), (0, None, None), (5, 159, 192.6)),
        B: ((2, 123, 123), (1, 166, 166), (0, None, None), (3, 166, 412 / 3)),
        ALL: ((4, 179, 151.5), (3, 166, 625 / 3), (0, None, None), (8, 162.5, 171.875)),
    },
}
# total only: indicator -> (numerator, denominator)
TOTAL_ONLY = {
    "2024-06": {
        A: {"target_achievement": (7, 40), "reach_rate_12m": (2, 102.5)},
        B: {"target_achievement": (4, 20), "reach_rate_12m": (2, 50.5)},
        ALL: {"target_achievement": (11, 60), "reach_rate_12m": (4, 153)},
    },
    "2024-07": {
        A: {"target_achievement": (8, 40), "reach_rate_12m": (2, 313 / 3)},
        B: {"target_achievement": (4, 20), "reach_rate_12m": (1, 155 / 3)},
        ALL: {"target_achievement": (12, 60), "reach_rate_12m": (3, 156)},
    },
}


def _rate(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def expected_frames(cutoff: str) -> dict[str, pl.DataFrame]:
    """The hand values above as the three export tables (every row, zeros included)."""
    common = [
        (cutoff, project, code, gender, COMMON[cutoff][project].get(code, (0, 0, 0, 0))[i])
        for project in (A, B, ALL)
        for code in COMMON_INDICATORS
        for i, gender in enumerate(GENDERS)
    ]
    sfc = [
        (cutoff, *SFC_GROUP[project], code, gender, value)
        for (_, project, code, gender, value) in common
        if project != ALL
    ]
    headline = []
    for project in (A, B, ALL):
        for i, gender in enumerate(GENDERS):
            for name, values in COUNTS[cutoff][project].items():
                headline.append((cutoff, project, name, gender, values[i], None, values[i]))
            for name, values in RATES[cutoff][project].items():
                num, den = values[i]
                headline.append((cutoff, project, name, gender, num, den, _rate(num, den)))
            leavers, median, mean = DURATIONS[cutoff][project][i]
            headline.append((cutoff, project, "duration_median_days", gender, None, leavers, median))
            headline.append((cutoff, project, "duration_mean_days", gender, None, leavers, mean))
        for name, (num, den) in TOTAL_ONLY[cutoff][project].items():
            headline.append((cutoff, project, name, "total", num, den, _rate(num, den)))
    text = pl.Utf8
    return {
        "common_indicators": pl.DataFrame(
            common,
            orient="row",
            schema={"cutoff": text, "project_id": text, "indicator": text, "gender": text, "value": pl.Int64},
        ),
        "sfc_table": pl.DataFrame(
            sfc,
            orient="row",
            schema={
                "cutoff": text,
                "specific_objective": text,
                "category_of_region": text,
                "indicator": text,
                "gender": text,
                "value": pl.Int64,
            },
        ),
        "indicators": pl.DataFrame(
            headline,
            orient="row",
            schema={
                "cutoff": text,
                "project_id": text,
                "indicator": text,
                "gender": text,
                "numerator": pl.Float64,
                "denominator": pl.Float64,
                "value": pl.Float64,
            },
        ),
    }


# ------------------------------------------------------------------ the hand tables themselves


@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_hand_tables_are_consistent(cutoff):
    """Guards the hand arithmetic: ALL = HC-ALPHA + HC-BETA, total = f + m + d, SFC2021 sum rules."""

    def summed(table, key):
        return tuple(a + b for a, b in zip(table[A].get(key, (0,) * 4), table[B].get(key, (0,) * 4)))

    for code in COMMON_INDICATORS:
        assert COMMON[cutoff][ALL].get(code, (0,) * 4) == summed(COMMON[cutoff], code), code
    for name in COUNTS[cutoff][ALL]:
        assert COUNTS[cutoff][ALL][name] == summed(COUNTS[cutoff], name), name
    for name in RATES[cutoff][ALL]:
        for i in range(4):
            assert RATES[cutoff][ALL][name][i] == tuple(
                a + b for a, b in zip(RATES[cutoff][A][name][i], RATES[cutoff][B][name][i])
            ), (name, i)
    for project in (A, B, ALL):
        table = COMMON[cutoff][project]
        for code, (f, m, d, total) in table.items():
            assert f + m + d == total, (project, code)
        for i in range(4):
            get = lambda code: table.get(code, (0,) * 4)[i]  # noqa: E731
            assert get("EECO01") == get("EECO02") + get("EECO04") + get("EECO05")
            assert all(get(code) <= get("EECO01") for code in COMMON_INDICATORS if code.startswith("EECR"))


# ------------------------------------------------------------------ (a) reference model


@pytest.fixture(scope="module")
def raw_plain():
    return load_raw_from_data_folder(FIXTURE, use_intake=False)


def test_plain_reading_adds_lineage_from_the_path(raw_plain):
    participants, followup, target_population, projects = raw_plain
    assert projects["project_id"].to_list() == [A, B]
    assert sorted(set(participants.select("_provider_id", "_reporting_month").iter_rows())) == [
        (A, "2024-05"),
        (A, "2024-06"),
        (A, "2024-07"),
        (B, "2024-05"),
        (B, "2024-06"),
    ]
    assert set(followup["_provider_id"]) == {"JC-HC"} and followup.height == 7
    assert target_population.height == 24
    assert participants.schema["entry_date"] == pl.Date and participants.schema["single_parent"] == pl.Boolean


@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_reference_model_equals_hand_values(raw_plain, cutoff):
    result = compute(*raw_plain, cutoff=cutoff)
    expected = expected_frames(cutoff)
    problems = [p for name in expected for p in compare_frames(name, expected[name], result[name])]
    assert problems == []


@pytest.fixture(scope="module")
def raw_intake():
    """The fixture read through ``esf_monitor.intake`` (the reader of the cross-check on generated data)."""
    return load_raw_from_data_folder(FIXTURE)


def test_intake_accepts_every_fixture_file_and_reads_what_polars_reads(raw_plain, raw_intake):
    """Every slot is accepted (none left out) and typed exactly as the plain reading types it."""
    for name, plain, intake in zip(("participants", "followup", "target_population"), raw_plain, raw_intake):
        columns = [*COLUMNS[name], "_provider_id", "_reporting_month"]
        as_plain = intake.select(pl.col(c).cast(plain.schema[c]) for c in columns)
        assert as_plain.sort(columns).equals(plain.select(columns).sort(columns)), name


@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_reference_model_via_intake_equals_hand_values(raw_intake, cutoff):
    result = compute(*raw_intake, cutoff=cutoff)
    expected = expected_frames(cutoff)
    problems = [p for name in expected for p in compare_frames(name, expected[name], result[name])]
    assert problems == []


# ------------------------------------------------------------------ (b) the real pipeline


@pytest.fixture(scope="module")
def pipeline_exports(handcalc_processed) -> Path:
    """The exports of the whole pipeline run once on the fixture (tests/integration/conftest.py)."""
    return handcalc_processed / "exports"


@pytest.mark.slow
def test_pipeline_exports_june_and_the_latest_month_only(pipeline_exports):
    cutoff_dirs = sorted(p.name for p in pipeline_exports.iterdir() if p.is_dir() and p.name[:2] == "20")
    assert cutoff_dirs == list(CUTOFFS)


@pytest.mark.slow
@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_pipeline_equals_hand_values(pipeline_exports, cutoff):
    assert compare_exports(expected_frames(cutoff), pipeline_exports / cutoff) == []
