"""great-expectations checks on the indicator marts, and their offline Data Docs.

Pure functions on pandas frames (the marts as dbt built them, the registry ``raw.projects``);
the Dagster asset checks in ``orchestration/checks.py`` read DuckDB and call them. Each check
builds one small pandas *check frame* (e.g. EECR rows joined to their EECO01) and lets GX
built-in expectations judge it row by row, so a failure names the offending rows.

Why these rules (docs/indicators.md): SFC2021 rejects tables where a result exceeds EECO01;
gender rows must add up; counts are never negative; rates are fractions 0–1; every registry
project that had started by the cut-off must be reported (zeros included). A breach of any
of these means wrong figures: the checks are *blocking*, so the exports do not run on them.

Complete-record share (WARN, not blocking): the EU common indicators count only participants
whose core data (gender, birth year, employment status, ISCED) is complete (Reg. 2021/1057
Annex I; ``schemas.codes.CORE_FIELDS``). Participants with gaps are accepted but disappear
from EECO01 and every EECO/EECR figure reported to the Commission, so a low share understates
the programme's output against its targets. ``MIN_COMPLETE_SHARE`` = 0.90 is the managing
authority's internal warning line (not a regulatory number): below it more than one in ten
participants is missing from the SFC2021 transmission, which is worth chasing with the
providers before the June/December cut-off. It is a warning because the figures themselves
are still correct — they are just incomplete.

``reach_rate_12m`` may legitimately exceed 1 when the target-population figures lag behind
(a share of a population measured elsewhere), so "≤ 1" is a warning of its own, not part of
the blocking rate check (its lower bound 0 is part of the blocking non-negative check).

Offline Data Docs: GX's page templates load Bootstrap 4, jQuery, bootstrap-table, Vega and
Font Awesome from CDNs. ``build_data_docs`` removes every remote ``<script src>``/``<link
href>`` and links local copies of Bootstrap 4 (CSS and JS, from the XStatic-Bootstrap package)
and jQuery (from Django's admin) in ``static/vendor/`` instead, so GX's own scripts run: "Show
more info…" opens and closes, the buttons that hide passed expectations work, no console
error. It points the logo at the copy in ``static/images``, adds a small local stylesheet (the
Font Awesome icons as characters), and replaces GX's index with a static one (German first)
that links every GX validation and suite page. Not bundled: bootstrap-table (tables are plain,
not sortable), Vega (the checks here draw no chart), Font Awesome's font.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from schemas.codes import GENDER

if TYPE_CHECKING:
    from great_expectations.data_context import EphemeralDataContext

#: warning line for EECO01 ÷ participants_cumulative (ALL, total, latest cut-off) — see above
MIN_COMPLETE_SHARE = 0.90
#: fractions that must lie in 0–1 (value = numerator ÷ denominator of a subset of it)
RATE_INDICATORS = (
    "integration_rate_12m",
    "integration_rate_cumulative",
    "integration_rate_6m",
    "followup_coverage",
    "status_unknown_share",
)
REACH_INDICATOR = "reach_rate_12m"
#: headline indicators that are head counts (docs/indicators.md): numerator = value
COUNT_INDICATORS = ("participants_cumulative", "participants_active", "entries_month", "leavers_month")
#: marts checked here (dbt model names = Dagster asset keys)
MARTS = ("common_indicators", "sfc_table", "indicators")
#: failing rows shown in the check metadata
MAX_FAILING_ROWS = 10
GENDER_ROWS = (*GENDER, "total")

_GX_DATASOURCE = "esf_marts"
_NUMERIC = ("value", "numerator", "denominator")


@dataclass(frozen=True)
class QualityCheck:
    """One rule on one mart: how to build its check frame and which GX expectations judge it."""

    name: str
    asset: str
    blocking: bool
    description: str  # "Deutsch / English"
    build_frame: Callable[[dict[str, pd.DataFrame], pd.DataFrame], pd.DataFrame]
    expectations: Callable[[], list]  # -> list[gx Expectation]; called once per process
    also_reads: tuple[str, ...] = ()  # other assets the check frame is built from

    @property
    def key(self) -> str:
        return f"{self.asset}__{self.name}"

    @property
    def severity(self) -> str:
        return "ERROR" if self.blocking else "WARN"


@dataclass
class CheckOutcome:
    name: str
    asset: str
    passed: bool
    blocking: bool
    severity: str  # "ERROR" (blocking) | "WARN"
    description: str
    failing_count: int
    failing_rows: pd.DataFrame = field(repr=False)  # first MAX_FAILING_ROWS of the check frame
    suite_name: str = ""

    def failing_rows_markdown(self) -> str:
        if self.failing_rows.empty:
            return "keine / none"
        return self.failing_rows.to_markdown(index=False)


# --------------------------------------------------------------------------------------------
# check frames (pure pandas): one row per thing the expectations judge


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts/rates as float64 with NaN for NULL (GX compares numpy floats reliably)."""
    frame = frame.copy()
    for column in _NUMERIC:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def _keys(mart: str) -> list[str]:
    """The columns that identify one figure apart from indicator and gender."""
    if mart == "sfc_table":
        return ["cutoff", "specific_objective", "category_of_region"]
    return ["cutoff", "project_id"]


def _rates(frames, registry) -> pd.DataFrame:
    ind = _numeric(frames["indicators"])
    return ind[ind["indicator"].isin(RATE_INDICATORS)].reset_index(drop=True)


def _reach(frames, registry) -> pd.DataFrame:
    ind = _numeric(frames["indicators"])
    return ind[ind["indicator"] == REACH_INDICATOR].reset_index(drop=True)


def _results_vs_eeco01(mart: str):
    def build(frames, registry) -> pd.DataFrame:
        frame = _numeric(frames[mart])
        keys = _keys(mart) + ["gender"]
        eeco01 = frame[frame["indicator"] == "EECO01"][keys + ["value"]].rename(columns={"value": "eeco01"})
        results = frame[frame["indicator"].str.startswith("EECR")]
        return results.merge(eeco01, on=keys, how="left").reset_index(drop=True)

    return build


def _gender_sums(mart: str):
    def build(frames, registry) -> pd.DataFrame:
        frame = _numeric(frames[mart])
        if mart == "indicators":
            frame = frame[frame["indicator"].isin(COUNT_INDICATORS)]
        keys = _keys(mart) + ["indicator"]
        wide = (
            frame.groupby(keys + ["gender"], dropna=False)["value"]
            .sum(min_count=1)
            .unstack("gender")
            .reindex(columns=list(GENDER_ROWS))
        )
        wide.columns.name = None
        wide["sum_f_m_d"] = wide[list(GENDER)].sum(axis=1)
        return wide.reset_index()

    return build


def _non_negative(mart: str):
    def build(frames, registry) -> pd.DataFrame:
        return _numeric(frames[mart]).reset_index(drop=True)

    return build


def _complete_share(frames, registry) -> pd.DataFrame:
    """EECO01 ÷ participants_cumulative for the programme (ALL, total) at the latest cut-off."""
    ci, ind = _numeric(frames["common_indicators"]), _numeric(frames["indicators"])
    if ci.empty:
        return pd.DataFrame({"cutoff": [], "eeco01": [], "participants_cumulative": [], "complete_share": []})
    latest = ci["cutoff"].max()

    def programme_total(frame: pd.DataFrame, indicator: str) -> float:
        row = frame[
            (frame["cutoff"] == latest)
            & (frame["project_id"] == "ALL")
            & (frame["indicator"] == indicator)
            & (frame["gender"] == "total")
        ]
        return float(row["value"].iloc[0]) if len(row) else float("nan")

    eeco01 = programme_total(ci, "EECO01")
    participants = programme_total(ind, "participants_cumulative")
    # no participants yet: nothing is incomplete; a missing figure stays NaN and fails not-null
    share = 1.0 if participants == 0 else eeco01 / participants
    return pd.DataFrame(
        {
            "cutoff": [latest],
            "project_id": ["ALL"],
            "eeco01": [eeco01],
            "participants_cumulative": [participants],
            "complete_share": [share],
        }
    )


def _projects_present(mart: str):
    def build(frames, registry) -> pd.DataFrame:
        frame = frames[mart]
        # dtype str: with no cut-off yet (a data folder of process checklists only) an empty
        # list would become a float column that cannot be compared with the start months
        cutoffs = pd.DataFrame({"cutoff": pd.Series(sorted(frame["cutoff"].dropna().unique()), dtype=str)})
        projects = pd.DataFrame(
            {
                "project_id": registry["project_id"],
                "start_month": pd.to_datetime(registry["start_date"]).dt.strftime("%Y-%m"),
            }
        )
        expected = cutoffs.merge(projects, how="cross")
        expected = expected[expected["start_month"] <= expected["cutoff"]]
        reported = frame[["cutoff", "project_id"]].drop_duplicates()
        merged = expected.merge(reported, on=["cutoff", "project_id"], how="left", indicator=True)
        merged["reported"] = merged.pop("_merge") == "both"
        return merged.sort_values(["cutoff", "project_id"]).reset_index(drop=True)

    return build


# --------------------------------------------------------------------------------------------
# the suite


def _gx_expectations():
    import great_expectations as gx

    return gx.expectations


def _between(column: str, low: float | None, high: float | None, text: str):
    return lambda: [
        _gx_expectations().ExpectColumnValuesToBeBetween(
            column=column, min_value=low, max_value=high, description=text
        )
    ]


def _non_negative_expectations(mart: str):
    columns = ("numerator", "denominator", "value") if mart == "indicators" else ("value",)
    return lambda: [
        _gx_expectations().ExpectColumnValuesToBeBetween(
            column=c, min_value=0, description=f"{c} ≥ 0 (leer erlaubt / empty allowed)"
        )
        for c in columns
    ]


def _gender_expectations(mart: str):
    if mart == "indicators":
        return lambda: [
            _gx_expectations().ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="total",
                column_B="sum_f_m_d",
                or_equal=True,
                description="f + m + d ≤ total (ohne Geschlecht nur in total / missing gender only in total)",
            )
        ]
    return lambda: [
        _gx_expectations().ExpectColumnPairValuesToBeEqual(
            column_A="sum_f_m_d", column_B="total", description="f + m + d = total"
        )
    ]


def _results_expectations():
    return [
        _gx_expectations().ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="eeco01",
            column_B="value",
            or_equal=True,
            description="EECR ≤ EECO01 (gleicher Stichtag, gleiches Geschlecht / same cut-off, same gender)",
        )
    ]


def _complete_share_expectations():
    e = _gx_expectations()
    return [
        e.ExpectColumnValuesToNotBeNull(
            column="complete_share",
            description="EECO01 und participants_cumulative vorhanden / both figures present",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="complete_share",
            min_value=MIN_COMPLETE_SHARE,
            description=f"Anteil vollständiger Datensätze ≥ {MIN_COMPLETE_SHARE:.0%} / "
            f"complete-record share ≥ {MIN_COMPLETE_SHARE:.0%}",
        ),
    ]


def _projects_expectations():
    return [
        _gx_expectations().ExpectColumnValuesToBeInSet(
            column="reported",
            value_set=[True],
            description="Projekt für den Stichtag berichtet / project reported for the cut-off",
        )
    ]


CHECKS: tuple[QualityCheck, ...] = (
    QualityCheck(
        "gx_rates_within_0_1",
        "indicators",
        True,
        "Quoten liegen zwischen 0 und 1 / rates lie between 0 and 1 "
        f"({', '.join(RATE_INDICATORS)}; leer erlaubt / empty allowed)",
        _rates,
        _between("value", 0, 1, "Quote 0–1 / rate 0–1"),
    ),
    QualityCheck(
        "gx_reach_rate_at_most_1",
        "indicators",
        False,
        "Reichweitenquote ≤ 1 — sonst Zielgruppenzahlen prüfen / reach rate ≤ 1 — otherwise "
        "check the target-population figures",
        _reach,
        _between("value", None, 1, "reach_rate_12m ≤ 1"),
    ),
    *(
        QualityCheck(
            "gx_results_le_eeco01",
            mart,
            True,
            "Jedes Ergebnis (EECR) ≤ EECO01 je Stichtag, Einheit und Geschlecht (SFC2021) / every "
            "result (EECR) ≤ EECO01 per cut-off, unit and gender (SFC2021)",
            _results_vs_eeco01(mart),
            _results_expectations,
        )
        for mart in ("common_indicators", "sfc_table")
    ),
    *(
        QualityCheck(
            "gx_gender_rows_sum_to_total",
            mart,
            True,
            (
                "Zählindikatoren: f + m + d ≤ total (Teilnehmende ohne Geschlecht zählen nur in total) / "
                "count indicators: f + m + d ≤ total (participants without gender count only in total)"
            )
            if mart == "indicators"
            else "Summe der Geschlechter = total / gender rows sum to the total (f + m + d = total)",
            _gender_sums(mart),
            _gender_expectations(mart),
        )
        for mart in MARTS
    ),
    *(
        QualityCheck(
            "gx_no_negative_counts",
            mart,
            True,
            "Keine negativen Zahlen / no negative counts"
            + (" (numerator, denominator, value)" if mart == "indicators" else " (value)"),
            _non_negative(mart),
            _non_negative_expectations(mart),
        )
        for mart in MARTS
    ),
    QualityCheck(
        "gx_complete_share_min",
        "common_indicators",
        False,
        f"Anteil Teilnehmender mit vollständigen Kerndaten (EECO01 ÷ participants_cumulative, "
        f"ALL, letzter Stichtag) ≥ {MIN_COMPLETE_SHARE:.0%} / share of participants with "
        f"complete core data (EECO01 ÷ participants_cumulative, ALL, latest cut-off) "
        f"≥ {MIN_COMPLETE_SHARE:.0%}",
        _complete_share,
        _complete_share_expectations,
        also_reads=("indicators",),
    ),
    *(
        QualityCheck(
            "gx_no_project_missing",
            mart,
            True,
            "Jedes begonnene Registerprojekt ist je Stichtag enthalten / every registry project "
            "started by the cut-off is reported for it (start_date ≤ Monatsende / month end)",
            _projects_present(mart),
            _projects_expectations,
            also_reads=("registry",),
        )
        for mart in ("common_indicators", "indicators")
    ),
)


# --------------------------------------------------------------------------------------------
# running GX


_RUNNER_LOCK = threading.Lock()


def _gx_runner() -> tuple[EphemeralDataContext, dict]:
    """The process's GX context and validations (built once; thread-safe, see warm_up_in_background)."""
    with _RUNNER_LOCK:
        return _build_gx_runner()


def warm_up_in_background() -> threading.Thread:
    """Import great-expectations and build its context in a thread, now, for a later validate_marts.

    Importing GX (it pulls in scipy) and building the suites costs ~3–5 s of one core. A run
    that will check the marts starts this before ``dbt build``: the run process mostly waits
    for the dbt subprocess then, so the import no longer sits on the upload → dashboard
    latency (BENCHMARKS.md, section 4). ``validate_marts`` waits for it if it is not done.
    """
    thread = threading.Thread(target=_gx_runner, name="gx-warm-up", daemon=True)
    thread.start()
    return thread


@functools.cache
def _build_gx_runner() -> tuple[EphemeralDataContext, dict]:
    """One ephemeral GX context per process, with one validation definition per check.

    Creating the context and importing GX costs seconds; the suites do not depend on the data
    (frames are passed per run as batch parameters), so all of it is built once.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    source = context.data_sources.add_pandas(_GX_DATASOURCE)
    validations = {}
    for check in CHECKS:
        batch = source.add_dataframe_asset(check.key).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=check.key, expectations=check.expectations()))
        validations[check.key] = context.validation_definitions.add(
            gx.ValidationDefinition(name=check.key, data=batch, suite=suite)
        )
    return context, validations


def validate_marts(frames: dict[str, pd.DataFrame], registry: pd.DataFrame) -> list[CheckOutcome]:
    """Run every check of ``CHECKS`` on the marts; one outcome per (check, mart).

    ``frames`` maps mart name → the mart as a pandas frame; ``registry`` is ``raw.projects``
    (needs ``project_id`` and ``start_date``). The GX results of this call replace those of
    any earlier call in the process (they are what :func:`build_data_docs` renders).
    """
    from great_expectations.core.run_identifier import RunIdentifier

    context, validations = _gx_runner()
    store = context.validation_results_store
    for key in store.list_keys():
        store.remove_key(key)
    run_id = RunIdentifier(run_name="esf_quality", run_time=pd.Timestamp.now(tz="UTC"))
    outcomes = []
    for check in CHECKS:
        frame = check.build_frame(frames, registry)
        result = validations[check.key].run(
            batch_parameters={"dataframe": frame}, run_id=run_id, result_format={"result_format": "COMPLETE"}
        )
        failing: set = set()
        for expectation in result.results:
            if not expectation.success:
                indices = expectation.result.get("unexpected_index_list")
                # an expectation that raised has no index list: count the whole frame as failing
                failing.update(indices if indices is not None else frame.index)
        rows = frame.loc[sorted(failing)]
        outcomes.append(
            CheckOutcome(
                name=check.name,
                asset=check.asset,
                passed=bool(result.success),
                blocking=check.blocking,
                severity=check.severity,
                description=check.description,
                failing_count=len(rows),
                failing_rows=rows.head(MAX_FAILING_ROWS),
                suite_name=check.key,
            )
        )
    return outcomes


# --------------------------------------------------------------------------------------------
# Data Docs


_REMOTE_TAG = re.compile(
    r"""<script\b[^>]*\bsrc=["']https?://[^"']*["'][^>]*>\s*</script>"""
    r"""|<link\b[^>]*\bhref=["']https?://[^"']*["'][^>]*/?>""",
    re.IGNORECASE,
)
_REMOTE_LOGO = re.compile(r"""src=["']https?://[^"']*/(logo-long\.png)[^"']*["']""")
_FAVICON = re.compile(r"""href=["'](?:\.\./)*static/images/favicon\.ico["']""")
_REMOTE_CSS_URL = re.compile(r"""url\(["']?https?://[^)]*\)""")

#: Bootstrap 4 (CSS + JS bundle with Popper) and jQuery, copied into ``static/vendor/``:
#: GX's pages are written for Bootstrap 4's ``data-toggle`` plugins (collapse: "Show more
#: info…", the buttons that hide passed expectations) and call jQuery in inline scripts.
#: Both ship in pinned packages: XStatic-Bootstrap (4.5.3; GX links 4.3.1, same API) and
#: Django (the admin's jQuery, the version GX links), so no CDN and no download is needed.
VENDOR_DIR = "static/vendor"


def vendor_files() -> dict[str, Path]:
    """name in ``static/vendor/`` → the packaged file it is copied from."""
    import django
    import xstatic.pkg.bootstrap as bootstrap

    data = Path(bootstrap.BASE_DIR)
    return {
        "bootstrap.min.css": data / "css" / "bootstrap.min.css",
        "bootstrap.bundle.min.js": data / "js" / "bootstrap.bundle.min.js",
        "jquery.min.js": Path(django.__file__).parent
        / "contrib/admin/static/admin/js/vendor/jquery/jquery.min.js",
    }


_OFFLINE_CSS = """\
/* esf-monitor: what the CDN links of the GX templates gave besides Bootstrap (which is bundled) */
th, td { vertical-align: top; }
table.esf-index { border-collapse: collapse; margin: .5rem 0; max-width: 100%; }
table.esf-index th, table.esf-index td { border: 1px solid #dee2e6; padding: .25rem .5rem; }
.failed { color: #b02a37; } .passed { color: #146c43; } .warn { color: #8a5a00; }
/* Font Awesome is not bundled: its icons as characters */
.fas::before, .far::before { font-style: normal; font-weight: bold; margin-right: .2rem; }
.fa-check-circle::before, .fa-check::before { content: "\\2714"; }
.fa-times::before, .fa-times-circle::before { content: "\\2718"; }
.fa-question-circle::before { content: "?"; }
.fa-bars::before { content: "\\2630"; }
.show-scrollbars { overflow-x: auto; }
img { max-width: 100%; }
"""


def _local_assets(prefix: str) -> str:
    return (
        f'<link rel="stylesheet" href="{prefix}{VENDOR_DIR}/bootstrap.min.css">\n'
        f'<link rel="stylesheet" href="{prefix}static/styles/esf_offline.css">\n'
        f'<script src="{prefix}{VENDOR_DIR}/jquery.min.js"></script>\n'
        f'<script src="{prefix}{VENDOR_DIR}/bootstrap.bundle.min.js"></script>\n'
    )


def _offline_page(text: str, depth: int) -> str:
    """Drop every CDN script/stylesheet, link the bundled Bootstrap and jQuery and the local
    stylesheet instead (in ``<head>``: GX's inline scripts come later, in ``<body>``), use the
    local logo, point the favicon at the right folder."""
    prefix = "../" * depth
    text = _REMOTE_TAG.sub("", text)
    text = _REMOTE_LOGO.sub(f'src="{prefix}static/images/\\1"', text)
    text = _REMOTE_CSS_URL.sub("none", text)
    # GX counts the folders of a validation page one short (validations/static/…: not found)
    text = _FAVICON.sub(f'href="{prefix}static/images/favicon.ico"', text)
    return text.replace("</head>", f"{_local_assets(prefix)}</head>", 1)


def _index_page(outcomes: list[CheckOutcome], pages: dict[str, str], built_at: str) -> str:
    rows = []
    for o in outcomes:
        status = (
            ("bestanden / passed", "passed")
            if o.passed
            else (("Fehler / failed", "failed") if o.blocking else ("Warnung / warning", "warn"))
        )
        link = pages.get(o.suite_name)
        name = f'<a href="{html.escape(link)}">{html.escape(o.name)}</a>' if link else html.escape(o.name)
        rows.append(
            f'<tr><td class="{status[1]}">{status[0]}</td><td>{html.escape(o.asset)}</td>'
            f"<td>{name}</td><td>{html.escape(o.description)}</td>"
            f"<td>{o.failing_count}</td>"
            f"<td>{'ja / yes' if o.blocking else 'nein / no'}</td>"
            f'<td><a href="expectations/{html.escape(o.suite_name)}.html">Suite</a></td></tr>'
        )
    failed = sum(not o.passed for o in outcomes)
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Datenqualität der Indikatortabellen / indicator mart data quality</title>
{_local_assets("")}</head><body><div class="container-fluid">
<h1>Datenqualität der Indikatortabellen / indicator mart data quality</h1>
<p>Prüfung / validated: {html.escape(built_at)} — {len(outcomes)} Prüfungen / checks,
{failed} nicht bestanden / not passed. Great Expectations Data Docs (offline).</p>
<table class="esf-index"><thead><tr><th>Status</th><th>Tabelle / mart</th><th>Prüfung / check</th>
<th>Beschreibung / description</th><th>fehlerhafte Zeilen / failing rows</th>
<th>blockiert Exporte / blocks exports</th><th>Erwartungen / expectations</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div></body></html>
"""


def build_data_docs(outcomes: list[CheckOutcome], dest: Path) -> Path:
    """Render the GX Data Docs of the last :func:`validate_marts` call into ``dest``, offline.

    Built in a sibling temp folder and swapped in, so a reader never sees a half-built site
    and pages of earlier runs disappear. Returns ``dest / "index.html"``.
    """
    context, _ = _gx_runner()
    dest = Path(dest)
    staging = dest.with_name(f".{dest.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    site = {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(staging)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
    }
    site_name = "esf_quality"
    if site_name in (context.get_config().data_docs_sites or {}):
        context.update_data_docs_site(site_name, site)
    else:
        context.add_data_docs_site(site_name, site)
    context.build_data_docs(site_names=[site_name])

    pages: dict[str, str] = {}
    for page in staging.rglob("*.html"):
        relative = page.relative_to(staging)
        page.write_text(
            _offline_page(page.read_text(encoding="utf-8"), len(relative.parts) - 1), encoding="utf-8"
        )
        if relative.parts[0] == "validations":
            pages[relative.parts[1]] = relative.as_posix()  # validations/<suite>/<run>/…
    vendor = staging / VENDOR_DIR
    vendor.mkdir(parents=True, exist_ok=True)
    for name, source in vendor_files().items():
        shutil.copyfile(source, vendor / name)
    (staging / "static" / "styles").mkdir(parents=True, exist_ok=True)
    (staging / "static" / "styles" / "esf_offline.css").write_text(_OFFLINE_CSS, encoding="utf-8")
    built_at = pd.Timestamp.now(tz="Europe/Berlin").strftime("%Y-%m-%d %H:%M")
    (staging / "index.html").write_text(_index_page(outcomes, pages, built_at), encoding="utf-8")

    if dest.exists():
        old = dest.with_name(f".{dest.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
        staging.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(dest)
    return dest / "index.html"
