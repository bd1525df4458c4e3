"""The cell key method of the public release (docs/indicators.md "Publication", v2):
record keys, the ptable row by row, the perturbation against the ONS package, rates and
durations, and the differencing attack — which undoes v1's suppression and not v2's release.
Small hand-made fixtures, every expected figure worked out by hand."""

from __future__ import annotations

import hashlib
import hmac
import stat
from fractions import Fraction

import pandas as pd
import polars as pl
from cell_key_perturbation.create_perturbed_table import create_perturbed_table

from esf_monitor.disclosure.attack import View, attack, perturbed_bounds, v1_bounds
from esf_monitor.disclosure.keys import ensure_secret, key_id, record_key, record_keys, secret_path
from esf_monitor.disclosure.ptable import (
    DESIGN,
    design_ptable,
    load_ptable,
    perturb,
    perturb_expr,
    possible_true_values,
    rate_percent,
    whole_days,
)
from esf_monitor.disclosure.release import build_release

SECRET = bytes(range(32))


# ----------------------------------------------------------------------------- record keys


def test_record_key_is_the_first_byte_of_hmac_sha256():
    # HMAC-SHA256(00 01 … 1f, "PRJ-A|p001") starts with 0x9a = 154; "PRJ-B|p001" with 0x05
    assert record_key(SECRET, "PRJ-A", "p001") == 154
    assert record_key(SECRET, "PRJ-B", "p001") == 5
    assert hmac.new(SECRET, b"PRJ-A|p001", hashlib.sha256).digest()[0] == 154
    assert record_keys(SECRET, [("PRJ-A", "p001"), ("PRJ-B", "p001")]) == [154, 5]


def test_secret_is_created_once_readable_by_the_owner_only(tmp_path):
    first = ensure_secret(tmp_path)
    path = secret_path(tmp_path)
    assert path == tmp_path / "secrets" / "cell_key.secret"
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secret(tmp_path) == first  # never rotated by a second run
    assert ensure_secret(tmp_path / "other") != first  # one secret per data folder


# ----------------------------------------------------------------------------- ptable


def test_ptable_file_is_the_documented_design():
    table = load_ptable()
    assert table.columns == ["pcv", "ckey", "pvalue"]  # the ONS package's format
    assert table.equals(design_ptable())
    assert table.height == 6 * 256


def test_every_ptable_row_keeps_to_the_constraints():
    table = load_ptable()
    for pcv, ckey, p in table.iter_rows():
        assert 0 <= ckey <= 255
        assert abs(p) <= 2, (pcv, ckey)
        assert pcv + p >= 0, (pcv, ckey)
        assert pcv + p not in (1, 2), (pcv, ckey)  # never publish 1 or 2
    by_pcv = {pcv: part["pvalue"].to_list() for (pcv,), part in table.group_by("pcv")}
    assert sorted(by_pcv) == [0, 1, 2, 3, 4, 5]
    assert all(len(v) == 256 for v in by_pcv.values())
    assert set(by_pcv[0]) == {0}  # zero stays zero
    # mean 0 per true count; for 1 the nearest possible is −1/256 (−171 + 2·85 = −1: exact 0
    # would need 85⅓ keys of +2)
    assert {pcv: sum(v) for pcv, v in by_pcv.items()} == {0: 0, 1: -1, 2: 0, 3: 0, 4: 0, 5: 0}
    # the variances stated on the method note (×256): 1 → 171 + 4·85 = 511, 5+ → 256
    assert {pcv: sum(p * p for p in v) for pcv, v in by_pcv.items()} == {
        0: 0,
        1: 511,
        2: 4 * 86 + 168 + 4 * 2,
        3: 0,
        4: 80 + 48 + 4 * 16,
        5: 256,
    }


def test_perturb_looks_up_pcv_and_ckey_and_counts_above_5_use_row_5():
    assert perturb(0, 77) == 0
    assert perturb(1, 0) == 0 and perturb(1, 170) == 0 and perturb(1, 171) == 3 and perturb(1, 255) == 3
    assert perturb(2, 85) == 0 and perturb(2, 86) == 3 and perturb(2, 254) == 4
    assert perturb(3, 200) == 3
    assert perturb(4, 79) == 3 and perturb(4, 80) == 4 and perturb(4, 192) == 5 and perturb(4, 240) == 6
    assert perturb(5, 15) == 3 and perturb(5, 16) == 4 and perturb(5, 80) == 5 and perturb(5, 176) == 6
    assert perturb(1000, 240) == 1002 and perturb(1000, 0) == 998
    frame = pl.DataFrame({"n": [1, 2, 1000, 0], "k": [171, 85, 240, 9]})
    assert frame.select(perturb_expr("n", "k"))["n"].to_list() == [3, 0, 1002, 0]


def test_what_a_published_value_can_come_from():
    assert possible_true_values(0) == {0, 1, 2}
    assert possible_true_values(3) == {1, 2, 3, 4, 5}
    assert possible_true_values(4) == {2, 4, 5, 6}
    assert possible_true_values(10) == {8, 9, 10, 11, 12}
    assert perturbed_bounds(3) == (1, 5)


def test_same_values_as_the_ons_package():
    """The ONS package tabulates microdata with record keys: the same counts and cell keys as
    ours, and with our ptable (rows 6–750 = row 5: the package cycles rows 501–750 above 750)
    the same perturbed values."""
    rows = [
        ("A", "f", 200),
        ("A", "f", 100),
        ("A", "m", 7),
        ("B", "f", 60),
        ("B", "f", 255),
        ("B", "f", 1),
        ("B", "m", 30),
        ("B", "m", 31),
        ("B", "m", 32),
        ("B", "m", 33),
        ("B", "m", 34),
        ("C", "d", 171),
    ]
    micro = pd.DataFrame(rows, columns=["project", "gender", "record_key"])
    table = load_ptable().to_pandas()
    row5 = table[table["pcv"] == 5]
    wide = pd.concat([table] + [row5.assign(pcv=n) for n in range(6, 751)], ignore_index=True)
    theirs = create_perturbed_table(
        micro, wide, geog=[], tab_vars=["project", "gender"], record_key="record_key", threshold=0
    )
    theirs = {
        (r.project, r.gender): (r.pre_sdc_count, r.ckey, r.count)
        for r in theirs.itertuples()
        if r.pre_sdc_count > 0
    }
    ours = (
        pl.from_pandas(micro)
        .group_by("project", "gender")
        .agg(pl.len().alias("n"), (pl.col("record_key").sum() % 256).alias("k"))
        .with_columns(perturb_expr("n", "k").alias("published"))
    )
    ours = {(p, g): (n, k, v) for p, g, n, k, v in ours.iter_rows()}
    # by hand: A/f 2 persons, keys 300 → 44 → p(2, 44) = −2 → 0; A/m 1, key 7 → −1 → 0;
    # B/f 3, keys 316 → 60 → 3; B/m 5, keys 160 → p(5, 160) = 0 → 5; C/d 1, key 171 → +2 → 3
    assert ours == {
        ("A", "f"): (2, 44, 0),
        ("A", "m"): (1, 7, 0),
        ("B", "f"): (3, 60, 3),
        ("B", "m"): (5, 160, 5),
        ("C", "d"): (1, 171, 3),
    }
    assert theirs == ours


# ----------------------------------------------------------------------------- rates, days


def test_rates_whole_percent_from_10_and_durations_whole_days():
    assert rate_percent(45, 100) == 45
    assert rate_percent(5, 40) == 13  # 12.5 % half up
    assert rate_percent(1, 10) == 10
    assert rate_percent(5, 9) is None  # perturbed denominator below 10: "–"
    assert rate_percent(0, 0) is None
    assert whole_days(206.4, 28) == 206 and whole_days(206.5, 10) == 207
    assert whole_days(214.0, 3) is None


def _marts() -> dict[str, pl.DataFrame]:
    """Two projects, one cut-off: counts with cell keys chosen to hit known ptable rows."""
    ind = pl.DataFrame(
        {
            "cutoff": ["2024-06"] * 5,
            "project_id": ["P1", "P1", "P1", "ALL", "P1"],
            "indicator": [
                "participants_cumulative",
                "entries_month",
                "integration_rate_12m",
                "participants_cumulative",
                "duration_median_days",
            ],
            "gender": ["total"] * 5,
            "numerator": [10.0, 1.0, 10.0, 12.0, None],
            "denominator": [None, None, 40.0, None, 9.0],
            "value": [10.0, 1.0, 0.25, 12.0, 133.5],
            "numerator_ckey": [100, 200, 100, 0, None],
            "denominator_ckey": [None, None, 250, None, 250],
        },
        schema_overrides={"numerator_ckey": pl.Int32, "denominator_ckey": pl.Int32},
    )
    common = pl.DataFrame(
        {
            "cutoff": ["2024-06"] * 2,
            "project_id": ["P1", "P1"],
            "indicator": ["EECO01", "EECO12"],
            "gender": ["total", "total"],
            "value": [2, 0],
            "ckey": [90, 0],
        }
    )
    sfc = pl.DataFrame(
        {
            "cutoff": ["2024-06"],
            "specific_objective": ["ESO4.8"],
            "category_of_region": ["transition"],
            "indicator": ["EECO01"],
            "gender": ["total"],
            "value": [2],
            "ckey": [10],
        }
    )
    bd = pl.DataFrame(
        {
            "cutoff": ["2024-06"],
            "project_id": ["P1"],
            "dimension": ["district"],
            "category": ["Nord"],
            "gender": ["total"],
            "participants": [10],
            "leavers": [9],
            "integrated_leavers": [3],
            "participants_ckey": [100],
            "leavers_ckey": [250],
            "integrated_leavers_ckey": [0],
        }
    )
    delivery = pl.DataFrame(
        {
            "provider_id": ["P1"],
            "provider_kind": ["project"],
            "extract_type": ["participants"],
            "reporting_month": ["2024-06"],
            "status": ["accepted"],
            "versions": [1],
            "first_arrived_at": ["x"],
            "last_arrived_at": ["x"],
            "is_late": [False],
            "row_count": [2],
            "incomplete_count": [1],
        }
    )
    return {
        "indicators": ind,
        "common_indicators": common,
        "sfc_table": sfc,
        "participant_breakdowns": bd,
        "delivery_status": delivery,
    }


def test_release_hand_computed():
    release = build_release(_marts())
    rows = {r["indicator"] + "/" + r["project_id"]: r for r in release.indicators.iter_rows(named=True)}
    # 10 with key 100 → p = 0 → 10; 1 with key 200 → +2 → 3; ALL 12 with key 0 → −2 → 10
    assert rows["participants_cumulative/P1"] == {
        "cutoff": "2024-06",
        "project_id": "P1",
        "indicator": "participants_cumulative",
        "gender": "total",
        "unit": "count",
        "numerator": 10,
        "denominator": None,
        "value": 10,
    }
    assert rows["entries_month/P1"]["value"] == 3
    assert rows["participants_cumulative/ALL"]["value"] == 10  # parts need not add up
    # rate: numerator 10 (key 100) → 10, denominator 40 (key 250) → 42: 23.8 % → 24
    assert (
        rows["integration_rate_12m/P1"]["numerator"],
        rows["integration_rate_12m/P1"]["denominator"],
        rows["integration_rate_12m/P1"]["value"],
    ) == (10, 42, 24)
    # duration over 9 leavers (key 250 → 11): shown, whole days 133.5 → 134
    assert (rows["duration_median_days/P1"]["denominator"], rows["duration_median_days/P1"]["value"]) == (
        11,
        134,
    )
    assert release.common_indicators["value"].to_list() == [3, 0]  # 2 with key 90 → +1; 0 stays 0
    assert release.sfc_table["value"].to_list() == [0]  # 2 with key 10 → −2
    bd = release.participant_breakdowns.row(0, named=True)
    # 10 → 10; 9 leavers key 250 → 11; 3 integrated key 0 → 3; 3 / 11 = 27.3 % → 27
    assert (bd["participants"], bd["leavers"], bd["integrated_leavers"], bd["integration_rate_percent"]) == (
        10,
        11,
        3,
        27,
    )
    assert "row_count" not in release.delivery_status.columns


# ----------------------------------------------------------------------------- attack


def _v1_page(true: dict) -> dict:
    """What v1 showed: exact counts, 1 and 2 as '*', and (its secondary suppression) the
    smallest other part of a gender line hidden too when a line had one '*'."""
    shown = {k: ("*" if v in (1, 2) else v) for k, v in true.items()}
    for k in true:
        if k[-1] == "total":
            parts = [k[:-1] + (g,) for g in "fmd" if k[:-1] + (g,) in true]
            hidden = [p for p in parts if shown[p] == "*"]
            if len(hidden) == 1:
                others = sorted((true[p], p) for p in parts if shown[p] != "*" and true[p] > 0)
                if others:
                    shown[others[0][1]] = "*"
    return shown


#: participants_cumulative of one project in two months (gender f, m, d, total) and the
#: integration rate of the second month with its leavers
TRUE = {
    ("A", "2024-05", "f"): 7,
    ("A", "2024-05", "m"): 3,
    ("A", "2024-05", "d"): 0,
    ("A", "2024-05", "total"): 10,
    ("A", "2024-06", "f"): 8,
    ("A", "2024-06", "m"): 4,
    ("A", "2024-06", "d"): 0,
    ("A", "2024-06", "total"): 12,
    ("A", "2024-06", "integrated", "total"): 2,
    ("A", "2024-06", "leavers", "total"): 8,
}
KEYS = {
    ("A", "2024-05", "f"): 16,
    ("A", "2024-05", "m"): 3,
    ("A", "2024-05", "d"): 0,
    ("A", "2024-05", "total"): 19,
    ("A", "2024-06", "f"): 80,
    ("A", "2024-06", "m"): 230,
    ("A", "2024-06", "d"): 0,
    ("A", "2024-06", "total"): 54,
    ("A", "2024-06", "integrated", "total"): 100,
    ("A", "2024-06", "leavers", "total"): 240,
}
LINES = dict(
    ge=[(("A", m, "total"), [("A", m, g) for g in "fmd"]) for m in ("2024-05", "2024-06")],
    months=[(("A", "2024-06", g), ("A", "2024-05", g)) for g in ("f", "m", "d", "total")],
)


def test_attack_undoes_v1():
    """v1: this month's cumulative minus last month's gives the 2 entries (total 12 − 10) and
    the 1 new woman (8 − 7) and man (4 − 3); the exact rate 25 % times the 8 leavers shown gives
    the hidden 2 integrated leavers."""
    shown = _v1_page(TRUE)
    assert shown[("A", "2024-06", "integrated", "total")] == "*"
    view = View(
        bounds={k: v1_bounds(v) for k, v in shown.items()},
        shown_exactly={k for k, v in shown.items() if v != "*"},
        rates=[
            (("A", "2024-06", "integrated", "total"), ("A", "2024-06", "leavers", "total"), Fraction(2, 8))
        ],
        **LINES,
    )
    assert sorted(attack(view, TRUE), key=str) == sorted(
        [
            ("A", "2024-06", "integrated", "total"),
            ("diff", ("A", "2024-06", "f"), ("A", "2024-05", "f")),
            ("diff", ("A", "2024-06", "m"), ("A", "2024-05", "m")),
            ("diff", ("A", "2024-06", "total"), ("A", "2024-05", "total")),
        ],
        key=str,
    )


def test_attack_recovers_nothing_from_the_perturbed_release():
    published = {k: perturb(v, KEYS[k]) for k, v in TRUE.items()}
    # by hand: 7 (16) → 6, 3 → 3, 0 → 0, 10 (19) → 9; 8 (80) → 8, 4 (230) → 5, 12 (54) → 11;
    # integrated 2 (100) → 3, leavers 8 (240) → 10: a published rate would be 3 / 10 = 30 %
    assert published == {
        ("A", "2024-05", "f"): 6,
        ("A", "2024-05", "m"): 3,
        ("A", "2024-05", "d"): 0,
        ("A", "2024-05", "total"): 9,
        ("A", "2024-06", "f"): 8,
        ("A", "2024-06", "m"): 5,
        ("A", "2024-06", "d"): 0,
        ("A", "2024-06", "total"): 11,
        ("A", "2024-06", "integrated", "total"): 3,
        ("A", "2024-06", "leavers", "total"): 10,
    }
    view = View(bounds={k: perturbed_bounds(v) for k, v in published.items()}, **LINES)
    assert attack(view, TRUE) == []


def test_a_value_the_ptable_never_publishes_is_taken_as_exact():
    """An unperturbed release can show 1 or 2: the attacker reads it as exact, the audit that
    must report it does not crash on it (it did: ``min()`` of no possible true value)."""
    assert possible_true_values(1) == set() and possible_true_values(2) == set()
    assert perturbed_bounds(1) == (1, 1) and perturbed_bounds(2) == (2, 2)
    assert perturbed_bounds(0) == (0, 2) and perturbed_bounds(3) == (1, 5)


def test_design_has_every_true_count_it_needs():
    assert sorted(DESIGN) == [0, 1, 2, 3, 4, 5]


def test_key_id_fingerprints_the_secret_without_being_a_record_key():
    import hashlib
    import hmac

    label = hmac.new(SECRET, b"esf-monitor record key id", hashlib.sha256).hexdigest()
    assert key_id(SECRET) == label[:16]
    assert key_id(b"another secret of 32 bytes......") != key_id(SECRET)
