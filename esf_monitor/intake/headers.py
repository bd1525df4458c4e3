"""Header names as providers write them -> contract column names (issue #13, class 6).

Matching (extract contract, "File formats", as this project applies it): a header is
**normalised** — Unicode NFKC, lower case, umlauts and ß spelled out (``ä`` → ``ae``), every
character that is not a letter or digit dropped — and compared with the normalised contract
names (``Birth Year``, ``birth-year`` and ``BIRTH_YEAR`` are ``birth_year``) and with the
documented German aliases below. Anything else is an unknown column (a warning) or, if it
looks like personal data, an error.

The aliases are the German names the managing authority's own templates and the common
case-management exports use; the list is documented in docs/extract-contract.md ("German
header names"). A header mapped through an alias is reported as a warning (``header_alias``)
so that the uploader sees how the column was read.
"""

from __future__ import annotations

import re
import unicodedata

_DROP = re.compile(r"[^a-z0-9]+")

#: normalised German header -> contract column (per extract type where names differ)
GERMAN_ALIASES: dict[str, str] = {
    # participants
    "teilnehmerid": "participant_id",
    "teilnehmendenid": "participant_id",
    "tnid": "participant_id",
    "pseudonym": "participant_id",
    "teilnehmerpseudonym": "participant_id",
    "projektid": "project_id",
    "projektkennung": "project_id",
    "projektnummer": "project_id",
    "eintrittsdatum": "entry_date",
    "eintritt": "entry_date",
    "beginn": "entry_date",
    "austrittsdatum": "exit_date",
    "austritt": "exit_date",
    "geschlecht": "gender",
    "geburtsjahr": "birth_year",
    "gebjahr": "birth_year",
    "jahrgang": "birth_year",
    "erwerbsstatus": "employment_status",
    "erwerbsstatusbeieintritt": "employment_status",
    "bildungsniveau": "isced",
    "iscedstufe": "isced",
    "isced2011": "isced",
    "bildungsabschluss": "isced",
    "alleinerziehend": "single_parent",
    "kinderunter18": "children_under_18",
    "anzahlkinderunter18": "children_under_18",
    "kinderunter18jahren": "children_under_18",
    "behinderung": "disability",
    "schwerbehinderung": "disability",
    "staatsangehoerigkeit": "nationality",
    "nationalitaet": "nationality",
    "migrationshintergrund": "foreign_background",
    "auslaendischerherkunft": "foreign_background",
    "minderheit": "minority",
    "wohnungslos": "homeless",
    "obdachlos": "homeless",
    "laendlichergebiet": "rural",
    "laendlich": "rural",
    "stadtteil": "district",
    "bezirk": "district",
    "kreis": "district",
    "zugangsweg": "access_channel",
    "zugang": "access_channel",
    "austrittsgrund": "exit_reason",
    "verbleib": "status_upon_leaving",
    "verbleibbeiaustritt": "status_upon_leaving",
    "qualifikationerworben": "qualification_gained",
    "qualifikation": "qualification_gained",
    # followup
    "statusnach6monaten": "status_6m",
    "verbleibnach6monaten": "status_6m",
    "status6m": "status_6m",
    "leistungsbezugnach6monaten": "benefit_receipt_6m",
    "leistungsbezug6m": "benefit_receipt_6m",
    # target_population
    "monat": "month",
    "berichtsmonat": "month",
    "zielgruppe": "target_group",
    "anzahl": "count",
    "bestand": "count",
}


def normalised(name: str | None) -> str:
    """'Staatsangehörigkeit ' -> 'staatsangehoerigkeit', 'Kd.-Nr.' -> 'kdnr', 'Birth Year' -> 'birthyear'."""
    text = unicodedata.normalize("NFKC", (name or "").replace("\ufeff", "")).lower()
    text = text.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return _DROP.sub("", text)


def contract_column(header: str | None, columns) -> tuple[str | None, bool]:
    """``(contract column, via_alias)`` for a header, or ``(None, False)``.

    Exact (trimmed, case-insensitive) names first, then the normalised name, then a German alias.
    """
    columns = list(columns)
    plain = (header or "").replace("\ufeff", "").strip().lower()
    if plain in columns:
        return plain, False
    key = normalised(header)
    if not key:
        return None, False
    for column in columns:
        if normalised(column) == key:
            return column, False
    alias = GERMAN_ALIASES.get(key)
    if alias in columns:
        return alias, True
    return None, False
