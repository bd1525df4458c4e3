"""Labels (German first, English beside), number formats and the source of every figure.

The source note names the dbt model and column a figure comes from, so a newcomer gets from a
number on screen to its SQL in one hop. Code lists come from schemas.codes.
"""

from __future__ import annotations

import math

from schemas import codes


def bi(de: str, en: str) -> str:
    """The house style: German first, English beside it."""
    return de if de == en else f"{de} / {en}"


#: indicator → (German, English, kind); kind drives formatting and the suppression rule
INDICATORS: dict[str, tuple[str, str, str]] = {
    "participants_cumulative": ("Teilnehmende (kumuliert)", "Participants (cumulative)", "count"),
    "participants_active": ("Aktive Teilnehmende", "Active participants", "count"),
    "entries_month": ("Eintritte im Monat", "Entries in month", "count"),
    "leavers_month": ("Austritte im Monat", "Leavers in month", "count"),
    "target_achievement": ("Zielerreichung", "Target achievement", "rate"),
    "reach_rate_12m": ("Erreichungsquote (12 Monate)", "Reach rate (12 months)", "rate"),
    "integration_rate_12m": ("Integrationsquote (12 Monate)", "Integration rate (12 months)", "rate"),
    "integration_rate_cumulative": ("Integrationsquote (kumuliert)", "Integration rate (cumulative)", "rate"),
    "integration_rate_6m": ("Integrationsquote nach 6 Monaten", "Integration rate after 6 months", "rate"),
    "followup_coverage": ("Abdeckung Verbleib nach 6 Monaten", "Follow-up coverage", "rate"),
    "status_unknown_share": ("Anteil Verbleib unbekannt", "Share of unknown status upon leaving", "rate"),
    "duration_median_days": ("Verweildauer Median (Tage)", "Median duration (days)", "days"),
    "duration_mean_days": ("Verweildauer Mittelwert (Tage)", "Mean duration (days)", "days"),
}

GENDER_NAMES = {
    "f": ("Frauen", "Women"),
    "m": ("Männer", "Men"),
    "d": ("Divers", "Non-binary"),
    "total": ("Gesamt", "Total"),
}

DIMENSIONS = {
    "gender": ("Geschlecht", "Gender"),
    "age_group": ("Altersgruppe", "Age group"),
    "isced_level": ("Bildungsstand (ISCED)", "Education level (ISCED)"),
    "target_group": ("Zielgruppe", "Target group"),
    "access_channel": ("Zugangsweg", "Access channel"),
    "district": ("Bezirk", "District"),
    "employment_status": ("Erwerbsstatus bei Eintritt", "Employment status at entry"),
}

_CATEGORIES = {
    # target groups (codes.TARGET_GROUP)
    "elb_total": ("Alle erwerbsfähigen Leistungsberechtigten", "All employable benefit recipients"),
    "single_parents": ("Alleinerziehende", "Single parents"),
    "women_foreign_background": ("Frauen mit Migrationshintergrund", "Women with a foreign background"),
    "parents_low_qualified": ("Eltern mit geringer Qualifikation", "Low-qualified parents"),
    # access channels (codes.ACCESS_CHANNEL)
    "jobcenter": ("Jobcenter", "Jobcenter"),
    "counselling_centre": ("Beratungsstelle", "Counselling centre"),
    "multiplier": ("Multiplikator/innen", "Multipliers"),
    "direct_approach": ("Direkte Ansprache", "Direct approach"),
    "network": ("Netzwerk", "Network"),
    "social_media": ("Soziale Medien", "Social media"),
    "other": ("Sonstige", "Other"),
    # employment status (codes.EMPLOYMENT_STATUS)
    "unemployed": ("Arbeitslos", "Unemployed"),
    "long_term_unemployed": ("Langzeitarbeitslos", "Long-term unemployed"),
    "inactive": ("Nichterwerbstätig", "Inactive"),
    "inactive_in_education": ("Nichterwerbstätig in Ausbildung", "Inactive, in education"),
    "employed": ("Erwerbstätig", "Employed"),
    "self_employed": ("Selbstständig", "Self-employed"),
    # categories of region (codes.CATEGORY_OF_REGION)
    "more_developed": ("Stärker entwickelte Regionen", "More developed regions"),
    "transition": ("Übergangsregionen", "Transition regions"),
    "less_developed": ("Weniger entwickelte Regionen", "Less developed regions"),
    "unknown": ("unbekannt", "unknown"),
}
#: code lists whose every code has a label (a test checks it)
LABELLED_CODE_LISTS = (
    codes.TARGET_GROUP,
    codes.ACCESS_CHANNEL,
    codes.EMPLOYMENT_STATUS,
    codes.CATEGORY_OF_REGION,
)


def category(code: str | None) -> str:
    """Label of a breakdown category; codes without a label (age groups, ISCED, districts) as they are."""
    if code is None:
        return bi(*_CATEGORIES["unknown"])
    return bi(*_CATEGORIES[code]) if code in _CATEGORIES else code


COMMON_INDICATORS = {
    "EECO01": ("Teilnehmende insgesamt", "Total participants"),
    "EECO02": ("Arbeitslose, einschl. Langzeitarbeitslose", "Unemployed, including long-term unemployed"),
    "EECO03": ("Langzeitarbeitslose", "Long-term unemployed"),
    "EECO04": ("Nichterwerbstätige", "Inactive"),
    "EECO05": ("Erwerbstätige, einschl. Selbstständige", "Employed, including self-employed"),
    "EECO06": ("Unter 18 Jahre", "Below 18 years of age"),
    "EECO07": ("18 bis 29 Jahre", "Aged 18 to 29"),
    "EECO08": ("55 Jahre und älter", "55 years of age and above"),
    "EECO09": ("Höchstens Sekundarbereich I (ISCED 0–2)", "Lower secondary education or less (ISCED 0–2)"),
    "EECO10": (
        "Sekundarbereich II / postsekundar (ISCED 3–4)",
        "Upper secondary or post-secondary (ISCED 3–4)",
    ),
    "EECO11": ("Tertiärbereich (ISCED 5–8)", "Tertiary education (ISCED 5–8)"),
    "EECO12": ("Menschen mit Behinderungen", "Participants with disabilities"),
    "EECO13": ("Drittstaatsangehörige", "Third-country nationals"),
    "EECO14": ("Mit ausländischer Herkunft", "Participants with a foreign background"),
    "EECO15": ("Angehörige von Minderheiten", "Minorities"),
    "EECO16": (
        "Obdachlose oder von Ausgrenzung auf dem Wohnungsmarkt Betroffene",
        "Homeless or affected by housing exclusion",
    ),
    "EECO17": ("Aus ländlichen Gebieten", "Participants from rural areas"),
    "EECR01": ("Nach der Teilnahme arbeitsuchend", "Engaged in job searching upon leaving"),
    "EECR02": (
        "Nach der Teilnahme in allgemeiner oder beruflicher Bildung",
        "In education or training upon leaving",
    ),
    "EECR03": ("Nach der Teilnahme mit erlangter Qualifikation", "Gaining a qualification upon leaving"),
    "EECR04": (
        "Nach der Teilnahme erwerbstätig, einschl. Selbstständige",
        "In employment, including self-employment, upon leaving",
    ),
    "EECR05": (
        "Sechs Monate nach der Teilnahme erwerbstätig, einschl. Selbstständige",
        "In employment, including self-employment, six months after leaving",
    ),
}

DELIVERY_STATUS = {
    # status → (German, English, symbol)
    "accepted": ("angenommen", "accepted", "✓"),
    "corrected": ("korrigiert", "corrected", "✎"),
    "rejected": ("abgelehnt", "rejected", "✗"),
    "missing": ("fehlt", "missing", "–"),
}
LATE = ("verspätet", "late", "⏰")
EXTRACT_TYPES = {
    "participants": ("Teilnehmende", "participants"),
    "followup": ("Verbleib nach 6 Monaten", "follow-up"),
    "target_population": ("Zielgruppenbestand", "target population"),
}

NO_DATA = bi("noch keine Daten", "no data yet")
NO_CHART = bi("kein Diagramm – keine Daten", "no chart – no data")
#: on every public page (docs/indicators.md "Publication", v2)
METHOD_NOTE = (
    "Zur Wahrung der statistischen Geheimhaltung sind die Werte mit dem Cell-Key-Verfahren leicht "
    "verändert; Summen können daher von der Summe der Einzelwerte abweichen. Abweichung höchstens ±2, "
    "Varianz 1 (ab 5 Fällen); veröffentlicht wird nie 1 oder 2. Quoten in ganzen Prozent aus den "
    "veränderten Zählern und Nennern, Verweildauern in ganzen Tagen, nur ab 10 (sonst „–“). / "
    "To protect statistical confidentiality, values are slightly perturbed by the cell key method; "
    "totals may therefore differ from the sum of their parts. Deviation at most ±2, variance 1 (from "
    "5 cases on); 1 or 2 is never published. Rates in whole percent from the perturbed numerators and "
    "denominators, durations in whole days, only from 10 on (else “–”)."
)
#: on every internal page
INTERNAL_NOTE = bi(
    "intern — exakte Werte, nicht zur Veröffentlichung", "internal — exact figures, not for publication"
)

#: export file → dbt model that produces it (the export writes the mart unchanged)
MODELS = {
    "indicators": "dbt_project/models/marts/indicators.sql",
    "common_indicators": "dbt_project/models/marts/common_indicators.sql",
    "sfc_table": "dbt_project/models/marts/sfc_table.sql",
    "delivery_status": "dbt_project/models/marts/delivery_status.sql",
    "participant_breakdowns": "dbt_project/models/marts/participant_breakdowns.sql",
}


def source(mart: str, column: str) -> str:
    """The one-hop pointer from a figure to its SQL: model file and column (or indicator code)."""
    return f"{bi('Quelle', 'Source')}: {MODELS[mart]} — {column}"


def indicator_label(code: str) -> str:
    de, en, _ = INDICATORS.get(code, (code, code, "count"))
    return bi(de, en)


def indicator_kind(code: str) -> str:
    return INDICATORS.get(code, (code, code, "count"))[2]


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    """German style: 1.234 and 12,5 (thousands '.', decimal ',')."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_value(value: float | int | None, kind: str, public: bool = False) -> str:
    """A figure as shown; '–' when there is nothing to show (no denominator, or a public rate or
    duration under 10). Public: rates in whole percent, durations in whole days."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "rate":
        return f"{fmt_number(value * 100, 0 if public else 1)}\u00a0%"
    if kind == "days":
        return fmt_number(value, 1 if value != int(value) and not public else 0)
    return fmt_number(value)


def data_value(value: float | int | None, kind: str = "count", public: bool = False) -> str:
    """Machine-readable value for `data-value` (tests, scrapers, the disclosure audit): the
    exact export value (internal), or the published one (public: counts, whole percent for
    rates, whole days); '' when nothing is shown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if public:
        return str(round(value * 100) if kind == "rate" else round(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)
