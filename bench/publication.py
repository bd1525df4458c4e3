"""What the public release costs (issue #12): time and information loss.

- cost: the Dagster steps of the release (``public_release_candidate``, the blocking check
  ``disclosure_audit``, ``public_release``) in seconds and as a share of the dbt build step;
- information loss per page type (overview = programme rows, project pages = project rows,
  SFC2021 tables): the mean absolute perturbation |published − true| over every published
  count, and the share of rates (and durations) shown out of those with a true denominator > 0.
Read from a data folder after a full run: the marts (true counts) and exports/public/.
Recorded as section 6 of BENCHMARKS.md (block ``publication``) from the first full run of
``python -m bench e2e`` (:func:`markdown_section`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from esf_monitor import exports, warehouse
from esf_monitor.disclosure.audit import read_release
from esf_monitor.disclosure.release import COUNT_INDICATORS

RELEASE_STEPS = ("public_release_candidate", "disclosure_audit", "public_release")


def release_cost(steps: dict[str, float]) -> dict:
    own = {k: v for k, v in steps.items() if any(s in k for s in RELEASE_STEPS)}
    dbt = sum(v for k, v in steps.items() if "esf_dbt_models" in k)
    seconds = sum(own.values())
    return {
        "steps": own,
        "seconds": seconds,
        "dbt_seconds": dbt,
        "share_of_dbt": seconds / dbt if dbt else None,
    }


def _loss(
    true: pl.DataFrame, published: pl.DataFrame, keys: list[str], columns: list[str]
) -> tuple[float, int]:
    joined = true.select(keys + columns).join(published.select(keys + columns), on=keys, suffix="_p")
    diffs = pl.concat([(joined[c].cast(pl.Int64) - joined[f"{c}_p"].cast(pl.Int64)).abs() for c in columns])
    return (float(diffs.mean()) if len(diffs) else 0.0), len(diffs)


def information_loss(data_dir: Path) -> dict:
    with warehouse.connect(data_dir / "warehouse" / "esf.duckdb", read_only=True) as con:
        marts = exports.read_marts(con, exports.MARTS)
    release = read_release(data_dir / "exports" / "public")
    k_ind = ["cutoff", "project_id", "indicator", "gender"]
    k_bd = ["cutoff", "project_id", "dimension", "category", "gender"]
    out = {}
    for page, unit in (
        ("overview (programme)", pl.col("project_id") == "ALL"),
        ("project pages", pl.col("project_id") != "ALL"),
    ):
        t_ind = (
            marts["indicators"]
            .filter(unit & pl.col("indicator").is_in(COUNT_INDICATORS))
            .with_columns(pl.col("numerator").cast(pl.Int64))
        )
        p_ind = release.indicators.filter(unit & pl.col("indicator").is_in(COUNT_INDICATORS))
        m1, n1 = _loss(t_ind, p_ind, k_ind, ["numerator"])
        m2, n2 = _loss(
            marts["common_indicators"].filter(unit), release.common_indicators.filter(unit), k_ind, ["value"]
        )
        m3, n3 = _loss(
            marts["participant_breakdowns"].filter(unit),
            release.participant_breakdowns.filter(unit),
            k_bd,
            ["participants", "leavers", "integrated_leavers"],
        )
        n = n1 + n2 + n3
        rates_true = marts["indicators"].filter(
            unit & ~pl.col("indicator").is_in(COUNT_INDICATORS) & (pl.col("denominator") > 0)
        )
        shown = rates_true.select(k_ind).join(
            release.indicators.filter(pl.col("value").is_not_null()), on=k_ind
        )
        out[page] = {
            "counts": n,
            "mean_abs_perturbation": (m1 * n1 + m2 * n2 + m3 * n3) / n if n else 0.0,
            "rates": rates_true.height,
            "rates_shown_share": shown.height / rates_true.height if rates_true.height else None,
        }
    m, n = _loss(
        marts["sfc_table"],
        release.sfc_table,
        ["cutoff", "specific_objective", "category_of_region", "indicator", "gender"],
        ["value"],
    )
    out["SFC2021 tables"] = {"counts": n, "mean_abs_perturbation": m, "rates": 0, "rates_shown_share": None}
    return out


def markdown(cost: dict, loss: dict) -> list[str]:
    share = f"{cost['share_of_dbt']:.0%}" if cost["share_of_dbt"] is not None else "–"
    lines = [
        "",
        "### Public release (cell key method, issue #12)",
        "",
        f"Writing the public release (staged CSV + public pages, blocking disclosure audit, "
        f"swap): **{cost['seconds']:.1f} s**, {share} of the dbt build step "
        f"({cost['dbt_seconds']:.1f} s); steps: "
        + ", ".join(f"`{k}` {v:.1f} s" for k, v in cost["steps"].items()),
        "",
        "| page type | published counts | mean abs. perturbation | rates/durations with a denominator | shown (perturbed denominator ≥ 10) |",
        "|---|--:|--:|--:|--:|",
    ]
    for page, x in loss.items():
        shown = f"{x['rates_shown_share']:.0%}" if x["rates_shown_share"] is not None else "–"
        lines.append(
            f"| {page} | {x['counts']:,} | {x['mean_abs_perturbation']:.3f} | {x['rates']:,} | {shown} |"
        )
    return lines


def markdown_section(results: dict) -> str:
    """Section 6 of BENCHMARKS.md from an e2e result (its first full run)."""
    from bench.e2e import _header

    run = results["e2e"]["full"]["runs"][0]
    pub = run["publication"]
    c = results["e2e"]["counts"]
    cores_busy = run["cpu_seconds"] / run["seconds"] if run["seconds"] else 0.0
    lines = [
        "## 6. Public release (issue #12): cost and information loss",
        "",
        *_header(results),
        f"- Warehouse: {c['participant_cutoff_rows']:,} participant × cut-off rows; the figures are "
        f"those of the first full run of section 2's command (`bench/publication.py`): Dagster's step "
        f"records for the cost, the marts (true counts) against `exports/public/` for the loss",
        f"- That run: {run['seconds']:,.0f} s wall, {run['cpu_seconds']:,.0f} s CPU "
        f"({cores_busy:.2f} of {results['machine']['cores']} cores busy on average)",
        *markdown(pub["cost"], pub["loss"])[2:],
    ]
    if results.get("notes_publication"):
        lines += ["", results["notes_publication"]]
    return "\n".join(lines)
