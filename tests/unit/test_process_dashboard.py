"""Process monitoring pages (docs/process-monitoring.md "Dashboards") from hand-made exports.

The exports of ``fixtures.process.exports`` (two waves, three municipalities, four items; every
figure counted by hand in that module's docstring) go through ``build_dashboards`` — the same
entry point as the asset — for the internal and the public set. The HTML is parsed with the
standard library; bars, bases, splits and changes carry data-* attributes.
"""

from __future__ import annotations

import re

import pytest
from fixtures.html import parse
from fixtures.process.builders import write_registries
from fixtures.process.exports import write_process_exports
from markupsafe import escape

from esf_monitor.dashboard import build_dashboards
from esf_monitor.dashboard.labels import INTERNAL_NOTE
from esf_monitor.dashboard.process import PROCESS_NOTE, stage_public_process
from esf_monitor.disclosure.audit import AuditReport, audit_pages, read_release
from esf_monitor.intake import read_registry
from schemas.codes import PROCESS_STATUS_COLOURS

ITEMS = ["1.1_bkg_meetings", "1.1_abh_cooperation", "1.6_needs_analysis", "1.7_participation"]


def squash(text: str) -> str:
    """Collapse the template's line breaks and spaces (not the no-break space before "%")."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def in_item(elements: list[dict], wave: str, item: str, cls: str) -> list[dict]:
    """Elements of class ``cls`` inside the item block of (wave, item)."""
    return [
        e
        for e in elements
        if cls in e["attrs"].get("class", "").split()
        and any(a.get("data-wave") == wave and a.get("data-item") == item for a in e["inside"])
    ]


def segments(elements: list[dict], wave: str, item: str, bar: str = "bar") -> list[dict]:
    """The segments of the item's bar ("bar" = the answers, "small" = the responsibility split)."""
    out = []
    for e in in_item(elements, wave, item, "seg"):
        owner = e["inside"][-1].get("class", "").split()
        if (bar == "small") == ("small" in owner):
            out.append(e)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("process")
    registry = read_registry(write_registries(root / "reference"))
    exports = root / "exports"
    write_process_exports(exports)
    internal = root / "dashboards" / "internal"
    paths = build_dashboards(exports, registry, internal)
    public_exports = root / "staging" / "exports"
    stage_public_process(exports / "process", public_exports / "process")
    public = root / "dashboards" / "public"
    public_paths = build_dashboards(public_exports, registry, public, public=True)
    return {
        "internal": internal,
        "public": public,
        "paths": paths,
        "public_paths": public_paths,
        "public_exports": public_exports,
        "page": parse(internal / "process.html"),
        "public_page": parse(public / "process.html"),
    }


def test_the_pages_are_written_for_both_sets_and_municipality_pages_only_internally(built):
    names = {p.relative_to(built["internal"]).as_posix() for p in built["paths"]}
    assert {"process.html", "municipalities/KOM-A.html", "municipalities/KOM-B.html"} <= names
    assert "municipalities/KOM-C.html" in names
    public = {p.relative_to(built["public"]).as_posix() for p in built["public_paths"]}
    assert "process.html" in public
    assert not any(n.startswith("municipalities/") for n in public)
    assert not (built["public"] / "municipalities").exists()


def test_waves_latest_first_and_items_in_checklist_order(built):
    page = built["page"]
    waves = [e["attrs"]["data-wave"] for e in page if e["tag"] == "section" and "data-wave" in e["attrs"]]
    assert waves == ["2020-12", "2020-06"]
    order = {
        w: [e["attrs"]["data-item"] for e in page if e["tag"] == "li" and e["attrs"].get("data-wave") == w]
        for w in waves
    }
    # the 2020-12 export lists the items backwards: the catalogue's order wins
    assert order["2020-12"] == ITEMS
    assert order["2020-06"] == ITEMS[:3]  # 1.7_participation is asked from 2020-12 on
    headings = [
        squash(e["text"]) for e in page if e["tag"] == "h3" and e["attrs"]["id"].startswith("section-2020-12")
    ]
    assert headings == [
        "1.1 Strukturen lokaler Kooperation / Structures of local cooperation",
        "1.6 Angebots- und Bedarfsanalysen / Analyses of offers and needs",
        "1.7 Bedarfe der Zielgruppe / Needs of the target group",
    ]
    h2 = [squash(e["text"]) for e in page if e["tag"] == "h2"]
    assert h2[1:] == ["Welle / Wave 2020-12 (aktuell / latest)", "Welle / Wave 2020-06"]


def test_n_of_n_municipalities_beside_each_bar(built):
    page = built["page"]
    bases = {
        (w, i): squash(in_item(page, w, i, "base")[0]["text"])
        for w, items in (("2020-12", ITEMS), ("2020-06", ITEMS[:3]))
        for i in items
    }
    assert bases[("2020-12", "1.1_bkg_meetings")] == "3 von 3 Kommunen / 3 of 3 municipalities"
    assert bases[("2020-12", "1.7_participation")] == "2 von 3 Kommunen / 2 of 3 municipalities"
    assert bases[("2020-06", "1.6_needs_analysis")] == "2 von 2 Kommunen / 2 of 2 municipalities"
    base = in_item(page, "2020-12", "1.7_participation", "base")[0]["attrs"]
    assert (base["data-answering"], base["data-registered"]) == ("2", "3")


def test_stacked_bar_segments_in_the_seed_order_and_colours_with_percentages(built):
    page = built["page"]
    bkg = segments(page, "2020-12", "1.1_bkg_meetings")
    # zero segments are not drawn; the others left to right: Nein · Noch nicht geplant · In Planung · umgesetzt
    assert [s["attrs"]["data-code"] for s in bkg] == ["in_planning", "implemented"]
    assert [s["attrs"]["data-count"] for s in bkg] == ["1", "2"]
    assert [s["attrs"]["data-share"] for s in bkg] == ["0.333333333333", "0.666666666667"]
    assert [s["text"] for s in bkg] == ["33\u00a0%", "67\u00a0%"]
    assert bkg[1]["attrs"]["style"] == (
        f"width:66.6667%;background:{PROCESS_STATUS_COLOURS['implemented']};color:#fff"
    )
    assert bkg[1]["attrs"]["title"] == (
        "Bereits umgesetzt: 2 von 3 Kommunen (67\u00a0%) / Already implemented: 2 of 3 municipalities (67\u00a0%)"
    )
    abh = segments(page, "2020-12", "1.1_abh_cooperation")
    assert [s["attrs"]["data-code"] for s in abh] == ["no", "in_planning", "implemented"]
    participation = segments(page, "2020-12", "1.7_participation")
    assert [(s["attrs"]["data-code"], s["text"]) for s in participation] == [
        ("no", "50\u00a0%"),
        ("not_planned_useful", "50\u00a0%"),
    ]
    legend = [
        squash(e["text"])
        for e in page
        if e["tag"] == "li" and any(a.get("id") == "legend-2020-12" for a in e["inside"])
    ]
    assert legend == [
        "Nein / No",
        "Noch nicht geplant, wäre aber sinnvoll / Not planned yet, but would be useful",
        "In Planung / In planning",
        "Bereits umgesetzt / Already implemented",
    ]


def test_responsibility_split_only_for_items_that_ask_it(built):
    page = built["page"]
    for w in ("2020-12", "2020-06"):
        asking = [i for i in ITEMS if in_item(page, w, i, "split")]
        assert asking == ["1.6_needs_analysis"]
    split = in_item(page, "2020-12", "1.6_needs_analysis", "split")[0]
    assert split["attrs"]["data-base"] == "3"
    assert squash(split["text"]) == (
        "Zuständigkeit / Responsibility (umgesetzt oder in Planung / implemented or in planning: "
        "3 von 3 Kommunen / 3 of 3 municipalities): "
        "Teilhabemanagement allein / participation manager alone 1 (33\u00a0%) · "
        "Teilhabemanagement gemeinsam mit Bündnispartnern / participation manager with alliance partners 0 (0\u00a0%) · "
        "andere Bündnispartner / other partners 1 (33\u00a0%) · nicht angegeben / not said 1 (33\u00a0%)"
    )
    # the seed's reading: THM responsible (alone or shared) of implemented + in planning, and alone of those
    thm = in_item(page, "2020-12", "1.6_needs_analysis", "thm")[0]
    assert (thm["attrs"]["data-thm-share"], thm["attrs"]["data-alone-of-thm"]) == (
        "0.3333333333333333",
        "1.0",
    )
    assert squash(thm["text"]) == (
        "Teilhabemanagement zuständig (allein oder gemeinsam) / participation manager responsible "
        "(alone or shared): 33\u00a0% · davon allein / of which alone: 100\u00a0%"
    )
    thm = in_item(page, "2020-06", "1.6_needs_analysis", "thm")[0]
    assert squash(thm["text"]).endswith(": 100\u00a0% · davon allein / of which alone: 50\u00a0%")
    assert not in_item(page, "2020-12", "1.1_abh_cooperation", "thm")
    small = segments(page, "2020-06", "1.6_needs_analysis", "small")
    assert [(s["attrs"]["data-code"], s["attrs"]["data-share"]) for s in small] == [
        ("thm_alone", "0.5"),
        ("thm_shared", "0.5"),
    ]


def test_change_against_the_previous_wave_in_percentage_points(built):
    page = built["page"]
    abh = in_item(page, "2020-12", "1.1_abh_cooperation", "change")[0]
    assert (abh["attrs"]["data-change-pp"], abh["attrs"]["data-change-or-planning-pp"]) == ("50.0", "50.0")
    assert abh["attrs"]["data-panel"] == "2"
    assert squash(abh["text"]) == (
        "Veränderung seit / Change since 2020-06 (2 Kommunen in beiden Wellen / 2 municipalities in both waves): "
        "umgesetzt / implemented 0\u00a0% → 50\u00a0% +50,0\u00a0Pp. · "
        "umgesetzt oder in Planung / implemented or in planning 50\u00a0% → 100\u00a0% +50,0\u00a0Pp."
    )
    needs = in_item(page, "2020-12", "1.6_needs_analysis", "change")[0]
    assert "50\u00a0% → 100\u00a0% +50,0\u00a0Pp." in squash(needs["text"])
    assert squash(needs["text"]).endswith("100\u00a0% → 100\u00a0% ±0,0\u00a0Pp.")
    new = in_item(page, "2020-12", "1.7_participation", "change")[0]
    assert "in der Vorwelle nicht gefragt / not asked in the previous wave" in squash(new["text"])
    assert not in_item(page, "2020-06", "1.1_abh_cooperation", "change")
    intro = [squash(e["text"]) for e in page if e["tag"] == "p" and "intro" in e["attrs"].get("class", "")]
    assert intro == [
        "3 von 3 Kommunen haben eine Checkliste abgegeben / 3 of 3 municipalities returned a checklist (100\u00a0%)"
        " · Veränderung gegenüber Welle 2020-06 / change against wave 2020-06",
        "2 von 2 Kommunen haben eine Checkliste abgegeben / 2 of 2 municipalities returned a checklist (100\u00a0%)"
        " · erste Welle: kein Vergleich / first wave: no comparison",
    ]


def test_figures_table_and_waves_table(built):
    page = built["page"]
    rows = {
        e["attrs"]["data-item"]: [
            squash(c["text"]) for c in page if c["tag"] == "td" and c["inside"][-1] is e["attrs"]
        ]
        for e in page
        if e["tag"] == "tr"
        and "data-item" in e["attrs"]
        and any(a.get("id") == "table-2020-12" for a in e["inside"])
    }
    assert list(rows) == ITEMS
    assert rows["1.1_bkg_meetings"] == [
        "0 (0,0\u00a0%)",
        "0 (0,0\u00a0%)",
        "1 (33,3\u00a0%)",
        "2 (66,7\u00a0%)",
        "3 von 3 Kommunen / 3 of 3 municipalities",
    ]
    waves = [
        [squash(c["text"]) for c in page if c["tag"] in ("th", "td") and c["inside"][-1] is e["attrs"]]
        for e in page
        if e["tag"] == "tr"
        and any(a.get("id") == "waves-table" for a in e["inside"])
        and "data-wave" in e["attrs"]
    ]
    assert waves == [["2020-12", "3", "3", "100,0\u00a0%"], ["2020-06", "2", "2", "100,0\u00a0%"]]


def test_public_page_shows_the_same_exact_figures_without_the_internal_mark(built):
    def figures(page):
        return [
            (
                e["attrs"].get("data-code"),
                e["attrs"].get("data-count"),
                e["attrs"].get("data-share"),
                e["text"],
            )
            for e in page
            if e["attrs"].get("data-count") is not None or "base" in e["attrs"].get("class", "")
        ]

    assert figures(built["public_page"]) == figures(built["page"]) != []
    public_html = (built["public"] / "process.html").read_text(encoding="utf-8")
    internal_html = (built["internal"] / "process.html").read_text(encoding="utf-8")
    note = str(escape(PROCESS_NOTE))
    assert note in public_html and INTERNAL_NOTE not in public_html
    assert note in internal_html and INTERNAL_NOTE in internal_html
    assert "municipalities/" not in public_html and "KOM-A" not in public_html
    # the answers of single municipalities are not staged for publication
    staged = sorted(p.name for p in (built["public_exports"] / "process").rglob("*.csv"))
    assert "process_answers.csv" not in staged and "process_items.csv" in staged


def test_pages_are_offline_and_script_free(built):
    for path in [built["internal"] / "process.html", built["internal"] / "municipalities" / "KOM-A.html"]:
        elements = parse(path)
        assert not [e for e in elements if e["tag"] == "script"]
        refs = [v for e in elements for k, v in e["attrs"].items() if k in ("src", "href")]
        assert refs and not [r for r in refs if "://" in r or r.startswith("//")]
        assert 'name="viewport"' in path.read_text(encoding="utf-8")


def test_a_municipality_page_shows_its_own_answers_beside_the_programme(built):
    page = parse(built["internal"] / "municipalities" / "KOM-A.html")
    html = (built["internal"] / "municipalities" / "KOM-A.html").read_text(encoding="utf-8")
    own = {
        (e["inside"][-1]["data-wave"], e["inside"][-1]["data-item"]): (
            e["attrs"]["data-status"],
            e["attrs"]["data-previous"],
        )
        for e in page
        if "own" in e["attrs"].get("class", "").split()
    }
    assert own == {
        ("2020-12", "1.1_bkg_meetings"): ("implemented", "implemented"),
        ("2020-12", "1.1_abh_cooperation"): ("implemented", "in_planning"),
        ("2020-12", "1.6_needs_analysis"): ("implemented", "implemented"),
        ("2020-12", "1.7_participation"): ("not_planned_useful", ""),
        ("2020-06", "1.1_bkg_meetings"): ("implemented", ""),
        ("2020-06", "1.1_abh_cooperation"): ("in_planning", ""),
        ("2020-06", "1.6_needs_analysis"): ("implemented", ""),
    }
    abh = in_item(page, "2020-12", "1.1_abh_cooperation", "own")[0]
    assert squash(abh["text"]) == (
        "Eigene Antwort / Own answer: Bereits umgesetzt / Already implemented · "
        "Welle / wave 2020-06: In Planung / In planning"
    )
    needs = in_item(page, "2020-12", "1.6_needs_analysis", "own")[0]
    assert (
        "Zuständigkeit / Responsibility: Teilhabemanagement allein / participation manager alone"
        in squash(needs["text"])
    )
    # beside it the programme's bar and base, the same as on process.html
    programme = built["page"]
    assert [s["attrs"] for s in segments(page, "2020-12", "1.1_abh_cooperation")] == [
        s["attrs"] for s in segments(programme, "2020-12", "1.1_abh_cooperation")
    ]
    label = in_item(page, "2020-12", "1.1_abh_cooperation", "programme-label")[0]
    assert squash(label["text"]) == "Alle Kommunen des Programms / all municipalities of the programme:"
    assert not [e for e in programme if "programme-label" in e["attrs"].get("class", "")]
    assert squash(in_item(page, "2020-12", "1.1_abh_cooperation", "base")[0]["text"]) == (
        "3 von 3 Kommunen / 3 of 3 municipalities"
    )
    assert "KOM-A — Kreis Alpha" in html and INTERNAL_NOTE in html
    for other in ("KOM-B", "Stadt Beta", "KOM-C", "Kreis Gamma"):
        assert other not in html


def test_a_municipality_without_a_counted_checklist_in_a_wave_says_so(built):
    page = parse(built["internal"] / "municipalities" / "KOM-C.html")
    nodata = {
        e["inside"][-1].get("data-wave"): squash(e["text"])
        for e in page
        if e["tag"] == "p" and "nodata" in e["attrs"].get("class", "")
    }
    assert nodata == {
        "2020-06": "Für diese Welle liegt keine gezählte Checkliste dieser Kommune vor. / "
        "No counted checklist of this municipality for this wave."
    }
    own = in_item(page, "2020-12", "1.7_participation", "own")[0]
    assert own["attrs"]["data-status"] == "" and "keine Antwort / no answer" in squash(own["text"])


def test_the_index_links_the_process_pages(built):
    index = parse(built["internal"] / "index.html")
    links = [
        e["attrs"]["href"]
        for e in index
        if e["tag"] == "a" and any(a.get("id") == "process" for a in e["inside"])
    ]
    assert links == [
        "process.html",
        "municipalities/KOM-A.html",
        "municipalities/KOM-B.html",
        "municipalities/KOM-C.html",
    ]
    public = parse(built["public"] / "index.html")
    assert [
        e["attrs"]["href"]
        for e in public
        if e["tag"] == "a" and any(a.get("id") == "process" for a in e["inside"])
    ] == ["process.html"]


def test_no_process_exports_no_process_pages(tmp_path):
    registry = read_registry(write_registries(tmp_path / "reference"))
    paths = build_dashboards(tmp_path / "exports", registry, tmp_path / "out")
    assert not (tmp_path / "out" / "process.html").exists()
    assert not (tmp_path / "out" / "municipalities").exists()
    assert "process.html" not in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert paths[-1].name == "index.html"


def test_the_disclosure_audit_takes_the_process_note_on_the_process_page(built, tmp_path):
    release = read_release(built["public_exports"])
    report = AuditReport()
    audit_pages(built["public"], release, report)
    assert not [p for p in report.problems if p.startswith("process.html")]
    broken = tmp_path / "pages"
    broken.mkdir()
    html = (built["public"] / "process.html").read_text(encoding="utf-8")
    (broken / "process.html").write_text(html.replace(str(escape(PROCESS_NOTE)), ""), encoding="utf-8")
    report = AuditReport()
    audit_pages(broken, release, report)
    assert report.problems == [
        "process.html: Hinweis zum Prozessmonitoring fehlt / process monitoring note missing"
    ]


def test_without_the_catalogue_items_follow_section_and_id_and_show_their_ids(tmp_path):
    """A data folder whose registries lack the catalogue still gets process.html from its
    exports: items by section, then id; the id stands in for the text; no municipality page."""
    from fixtures.intake.builders import write_registry

    registry = read_registry(write_registry(tmp_path / "reference" / "projects.csv"))
    write_process_exports(tmp_path / "exports")
    paths = build_dashboards(tmp_path / "exports", registry, tmp_path / "out")
    assert not [p for p in paths if p.parent.name == "municipalities"]
    page = parse(tmp_path / "out" / "process.html")
    items = [
        e["attrs"]["data-item"] for e in page if e["tag"] == "li" and e["attrs"].get("data-wave") == "2020-12"
    ]
    assert items == ["1.1_abh_cooperation", "1.1_bkg_meetings", "1.6_needs_analysis", "1.7_participation"]
    texts = [squash(e["text"]) for e in in_item(page, "2020-12", "1.1_bkg_meetings", "item-text")]
    assert texts == ["1.1_bkg_meetings"]
