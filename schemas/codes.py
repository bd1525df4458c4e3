"""Code lists of extract contract v1 (docs/extract-contract.md).

One place for every enumerated value, so the pandera models, the demo generator and the
dbt `accepted_values` tests cannot drift apart silently (a test compares them).
"""

EXTRACT_TYPES = ("participants", "followup", "target_population", "process_checklist")

#: Which provider kind may send which extract type (process monitoring, docs/process-monitoring.md:
#: only a municipality sends ``process_checklist``, and a municipality sends nothing else).
PROVIDER_KIND_EXTRACTS = {
    "project": ("participants",),
    "jobcenter": ("followup", "target_population"),
    "municipality": ("process_checklist",),
}
#: The extract types of the ESF+ participant indicators (monthly; cut-offs, delivery check).
#: ``process_checklist`` is per survey wave and feeds only the process-monitoring marts.
INDICATOR_EXTRACT_TYPES = ("participants", "followup", "target_population")

GENDER = ("f", "m", "d")
EMPLOYMENT_STATUS = (
    "unemployed",
    "long_term_unemployed",
    "inactive",
    "inactive_in_education",
    "employed",
    "self_employed",
)
YES_NO_UNKNOWN = ("yes", "no", "unknown")
NATIONALITY = ("national", "eu", "third_country", "stateless", "unknown")
ACCESS_CHANNEL = (
    "jobcenter",
    "counselling_centre",
    "multiplier",
    "direct_approach",
    "network",
    "social_media",
    "other",
)
EXIT_REASON = ("completed", "dropout", "other")
STATUS_UPON_LEAVING = (
    "employed_sv",
    "employed_marginal",
    "self_employed",
    "vocational_training",
    "education",
    "job_searching",
    "inactive",
    "unknown",
)
STATUS_6M = STATUS_UPON_LEAVING + ("unemployed",)
TARGET_GROUP = ("elb_total", "single_parents", "women_foreign_background", "parents_low_qualified")
CATEGORY_OF_REGION = ("more_developed", "transition", "less_developed")

#: Core data of ESF+ Regulation 2021/1057 Annex I point 1.1 — missing = accepted but incomplete.
CORE_FIELDS = ("gender", "birth_year", "employment_status", "isced")

# --------------------------------------------------------------------------- process monitoring
# docs/process-monitoring.md (the project's copy of process monitoring v1)

#: Answer of a municipality to one checklist item, in the order of the seed's bars.
PROCESS_STATUS = ("no", "not_planned_useful", "in_planning", "implemented")
#: The German wordings of the checklist (accepted in uploads, case-insensitive, trimmed).
PROCESS_STATUS_DE = {
    "no": "Nein",
    "not_planned_useful": "Noch nicht geplant, wäre aber sinnvoll",
    "in_planning": "In Planung",
    "implemented": "Bereits umgesetzt",
}
PROCESS_STATUS_EN = {
    "no": "No",
    "not_planned_useful": "Not planned yet, but would be useful",
    "in_planning": "In planning",
    "implemented": "Already implemented",
}
#: Colours of the seed's legend (■ Nein ■ Noch nicht geplant … ■ In Planung ■ Bereits umgesetzt).
PROCESS_STATUS_COLOURS = {
    "no": "#c0392b",
    "not_planned_useful": "#f0b400",
    "in_planning": "#8fbce6",
    "implemented": "#1f5fa8",
}
#: Who carries an item (only where the catalogue asks it).
RESPONSIBILITY = ("thm_alone", "thm_shared", "partners")
RESPONSIBILITY_DE = {
    "thm_alone": "Teilhabemanagement allein",
    "thm_shared": "Teilhabemanagement gemeinsam mit Bündnispartnern",
    "partners": "andere Bündnispartner",
}
RESPONSIBILITY_EN = {
    "thm_alone": "participation manager alone",
    "thm_shared": "participation manager with alliance partners",
    "partners": "other partners",
}
MUNICIPALITY_KIND = ("city", "district")
#: Longest note a municipality may write beside an answer.
NOTE_MAX_CHARS = 500

PROCESS_CHECKLIST_COLUMNS = ("item_id", "status", "responsibility", "note")
MUNICIPALITY_COLUMNS = ("municipality_id", "municipality_name", "programme", "kind", "region", "joined_on")
CHECKLIST_ITEM_COLUMNS = (
    "item_id",
    "section",
    "section_title_de",
    "section_title_en",
    "item_text_de",
    "item_text_en",
    "asks_responsibility",
    "first_wave",
    "last_wave",
)


#: Column order of each extract, as the contract lists them.
PARTICIPANTS_COLUMNS = (
    "participant_id",
    "project_id",
    "entry_date",
    "exit_date",
    "gender",
    "birth_year",
    "employment_status",
    "isced",
    "single_parent",
    "children_under_18",
    "disability",
    "nationality",
    "foreign_background",
    "minority",
    "homeless",
    "rural",
    "district",
    "access_channel",
    "exit_reason",
    "status_upon_leaving",
    "qualification_gained",
)
FOLLOWUP_COLUMNS = ("participant_id", "project_id", "exit_date", "status_6m", "benefit_receipt_6m")
TARGET_POPULATION_COLUMNS = ("month", "district", "target_group", "count")
REGISTRY_COLUMNS = (
    "project_id",
    "project_name",
    "programme",
    "jobcenter_id",
    "district",
    "target_group",
    "category_of_region",
    "specific_objective",
    "start_date",
    "end_date",
    "planned_participants",
)
COLUMNS = {
    "participants": PARTICIPANTS_COLUMNS,
    "followup": FOLLOWUP_COLUMNS,
    "target_population": TARGET_POPULATION_COLUMNS,
    "process_checklist": PROCESS_CHECKLIST_COLUMNS,
}
