"""Code lists of extract contract v1 (docs/extract-contract.md).

One place for every enumerated value, so the pandera models, the demo generator and the
dbt `accepted_values` tests cannot drift apart silently (a test compares them).
"""

EXTRACT_TYPES = ("participants", "followup", "target_population")

#: Which provider kind may send which extract type.
PROVIDER_KIND_EXTRACTS = {
    "project": ("participants",),
    "jobcenter": ("followup", "target_population"),
}

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

#: Column order of each extract, as the contract lists them.
PARTICIPANTS_COLUMNS = (
    "participant_id", "project_id", "entry_date", "exit_date", "gender", "birth_year",
    "employment_status", "isced", "single_parent", "children_under_18", "disability",
    "nationality", "foreign_background", "minority", "homeless", "rural", "district",
    "access_channel", "exit_reason", "status_upon_leaving", "qualification_gained",
)
FOLLOWUP_COLUMNS = ("participant_id", "project_id", "exit_date", "status_6m", "benefit_receipt_6m")
TARGET_POPULATION_COLUMNS = ("month", "district", "target_group", "count")
REGISTRY_COLUMNS = (
    "project_id", "project_name", "programme", "jobcenter_id", "district", "target_group",
    "category_of_region", "specific_objective", "start_date", "end_date", "planned_participants",
)
COLUMNS = {
    "participants": PARTICIPANTS_COLUMNS,
    "followup": FOLLOWUP_COLUMNS,
    "target_population": TARGET_POPULATION_COLUMNS,
}
