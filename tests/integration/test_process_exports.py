"""Process monitoring, end to end (docs/process-monitoring.md "Figures"): checklists in landing/
→ raw → dbt marts → exports/process/, every figure computed by hand below.

The fixture (tests/fixtures/process/builders.py): KOM-A and KOM-B joined before the 2020-06
wave, KOM-C on 2020-09-01 (after it, before 2020-12). Items: I1 = 1.1_bkg_meetings,
I2 = 1.1_abh_cooperation, I3 = 1.6_needs_analysis (asks the responsibility), I4 =
1.7_participation (asked from 2020-12 on).

2020-06 — KOM-A first sends all three items "no", then re-sends (newest version wins): I1
"Bereits umgesetzt" (the German wording), I2 in planning, I3 implemented by the THM alone.
KOM-B: I1 implemented, I3 in planning without saying who; I2 left unanswered (a warning).
KOM-C sends a checklist, but joined after the wave: not counted. Registered 2, answering 2.
  I1: 2 answering, 2 implemented (share 1).  I2: 1 answering (KOM-A), in planning 1 (1).
  I3: 2 answering, in planning 1 (0.5), implemented 1 (0.5); responsibility over the 2
  implemented or planning: thm_alone 1 (0.5), unknown 1 (0.5).
2020-12 — registered 3 (KOM-C now), answering 2 (KOM-B sends nothing): response rate 2/3.
KOM-A: I1 implemented, I2 implemented, I3 implemented shared, I4 in planning. KOM-C: I1 in
planning, I2 no, I3 implemented by partners, I4 no.
  Change over the panel (counted in both waves and answering the item in both) = KOM-A only:
  I1 implemented → implemented (1 → 1, 0 pp); I2 in planning → implemented (0 → 1, +100 pp;
  implemented or planning 1 → 1, 0 pp — KOM-A's first version, "no", would have given +100);
  I3 1 → 1. I4 was not asked in 2020-06: no row. 2020-06 has no change file.
process_answers.csv: the counted municipalities' answers per wave (KOM-A's second version).
"""

from __future__ import annotations

from pathlib import Path

from fixtures.process.builders import write_registries, write_table
from pipeline_harness import run_pipeline

from esf_monitor.paths import DataDir
from orchestration.driver import run_pending

COLUMNS = ["item_id", "status", "responsibility", "note"]
I1, I2, I3, I4 = "1.1_bkg_meetings", "1.1_abh_cooperation", "1.6_needs_analysis", "1.7_participation"


def _checklist(root: Path, municipality: str, wave: str, answers: list[tuple]) -> Path:
    rows = [dict(zip(COLUMNS, (*a, "", "")[:4], strict=True)) for a in answers]
    return write_table(root / "landing" / municipality / "process_checklist" / f"{wave}.csv", rows, COLUMNS)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


ITEMS_2020_06 = """\
wave,item_id,section,municipalities_registered,municipalities_answering,status,count,share
2020-06,1.1_bkg_meetings,1.1,2,2,no,0,0
2020-06,1.1_bkg_meetings,1.1,2,2,not_planned_useful,0,0
2020-06,1.1_bkg_meetings,1.1,2,2,in_planning,0,0
2020-06,1.1_bkg_meetings,1.1,2,2,implemented,2,1
2020-06,1.1_bkg_meetings,1.1,2,2,answered,2,1
2020-06,1.1_abh_cooperation,1.1,2,1,no,0,0
2020-06,1.1_abh_cooperation,1.1,2,1,not_planned_useful,0,0
2020-06,1.1_abh_cooperation,1.1,2,1,in_planning,1,1
2020-06,1.1_abh_cooperation,1.1,2,1,implemented,0,0
2020-06,1.1_abh_cooperation,1.1,2,1,answered,1,1
2020-06,1.6_needs_analysis,1.6,2,2,no,0,0
2020-06,1.6_needs_analysis,1.6,2,2,not_planned_useful,0,0
2020-06,1.6_needs_analysis,1.6,2,2,in_planning,1,0.5
2020-06,1.6_needs_analysis,1.6,2,2,implemented,1,0.5
2020-06,1.6_needs_analysis,1.6,2,2,answered,2,1
"""
RESPONSIBILITY_2020_06 = """\
wave,item_id,responsibility,count,share
2020-06,1.6_needs_analysis,thm_alone,1,0.5
2020-06,1.6_needs_analysis,thm_shared,0,0
2020-06,1.6_needs_analysis,partners,0,0
2020-06,1.6_needs_analysis,unknown,1,0.5
"""
ITEMS_2020_12 = """\
wave,item_id,section,municipalities_registered,municipalities_answering,status,count,share
2020-12,1.1_bkg_meetings,1.1,3,2,no,0,0
2020-12,1.1_bkg_meetings,1.1,3,2,not_planned_useful,0,0
2020-12,1.1_bkg_meetings,1.1,3,2,in_planning,1,0.5
2020-12,1.1_bkg_meetings,1.1,3,2,implemented,1,0.5
2020-12,1.1_bkg_meetings,1.1,3,2,answered,2,1
2020-12,1.1_abh_cooperation,1.1,3,2,no,1,0.5
2020-12,1.1_abh_cooperation,1.1,3,2,not_planned_useful,0,0
2020-12,1.1_abh_cooperation,1.1,3,2,in_planning,0,0
2020-12,1.1_abh_cooperation,1.1,3,2,implemented,1,0.5
2020-12,1.1_abh_cooperation,1.1,3,2,answered,2,1
2020-12,1.6_needs_analysis,1.6,3,2,no,0,0
2020-12,1.6_needs_analysis,1.6,3,2,not_planned_useful,0,0
2020-12,1.6_needs_analysis,1.6,3,2,in_planning,0,0
2020-12,1.6_needs_analysis,1.6,3,2,implemented,2,1
2020-12,1.6_needs_analysis,1.6,3,2,answered,2,1
2020-12,1.7_participation,1.7,3,2,no,1,0.5
2020-12,1.7_participation,1.7,3,2,not_planned_useful,0,0
2020-12,1.7_participation,1.7,3,2,in_planning,1,0.5
2020-12,1.7_participation,1.7,3,2,implemented,0,0
2020-12,1.7_participation,1.7,3,2,answered,2,1
"""
RESPONSIBILITY_2020_12 = """\
wave,item_id,responsibility,count,share
2020-12,1.6_needs_analysis,thm_alone,0,0
2020-12,1.6_needs_analysis,thm_shared,1,0.5
2020-12,1.6_needs_analysis,partners,1,0.5
2020-12,1.6_needs_analysis,unknown,0,0
"""
CHANGE_2020_12 = """\
wave,previous_wave,item_id,panel_municipalities,share_implemented_prev,share_implemented,change_pp,\
share_implemented_or_planning_prev,share_implemented_or_planning,change_or_planning_pp
2020-12,2020-06,1.1_bkg_meetings,1,1,1,0,1,1,0
2020-12,2020-06,1.1_abh_cooperation,1,0,1,100,1,1,0
2020-12,2020-06,1.6_needs_analysis,1,1,1,0,1,1,0
"""
ANSWERS_2020_06 = """\
wave,municipality_id,item_id,status,responsibility
2020-06,KOM-A,1.1_bkg_meetings,implemented,
2020-06,KOM-A,1.1_abh_cooperation,in_planning,
2020-06,KOM-A,1.6_needs_analysis,implemented,thm_alone
2020-06,KOM-B,1.1_bkg_meetings,implemented,
2020-06,KOM-B,1.6_needs_analysis,in_planning,
"""
ANSWERS_2020_12 = """\
wave,municipality_id,item_id,status,responsibility
2020-12,KOM-A,1.1_bkg_meetings,implemented,
2020-12,KOM-A,1.1_abh_cooperation,implemented,
2020-12,KOM-A,1.6_needs_analysis,implemented,thm_shared
2020-12,KOM-A,1.7_participation,in_planning,
2020-12,KOM-C,1.1_bkg_meetings,in_planning,
2020-12,KOM-C,1.1_abh_cooperation,no,
2020-12,KOM-C,1.6_needs_analysis,implemented,partners
2020-12,KOM-C,1.7_participation,no,
"""
WAVES = """\
wave,municipalities_registered,municipalities_answering,response_rate
2020-06,2,2,1
2020-12,3,2,0.666666666667
"""


def test_process_exports_hand_computed_with_a_resubmission(data_dir):
    write_registries(data_dir / "reference")
    _checklist(data_dir, "KOM-A", "2020-06", [(I1, "no"), (I2, "no"), (I3, "no")])
    _checklist(data_dir, "KOM-B", "2020-06", [(I1, "implemented"), (I3, "in_planning")])
    _checklist(data_dir, "KOM-C", "2020-06", [(I1, "no"), (I2, "no"), (I3, "implemented", "partners")])
    _checklist(
        data_dir,
        "KOM-A",
        "2020-12",
        [(I1, "implemented"), (I2, "implemented"), (I3, "implemented", "thm_shared"), (I4, "in_planning")],
    )
    _checklist(
        data_dir,
        "KOM-C",
        "2020-12",
        [(I1, "in_planning"), (I2, "no"), (I3, "implemented", "partners"), (I4, "no")],
    )
    exports = run_pipeline(data_dir)
    folder = exports / "process"
    # before the re-send: KOM-A's "no" counts (I2 in planning 0 of 1)
    assert "2020-06,1.1_abh_cooperation,1.1,2,1,no,1,1\n" in _text(folder / "2020-06" / "process_items.csv")

    # the re-submission alone: one upload into an idle system (upload_process_checklist)
    _checklist(
        data_dir,
        "KOM-A",
        "2020-06",
        [
            (I1, "Bereits umgesetzt"),
            (I2, "in_planning", "", "Gespräch mit der ABH im Juli"),
            (I3, "implemented", "thm_alone"),
        ],
    )
    report = run_pending(DataDir(data_dir))
    assert report.ok, report.failed

    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "2020-06/process_answers.csv",
        "2020-06/process_items.csv",
        "2020-06/process_responsibility.csv",
        "2020-12/process_answers.csv",
        "2020-12/process_change.csv",
        "2020-12/process_items.csv",
        "2020-12/process_responsibility.csv",
        "waves.csv",
    ]
    assert _text(folder / "waves.csv") == WAVES
    assert _text(folder / "2020-06" / "process_items.csv") == ITEMS_2020_06
    assert _text(folder / "2020-06" / "process_responsibility.csv") == RESPONSIBILITY_2020_06
    assert _text(folder / "2020-12" / "process_items.csv") == ITEMS_2020_12
    assert _text(folder / "2020-12" / "process_responsibility.csv") == RESPONSIBILITY_2020_12
    assert _text(folder / "2020-12" / "process_change.csv") == CHANGE_2020_12
    # each counted municipality's answers (the municipality pages): KOM-C not in 2020-06
    assert _text(folder / "2020-06" / "process_answers.csv") == ANSWERS_2020_06
    assert _text(folder / "2020-12" / "process_answers.csv") == ANSWERS_2020_12
    # the note reaches no export

    assert not any("ABH im Juli" in _text(p) for p in exports.rglob("*.csv"))
