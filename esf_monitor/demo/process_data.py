"""Static tables of the process-monitoring demo data: 47 municipalities and the checklist.

Kept apart from the logic (:mod:`esf_monitor.demo.process`) so that the calibration can be read
and checked against the public source in one place: the IAQ slides "Gemeinsam klappt's —
Prozesse vor Ort: Aktuelle Herausforderungen" (regional workshops Oct/Nov 2020), which report
the 47 working aids "Prozessmanagement ‚Gemeinsam klappt's' 2020 – Checkliste zur lokalen
Planung" of May–July 2020 (docs/process-monitoring.md). The project keeps no copy of the slides;
the figures they publish are quoted beside each item (``seed``).

Calibration (docs/decisions.md, "Process monitoring demo data"): the 2020-06 counts below
reproduce every published percentage as ``count ÷ municipalities answering the item``, rounded
to whole percent — the spec's share. Four published pairs cannot be shares of 47 (with 47 every
step is 2.13 points: 20 %, 16 %, 24 %, 39 % and 33 % fall between two counts), so those items
were left unanswered by one or two municipalities, which the contract allows (a warning; the
item counts as "no answer" and is not in the denominator):

| item | published | counts (answering) | shares |
|---|---|---|---|
| 1.1 BKG meetings | 40 of 47 | 40 implemented (47) | 85.1 % |
| 1.1 ABH cooperation | 57 % / 21 % in planning | 27 / 10 (47) | 57.4 % / 21.3 % |
| 1.6 links of the measures | 49 % / 20 % | 22 / 9 (45) | 48.9 % / 20.0 % |
| 1.6 quality assurance | 16 % / 24 % | 7 / 11 (45) | 15.6 % / 24.4 % |
| 1.6 offer and needs analyses | 83 % THM, about half alone | THM 39 of 47 implemented or planning, 19 of them alone | 83.0 %; 48.7 % |
| 1.7 qualitative needs survey | 87 % THM, as a rule alone | THM 41 of 47, 33 of them alone | 87.2 %; 80.5 % |
| 1.7 life-world orientation | 39 % / 9 % | 18 / 4 (46) | 39.1 % / 8.7 % |
| 1.7 "Aus eigener Kraft" events | 33 % | 15 (46) | 32.6 % |
| 1.7 participation | 30 % / 11 % | 14 / 5 (47) | 29.8 % / 10.6 % |

Items without a published figure (1.2, 1.3, 1.4, 1.5, 1.6 overall concept) carry plausible
counts in the direction the slides describe (agreements "(noch) selten", …).

2020-12 (the demo's second wave, invented: the slides end in 2020-06): three municipalities
send no checklist (``DROPOUTS``: their 2020-06 answers per item, in that order), the other 44
move forward — ``to_implemented`` of those in planning implement, ``to_planning`` of those "not
planned yet, but useful" start planning, the items left unanswered in 2020-06 are answered
(``unanswered_to``), ``alone_to_shared`` municipalities share the THM's responsibility with
partners. Nobody falls back. Every 2020-12 count follows from the table by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from schemas.codes import MUNICIPALITY_KIND, PROCESS_STATUS, RESPONSIBILITY

PROGRAMME = "Gemeinsam klappt's"
WAVES = ("2020-06", "2020-12")
FIRST_WAVE, SECOND_WAVE = WAVES
UNANSWERED = "unanswered"  # the item's row is missing from the file (a warning, no error)
NOT_SAID = ""  # responsibility left empty (counted as "unknown")


@dataclass(frozen=True)
class MunicipalitySpec:
    municipality_id: str
    municipality_name: str
    kind: str  # city (kreisfreie Stadt) | district (Kreis, StädteRegion)
    region: str  # Regierungsbezirk
    joined_on: date


def _m(code: str, name: str, kind: str, region: str, joined: str) -> MunicipalitySpec:
    return MunicipalitySpec(
        f"KOM-{code}", name, kind, f"Regierungsbezirk {region}", date.fromisoformat(joined)
    )


#: 47 of the 53 Kreise and kreisfreie Städte of North Rhine-Westphalia (plus the StädteRegion
#: Aachen), ids ``KOM-<licence plate code>``; which six are missing is invented, as is the date
#: each joined the programme (it started in 2019; the BKG met from September 2019 on).
MUNICIPALITIES: tuple[MunicipalitySpec, ...] = (
    # Regierungsbezirk Düsseldorf
    _m("D", "Stadt Düsseldorf", "city", "Düsseldorf", "2019-02-01"),
    _m("DU", "Stadt Duisburg", "city", "Düsseldorf", "2019-01-01"),
    _m("E", "Stadt Essen", "city", "Düsseldorf", "2019-01-01"),
    _m("KR", "Stadt Krefeld", "city", "Düsseldorf", "2019-03-01"),
    _m("MG", "Stadt Mönchengladbach", "city", "Düsseldorf", "2019-02-01"),
    _m("OB", "Stadt Oberhausen", "city", "Düsseldorf", "2019-04-01"),
    _m("SG", "Stadt Solingen", "city", "Düsseldorf", "2019-05-01"),
    _m("W", "Stadt Wuppertal", "city", "Düsseldorf", "2019-01-01"),
    _m("KLE", "Kreis Kleve", "district", "Düsseldorf", "2019-03-01"),
    _m("ME", "Kreis Mettmann", "district", "Düsseldorf", "2019-02-01"),
    _m("NE", "Rhein-Kreis Neuss", "district", "Düsseldorf", "2019-06-01"),
    _m("VIE", "Kreis Viersen", "district", "Düsseldorf", "2019-04-01"),
    _m("WES", "Kreis Wesel", "district", "Düsseldorf", "2019-03-01"),
    # Regierungsbezirk Köln
    _m("K", "Stadt Köln", "city", "Köln", "2019-01-01"),
    _m("LEV", "Stadt Leverkusen", "city", "Köln", "2019-05-01"),
    _m("AC", "StädteRegion Aachen", "district", "Köln", "2019-02-01"),
    _m("DN", "Kreis Düren", "district", "Köln", "2019-03-01"),
    _m("BM", "Rhein-Erft-Kreis", "district", "Köln", "2019-04-01"),
    _m("EU", "Kreis Euskirchen", "district", "Köln", "2019-07-01"),
    _m("HS", "Kreis Heinsberg", "district", "Köln", "2019-05-01"),
    _m("GM", "Oberbergischer Kreis", "district", "Köln", "2019-06-01"),
    _m("GL", "Rheinisch-Bergischer Kreis", "district", "Köln", "2019-04-01"),
    _m("SU", "Rhein-Sieg-Kreis", "district", "Köln", "2019-02-01"),
    # Regierungsbezirk Münster
    _m("BOT", "Stadt Bottrop", "city", "Münster", "2019-05-01"),
    _m("GE", "Stadt Gelsenkirchen", "city", "Münster", "2019-01-01"),
    _m("MS", "Stadt Münster", "city", "Münster", "2019-02-01"),
    _m("BOR", "Kreis Borken", "district", "Münster", "2019-06-01"),
    _m("RE", "Kreis Recklinghausen", "district", "Münster", "2019-01-01"),
    _m("ST", "Kreis Steinfurt", "district", "Münster", "2019-03-01"),
    _m("WAF", "Kreis Warendorf", "district", "Münster", "2019-08-01"),
    # Regierungsbezirk Detmold
    _m("BI", "Stadt Bielefeld", "city", "Detmold", "2019-01-01"),
    _m("GT", "Kreis Gütersloh", "district", "Detmold", "2019-04-01"),
    _m("HF", "Kreis Herford", "district", "Detmold", "2019-05-01"),
    _m("LIP", "Kreis Lippe", "district", "Detmold", "2019-03-01"),
    _m("MI", "Kreis Minden-Lübbecke", "district", "Detmold", "2019-07-01"),
    _m("PB", "Kreis Paderborn", "district", "Detmold", "2019-02-01"),
    # Regierungsbezirk Arnsberg
    _m("BO", "Stadt Bochum", "city", "Arnsberg", "2019-01-01"),
    _m("DO", "Stadt Dortmund", "city", "Arnsberg", "2019-01-01"),
    _m("HA", "Stadt Hagen", "city", "Arnsberg", "2019-03-01"),
    _m("HAM", "Stadt Hamm", "city", "Arnsberg", "2019-04-01"),
    _m("HER", "Stadt Herne", "city", "Arnsberg", "2019-06-01"),
    _m("EN", "Ennepe-Ruhr-Kreis", "district", "Arnsberg", "2019-05-01"),
    _m("HSK", "Hochsauerlandkreis", "district", "Arnsberg", "2019-09-01"),
    _m("MK", "Märkischer Kreis", "district", "Arnsberg", "2019-04-01"),
    _m("SI", "Kreis Siegen-Wittgenstein", "district", "Arnsberg", "2019-06-01"),
    _m("SO", "Kreis Soest", "district", "Arnsberg", "2019-08-01"),
    _m("UN", "Kreis Unna", "district", "Arnsberg", "2019-02-01"),
)


@dataclass(frozen=True)
class ItemSpec:
    """One checklist item: its catalogue row and the demo's answers (module docstring)."""

    item_id: str
    section: str
    text_de: str
    text_en: str
    seed: str  # what the slides publish for the item ("" = no figure)
    #: 2020-06: municipalities per status (and UNANSWERED); sums to 47
    counts: dict
    #: 2020-06 answers of the three municipalities that send no checklist in 2020-12:
    #: (status, responsibility) each
    dropouts: tuple
    to_implemented: int = 0
    to_planning: int = 0
    unanswered_to: str = "in_planning"
    #: items that ask it: 2020-06 responsibility of the implemented + in planning (sums to them)
    responsibility: dict | None = None
    alone_to_shared: int = 0

    @property
    def asks_responsibility(self) -> bool:
        return self.responsibility is not None


SECTIONS = {
    "1.1": ("Strukturen lokaler Kooperation", "Structures of local cooperation"),
    "1.2": (
        "Kooperationsvereinbarungen zur nachhaltigen Verankerung der Strukturen",
        "Cooperation agreements to anchor the structures for good",
    ),
    "1.3": (
        "Bekanntmachung des Teilhabemanagements bei potenziellen Kooperationspartnern",
        "Making the participation management known to potential partners",
    ),
    "1.4": (
        "Teilhabemanagement im Netzwerk – Erreichung der Zielgruppe",
        "Participation management in the network – reaching the target group",
    ),
    "1.5": ("Vereinbarungen zur Weiterleitung", "Referral agreements"),
    "1.6": (
        "„Durchstarten“: Gesamtkonzept, Verknüpfung und Analysen",
        "“Durchstarten”: overall concept, links and analyses",
    ),
    "1.7": (
        "Bedarfe der Zielgruppe: Analysen ausbauen, Lebenswelt einbeziehen",
        "Needs of the target group: extend the analyses, include the life world",
    ),
}

IMPL, PLAN, USEFUL, NO = PROCESS_STATUS[3], PROCESS_STATUS[2], PROCESS_STATUS[1], PROCESS_STATUS[0]
ALONE, SHARED, PARTNERS = RESPONSIBILITY


def _counts(implemented: int, planning: int, useful: int, no: int, unanswered: int = 0) -> dict:
    return {IMPL: implemented, PLAN: planning, USEFUL: useful, NO: no, UNANSWERED: unanswered}


#: The checklist in the slides' order (sections 1.1–1.7), with the 2020-06 calibration.
ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "1.1_bkg_meetings",
        "1.1",
        "Treffen der BKG seit September 2019",
        "Meetings of the BKG since September 2019",
        "In 40 von 47 Fällen Treffen der BKG seit September 2019",
        _counts(40, 6, 1, 0),
        ((IMPL, ""), (IMPL, ""), (PLAN, "")),
        to_implemented=4,
        to_planning=1,
    ),
    ItemSpec(
        "1.1_abh_cooperation",
        "1.1",
        "Kooperation mit der Ausländerbehörde (ABH) für die Maßnahmezuweisung aufgebaut",
        "Cooperation with the immigration office (ABH) for assigning people to measures set up",
        "57 %: Kooperationen mit ABH für Maßnahmezuweisung aufgebaut; 21 % in Planung",
        _counts(27, 10, 6, 4),
        ((IMPL, ""), (PLAN, ""), (NO, "")),
        to_implemented=5,
        to_planning=2,
    ),
    ItemSpec(
        "1.2_cooperation_agreement",
        "1.2",
        "Kooperationsvereinbarung zur nachhaltigen Verankerung der lokalen Kooperation "
        "(Rollen, Verantwortlichkeiten, Einbindung der Durchstarten-Bausteine)",
        "Cooperation agreement to anchor local cooperation for good "
        "(roles, responsibilities, the Durchstarten modules in one concept)",
        "Kooperationsvereinbarungen (noch) selten",
        _counts(5, 14, 20, 8),
        ((USEFUL, ""), (USEFUL, ""), (NO, "")),
        to_implemented=4,
        to_planning=5,
    ),
    ItemSpec(
        "1.3_thm_flyers",
        "1.3",
        "Bündnisweite Verteilung von Flyern zum Teilhabemanagement (THM)",
        "Alliance-wide distribution of flyers on the participation management (THM)",
        "",
        _counts(29, 9, 6, 3),
        ((IMPL, ""), (PLAN, ""), (USEFUL, "")),
        to_implemented=5,
        to_planning=2,
    ),
    ItemSpec(
        "1.4_thm_network",
        "1.4",
        "Information von ABH, Sozialämtern, Berufskollegs, VHS, JMD, Sozialarbeit und "
        "Flüchtlingsorganisationen über das THM, damit sie die Zielgruppe zusteuern",
        "Immigration office, social welfare offices, vocational colleges, adult education, youth "
        "migration services, social work and refugee organisations informed about the THM, so "
        "that they refer the target group",
        "",
        _counts(31, 7, 7, 2),
        ((IMPL, ""), (USEFUL, ""), (NO, "")),
        to_implemented=4,
        to_planning=3,
    ),
    ItemSpec(
        "1.5_referral_agreements",
        "1.5",
        "Vereinbarungen zur Weiterleitung, wenn bei anderen Institutionen THM-Bedarf deutlich wird",
        "Agreements to refer people when another institution sees that they need the THM",
        "",
        _counts(18, 15, 10, 4),
        ((PLAN, ""), (USEFUL, ""), (NO, "")),
        to_implemented=6,
        to_planning=3,
    ),
    ItemSpec(
        "1.6_overall_concept",
        "1.6",
        "Gesamtkonzept für die Bausteine von „Durchstarten“",
        "Overall concept for the modules of “Durchstarten”",
        "Gesamtkonzepte für „Durchstarten“, wenn vorhanden, dann meistens eher formaler Natur",
        _counts(21, 12, 9, 5),
        ((IMPL, ""), (USEFUL, ""), (NO, "")),
        to_implemented=5,
        to_planning=2,
    ),
    ItemSpec(
        "1.6_measure_links",
        "1.6",
        "Inhaltliche Verknüpfung der Maßnahmen in „Durchstarten“ (aufeinander aufbauende "
        "Bausteine, Fallkonferenzen, Verbindung durch Coaching und/oder THM)",
        "Measures of “Durchstarten” linked in content (modules building on each other, case "
        "conferences, linked through coaching and/or the THM)",
        "49 %: inhaltliche Verknüpfungen von Maßnahmen in „Durchstarten“ (20 % in Planung)",
        _counts(22, 9, 9, 5, unanswered=2),
        ((PLAN, ""), (USEFUL, ""), (NO, "")),
        to_implemented=5,
        to_planning=2,
    ),
    ItemSpec(
        "1.6_quality_assurance",
        "1.6",
        "Maßnahmen zur Qualitätssicherung (z. B. Arbeitsgruppen der GfS-Träger, Kooperationsvereinbarungen)",
        "Quality assurance (e.g. working groups of the providers, cooperation agreements)",
        "16 %: Maßnahmen zur Qualitätssicherung (24 % in Planung)",
        _counts(7, 11, 18, 9, unanswered=2),
        ((USEFUL, ""), (USEFUL, ""), (NO, "")),
        to_implemented=4,
        to_planning=4,
    ),
    ItemSpec(
        "1.6_offer_needs_analyses",
        "1.6",
        "Angebots- und Bedarfsanalysen – wer ist zuständig?",
        "Analyses of offers and needs – who is responsible?",
        "83 %: THM zuständig für Angebots- und Bedarfsanalysen (in knapp der Hälfte davon allein)",
        _counts(41, 6, 0, 0),
        ((IMPL, SHARED), (IMPL, PARTNERS), (PLAN, ALONE)),
        to_implemented=3,
        responsibility={ALONE: 19, SHARED: 20, PARTNERS: 7, NOT_SAID: 1},
        alone_to_shared=3,
    ),
    ItemSpec(
        "1.7_needs_survey",
        "1.7",
        "Qualitative Erfassung der Bedarfe der Zielgruppe – wer ist zuständig?",
        "Qualitative survey of the target group's needs – who is responsible?",
        "87 %: THM zuständig für qualitative Erfassung der Bedarfe (i. d. R. allein)",
        _counts(39, 8, 0, 0),
        ((IMPL, ALONE), (IMPL, ALONE), (PLAN, PARTNERS)),
        to_implemented=4,
        responsibility={ALONE: 33, SHARED: 8, PARTNERS: 5, NOT_SAID: 1},
        alone_to_shared=2,
    ),
    ItemSpec(
        "1.7_lifeworld_concepts",
        "1.7",
        "Konzepte zur Lebensweltorientierung (z. B. Kooperation mit Vereinen / Ehrenamt, "
        "Koch-, Fahrrad-, Näh-, PC-Kurse)",
        "Concepts of life-world orientation (e.g. cooperation with clubs / volunteers, cooking, "
        "cycling, sewing, computer courses)",
        "39 %: Konzepte zu Lebensweltorientierung, 9 % in Planung",
        _counts(18, 4, 16, 8, unanswered=1),
        ((USEFUL, ""), (NO, ""), (NO, "")),
        to_implemented=2,
        to_planning=4,
        unanswered_to=USEFUL,
    ),
    ItemSpec(
        "1.7_empowerment_events",
        "1.7",
        "Beteiligung an Veranstaltungen „Aus eigener Kraft – Empowerment junger geflüchteter "
        "Menschen beim Einstieg in Ausbildung und Arbeit“",
        "Taking part in the events “Aus eigener Kraft” (empowering young refugees entering "
        "training and work)",
        "33 %: Beteiligung an Veranstaltungen „Aus eigener Kraft“",
        _counts(15, 5, 14, 12, unanswered=1),
        ((USEFUL, ""), (NO, ""), (NO, "")),
        to_implemented=3,
        to_planning=3,
        unanswered_to=NO,
    ),
    ItemSpec(
        "1.7_participation",
        "1.7",
        "Konzepte oder Maßnahmen zur Stärkung der Partizipation der Zielgruppe",
        "Concepts or measures to strengthen the target group's participation",
        "30 %: Konzepte oder Maßnahmen zur Stärkung der Partizipation der Zielgruppe (11 % in Planung)",
        _counts(14, 5, 18, 10),
        ((USEFUL, ""), (NO, ""), (NO, "")),
        to_implemented=3,
        to_planning=3,
    ),
)

#: Notes a municipality writes now and then beside an answer (never published); by item and status.
NOTES = {
    ("1.1_bkg_meetings", PLAN): "Nächstes Treffen der BKG im Herbst, digital",
    ("1.1_abh_cooperation", PLAN): "Gespräch mit der ABH vereinbart",
    ("1.1_abh_cooperation", IMPL): "wechselseitige Wertschätzung wichtig",
    ("1.2_cooperation_agreement", PLAN): "Entwurf liegt dem Bündnis vor",
    ("1.3_thm_flyers", IMPL): "Flyer auf Deutsch, Arabisch und Farsi",
    ("1.4_thm_network", IMPL): "Kontakt zur Zielgruppe auch über Messenger-Gruppen",
    ("1.6_measure_links", IMPL): "Fallkonferenzen alle sechs Wochen",
    ("1.6_quality_assurance", PLAN): "Arbeitsgruppe der Träger in Gründung",
    ("1.6_offer_needs_analyses", IMPL): "Gefahr der Überlastung des THM",
    ("1.7_lifeworld_concepts", IMPL): "Kochkurs mit einem Sportverein",
    ("1.7_participation", PLAN): "Jugendforum geplant",
}
NOTE_SHARE = 0.2


def _check_tables() -> None:
    """The calibration is consistent: counts sum to 47, the dropouts and transitions fit."""
    problems = []
    n = len(MUNICIPALITIES)
    ids = [m.municipality_id for m in MUNICIPALITIES]
    if len(set(ids)) != n or n != 47 or any(m.kind not in MUNICIPALITY_KIND for m in MUNICIPALITIES):
        problems.append("municipalities")
    for item in ITEMS:
        rest = dict(item.counts)
        for status, _ in item.dropouts:
            rest[status] -= 1
        ok = (
            sum(item.counts.values()) == n
            and len(item.dropouts) == 3
            and min(rest.values()) >= 0
            and item.to_implemented <= rest[PLAN]
            and item.to_planning <= rest[USEFUL]
            and item.section in SECTIONS
        )
        if item.asks_responsibility:
            # responsibility over the implemented + in planning: every such answer carries one
            ok &= sum(item.responsibility.values()) == item.counts[IMPL] + item.counts[PLAN]
            ok &= item.counts[USEFUL] == item.counts[NO] == item.counts[UNANSWERED] == 0
            for _, who in item.dropouts:
                ok &= item.responsibility.get(who, 0) > 0
            ok &= item.alone_to_shared <= item.responsibility[ALONE] - sum(
                who == ALONE for _, who in item.dropouts
            )
        if not ok:
            problems.append(item.item_id)
    if problems:
        raise ValueError("process demo tables inconsistent: " + "; ".join(problems))


_check_tables()
