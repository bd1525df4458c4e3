"""Static tables of the demo data generator: projects, participant profiles, districts.

Kept apart from the generator's logic so that the calibration can be read (and checked
against the public sources) in one place. Figures are calibrated to public descriptions of
the programmes; they are plausible orders of magnitude, not official statistics:

- "Stark im Beruf" (ESF-Bundesprogramm, contact points for mothers with a migration
  background): about 60 participants at a time per contact point (e.g. Jobcenter Landkreis
  Mayen-Koblenz), almost only women, many third-country nationals, about one third of the
  leavers take up employment subject to social insurance, self-employment or training.
- "Job Coach Hamburg" / "Jobclub Soloturn Plus" (Hamburg-Mitte): ~95 % women, single
  parents, low qualifications, ~600 participants in four years, reached through multipliers
  in the district (Kita-Kulturlotsinnen), social media / WhatsApp and the jobcenter.
- "AlleinerziehendenNetz Wuppertal": single parents receiving SGB II; about 4,600 single
  parents in benefits in Wuppertal.
- "Gemeinsam klappt's" (NRW): young refugees aged 18-27, more men than women.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from schemas.codes import (
    ACCESS_CHANNEL,
    EMPLOYMENT_STATUS,
    EXIT_REASON,
    GENDER,
    NATIONALITY,
    STATUS_6M,
    STATUS_UPON_LEAVING,
    TARGET_GROUP,
    YES_NO_UNKNOWN,
)

Probabilities = dict  # code -> probability (sums to 1)


@dataclass(frozen=True)
class Profile:
    """Who takes part in a programme and how they leave it (one categorical law per field)."""

    gender: Probabilities
    age_mean: float
    age_sd: float
    age_min: int
    age_max: int
    employment_status: Probabilities
    isced: Probabilities  # level (int) -> probability
    single_parent: float  # probability of yes
    children_mean: float  # Poisson mean of children_under_18 beyond the minimum
    children_min: int
    disability: Probabilities
    nationality: Probabilities
    foreign_background: Probabilities
    minority: Probabilities
    homeless: Probabilities
    access_channel: Probabilities
    exit_reason: Probabilities
    status_upon_leaving: Probabilities
    duration_mean_days: float


@dataclass(frozen=True)
class ProjectSpec:
    project_id: str
    project_name: str
    programme: str
    profile: str
    jobcenter_id: str
    district: str
    target_group: str
    category_of_region: str
    specific_objective: str
    start_date: date
    end_date: date
    entries_per_month: float  # first entries per month at scale 1
    dialect: str  # key of generator.DIALECTS
    residence_districts: dict = field(default_factory=dict)  # district -> weight; {} = own district


@dataclass(frozen=True)
class JobcenterSpec:
    jobcenter_id: str
    name: str
    dialect: str  # CSV dialects only (followup / target_population are .csv)


SIB = "Stark im Beruf"
JCH = "Job Coach Hamburg"
JCS = "Jobclub Soloturn Plus"
AEN = "AlleinerziehendenNetz Wuppertal"
GK = "Gemeinsam klappt's"

HAMBURG_MITTE = ("Billstedt", "Wilhelmsburg", "Mümmelmannsberg", "Horn", "Hamm", "Rothenburgsort")


def _hamburg_residence(home: str) -> dict:
    """60 % live in the project's own district, the rest elsewhere in Hamburg-Mitte."""
    others = [d for d in HAMBURG_MITTE if d != home]
    return {home: 0.6, **{d: 0.4 / len(others) for d in others}}


_SIB_STATUS = {  # integrated (employed_sv + self_employed + vocational_training) = 0.35
    "employed_sv": 0.25,
    "self_employed": 0.02,
    "vocational_training": 0.08,
    "employed_marginal": 0.08,
    "education": 0.09,
    "job_searching": 0.25,
    "inactive": 0.15,
    "unknown": 0.08,
}

PROFILES: dict[str, Profile] = {
    "sib": Profile(
        gender={"f": 0.995, "d": 0.005},
        age_mean=36,
        age_sd=7.5,
        age_min=18,
        age_max=62,
        employment_status={
            "unemployed": 0.25,
            "long_term_unemployed": 0.2,
            "inactive": 0.45,
            "inactive_in_education": 0.03,
            "employed": 0.06,
            "self_employed": 0.01,
        },
        isced={0: 0.08, 1: 0.15, 2: 0.22, 3: 0.25, 4: 0.07, 5: 0.03, 6: 0.12, 7: 0.07, 8: 0.01},
        single_parent=0.2,
        children_mean=1.2,
        children_min=1,
        disability={"no": 0.93, "yes": 0.02, "unknown": 0.05},
        nationality={"third_country": 0.62, "eu": 0.15, "national": 0.2, "stateless": 0.02, "unknown": 0.01},
        foreign_background={"yes": 0.96, "no": 0.01, "unknown": 0.03},
        minority={"no": 0.85, "yes": 0.03, "unknown": 0.12},
        homeless={"no": 0.97, "yes": 0.005, "unknown": 0.025},
        access_channel={
            "jobcenter": 0.45,
            "counselling_centre": 0.12,
            "multiplier": 0.15,
            "direct_approach": 0.08,
            "network": 0.1,
            "social_media": 0.07,
            "other": 0.03,
        },
        exit_reason={"completed": 0.7, "dropout": 0.22, "other": 0.08},
        status_upon_leaving=_SIB_STATUS,
        duration_mean_days=240,
    ),
    "hamburg": Profile(
        gender={"f": 0.95, "m": 0.05},
        age_mean=34,
        age_sd=8,
        age_min=18,
        age_max=60,
        employment_status={
            "unemployed": 0.2,
            "long_term_unemployed": 0.3,
            "inactive": 0.4,
            "inactive_in_education": 0.02,
            "employed": 0.07,
            "self_employed": 0.01,
        },
        isced={0: 0.12, 1: 0.22, 2: 0.3, 3: 0.22, 4: 0.05, 5: 0.02, 6: 0.05, 7: 0.02},
        single_parent=0.55,
        children_mean=1.0,
        children_min=1,
        disability={"no": 0.92, "yes": 0.03, "unknown": 0.05},
        nationality={"national": 0.45, "eu": 0.12, "third_country": 0.4, "stateless": 0.02, "unknown": 0.01},
        foreign_background={"yes": 0.65, "no": 0.3, "unknown": 0.05},
        minority={"no": 0.85, "yes": 0.04, "unknown": 0.11},
        homeless={"no": 0.95, "yes": 0.02, "unknown": 0.03},
        access_channel={
            "multiplier": 0.3,
            "social_media": 0.2,
            "jobcenter": 0.3,
            "network": 0.1,
            "direct_approach": 0.06,
            "counselling_centre": 0.03,
            "other": 0.01,
        },
        exit_reason={"completed": 0.65, "dropout": 0.27, "other": 0.08},
        status_upon_leaving={
            "employed_sv": 0.22,
            "self_employed": 0.01,
            "vocational_training": 0.07,
            "employed_marginal": 0.12,
            "education": 0.08,
            "job_searching": 0.28,
            "inactive": 0.14,
            "unknown": 0.08,
        },
        duration_mean_days=180,
    ),
    "single_parents": Profile(
        gender={"f": 0.9, "m": 0.1},
        age_mean=37,
        age_sd=8,
        age_min=18,
        age_max=62,
        employment_status={
            "unemployed": 0.2,
            "long_term_unemployed": 0.4,
            "inactive": 0.3,
            "inactive_in_education": 0.02,
            "employed": 0.07,
            "self_employed": 0.01,
        },
        isced={0: 0.05, 1: 0.12, 2: 0.28, 3: 0.33, 4: 0.08, 5: 0.03, 6: 0.07, 7: 0.04},
        single_parent=0.98,
        children_mean=0.9,
        children_min=1,
        disability={"no": 0.9, "yes": 0.05, "unknown": 0.05},
        nationality={"national": 0.62, "eu": 0.1, "third_country": 0.25, "stateless": 0.01, "unknown": 0.02},
        foreign_background={"yes": 0.4, "no": 0.55, "unknown": 0.05},
        minority={"no": 0.88, "yes": 0.02, "unknown": 0.1},
        homeless={"no": 0.96, "yes": 0.01, "unknown": 0.03},
        access_channel={
            "jobcenter": 0.55,
            "counselling_centre": 0.15,
            "network": 0.12,
            "multiplier": 0.06,
            "direct_approach": 0.06,
            "social_media": 0.04,
            "other": 0.02,
        },
        exit_reason={"completed": 0.68, "dropout": 0.24, "other": 0.08},
        status_upon_leaving={
            "employed_sv": 0.2,
            "self_employed": 0.01,
            "vocational_training": 0.06,
            "employed_marginal": 0.12,
            "education": 0.07,
            "job_searching": 0.3,
            "inactive": 0.16,
            "unknown": 0.08,
        },
        duration_mean_days=270,
    ),
    "young_refugees": Profile(
        gender={"m": 0.7, "f": 0.29, "d": 0.01},
        age_mean=22,
        age_sd=3,
        age_min=17,
        age_max=27,
        employment_status={
            "unemployed": 0.5,
            "long_term_unemployed": 0.05,
            "inactive": 0.25,
            "inactive_in_education": 0.15,
            "employed": 0.05,
        },
        isced={0: 0.15, 1: 0.25, 2: 0.35, 3: 0.18, 4: 0.03, 6: 0.04},
        single_parent=0.03,
        children_mean=0.15,
        children_min=0,
        disability={"no": 0.9, "yes": 0.02, "unknown": 0.08},
        nationality={"third_country": 0.85, "stateless": 0.08, "unknown": 0.04, "eu": 0.03},
        foreign_background={"yes": 0.98, "unknown": 0.02},
        minority={"no": 0.75, "yes": 0.1, "unknown": 0.15},
        homeless={"no": 0.9, "yes": 0.04, "unknown": 0.06},
        access_channel={
            "jobcenter": 0.35,
            "counselling_centre": 0.25,
            "network": 0.15,
            "multiplier": 0.1,
            "direct_approach": 0.05,
            "social_media": 0.08,
            "other": 0.02,
        },
        exit_reason={"completed": 0.62, "dropout": 0.28, "other": 0.1},
        status_upon_leaving={
            "employed_sv": 0.15,
            "self_employed": 0.005,
            "vocational_training": 0.2,
            "employed_marginal": 0.1,
            "education": 0.15,
            "job_searching": 0.22,
            "inactive": 0.075,
            "unknown": 0.1,
        },
        duration_mean_days=200,
    ),
}

_D = date
PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        "SIB-MYK",
        "Stark im Beruf - Kontaktstelle Jobcenter Landkreis Mayen-Koblenz",
        SIB,
        "sib",
        "JC-MYK",
        "Mayen-Koblenz",
        "women_foreign_background",
        "more_developed",
        "ESO4.8",
        _D(2023, 1, 1),
        _D(2026, 12, 31),
        7.5,
        "utf8_comma",
    ),
    ProjectSpec(
        "SIB-K",
        "Stark im Beruf - Kontaktstelle Köln",
        SIB,
        "sib",
        "JC-K",
        "Köln",
        "women_foreign_background",
        "more_developed",
        "ESO4.8",
        _D(2023, 1, 1),
        _D(2026, 12, 31),
        10,
        "utf8_bom_semicolon",
    ),
    ProjectSpec(
        "SIB-DU",
        "Stark im Beruf - Kontaktstelle Duisburg",
        SIB,
        "sib",
        "JC-DU",
        "Duisburg",
        "women_foreign_background",
        "more_developed",
        "ESO4.8",
        _D(2023, 1, 1),
        _D(2026, 12, 31),
        9,
        "cp1252_semicolon",
    ),
    ProjectSpec(
        "SIB-N",
        "Stark im Beruf - Kontaktstelle Nürnberg",
        SIB,
        "sib",
        "JC-N",
        "Nürnberg",
        "women_foreign_background",
        "more_developed",
        "ESO4.8",
        _D(2023, 1, 1),
        _D(2026, 12, 31),
        7.5,
        "utf8_comma",
    ),
    ProjectSpec(
        "SIB-LG",
        "Stark im Beruf - Kontaktstelle Landkreis Lüneburg",
        SIB,
        "sib",
        "JC-LG",
        "Lüneburg",
        "women_foreign_background",
        "transition",
        "ESO4.8",
        _D(2024, 9, 1),
        _D(2026, 12, 31),
        5,
        "xlsx",
    ),
    ProjectSpec(
        "JCH-BILLSTEDT",
        "Job Coach Hamburg - Billstedt",
        JCH,
        "hamburg",
        "JC-HH",
        "Billstedt",
        "parents_low_qualified",
        "more_developed",
        "ESO4.8",
        _D(2022, 1, 1),
        _D(2026, 12, 31),
        6,
        "cp1252_semicolon",
        _hamburg_residence("Billstedt"),
    ),
    ProjectSpec(
        "JCH-WILHELMSBURG",
        "Job Coach Hamburg - Wilhelmsburg",
        JCH,
        "hamburg",
        "JC-HH",
        "Wilhelmsburg",
        "parents_low_qualified",
        "more_developed",
        "ESO4.8",
        _D(2022, 1, 1),
        _D(2026, 12, 31),
        4,
        "utf8_bom_semicolon",
        _hamburg_residence("Wilhelmsburg"),
    ),
    ProjectSpec(
        "JCS-MUEMMELMANNSBERG",
        "Jobclub Soloturn Plus - Mümmelmannsberg",
        JCS,
        "hamburg",
        "JC-HH",
        "Mümmelmannsberg",
        "single_parents",
        "more_developed",
        "ESO4.8",
        _D(2022, 1, 1),
        _D(2025, 6, 30),
        2.5,
        "utf8_comma",
        _hamburg_residence("Mümmelmannsberg"),
    ),
    ProjectSpec(
        "AEN-WUP",
        "AlleinerziehendenNetz Wuppertal (Jobcenter Wuppertal AöR)",
        AEN,
        "single_parents",
        "JC-WUP",
        "Wuppertal",
        "single_parents",
        "more_developed",
        "ESO4.11",
        _D(2023, 4, 1),
        _D(2026, 12, 31),
        10,
        "utf8_bom_semicolon",
    ),
    ProjectSpec(
        "GK-GE",
        "Gemeinsam klappt's - Gelsenkirchen",
        GK,
        "young_refugees",
        "JC-GE",
        "Gelsenkirchen",
        "elb_total",
        "more_developed",
        "ESO4.9",
        _D(2024, 4, 1),
        _D(2026, 12, 31),
        4,
        "xlsx",
    ),
)

JOBCENTERS: tuple[JobcenterSpec, ...] = (
    JobcenterSpec("JC-MYK", "Jobcenter Landkreis Mayen-Koblenz", "utf8_comma"),
    JobcenterSpec("JC-K", "Jobcenter Köln", "utf8_bom_semicolon"),
    JobcenterSpec("JC-DU", "Jobcenter Duisburg", "utf8_comma"),
    JobcenterSpec("JC-N", "Jobcenter Nürnberg-Stadt", "utf8_comma"),
    JobcenterSpec("JC-LG", "Jobcenter Landkreis Lüneburg", "utf8_bom_semicolon"),
    JobcenterSpec("JC-HH", "Jobcenter team.arbeit.hamburg", "cp1252_semicolon"),
    JobcenterSpec("JC-WUP", "Jobcenter Wuppertal AöR", "cp1252_semicolon"),
    JobcenterSpec("JC-GE", "Jobcenter Gelsenkirchen", "utf8_comma"),
)

#: Stock of employable benefit recipients (SGB II) per district at scale 1:
#: (elb_total, single_parents, women_foreign_background, parents_low_qualified).
TARGET_POPULATION_BASE: dict[str, tuple[int, int, int, int]] = {
    "Mayen-Koblenz": (7_600, 1_050, 1_500, 1_100),
    "Köln": (88_000, 11_800, 19_500, 12_600),
    "Duisburg": (62_000, 7_400, 15_800, 10_100),
    "Nürnberg": (36_000, 4_700, 8_900, 5_300),
    "Lüneburg": (6_200, 900, 1_000, 800),
    "Billstedt": (11_500, 1_500, 3_300, 2_300),
    "Wilhelmsburg": (9_800, 1_250, 3_000, 2_100),
    "Mümmelmannsberg": (3_600, 520, 1_100, 800),
    "Wuppertal": (36_500, 4_600, 7_900, 5_700),
    "Gelsenkirchen": (44_000, 5_300, 11_500, 8_200),
}

#: status_6m given whether the leaver was integrated at exit (employed_sv, self_employed,
#: vocational_training) — most keep their status, some of the others find work later.
STATUS_6M_IF_INTEGRATED = {"same": 0.8, "unemployed": 0.1, "employed_marginal": 0.05, "unknown": 0.05}
STATUS_6M_OTHERWISE = {
    "employed_sv": 0.15,
    "vocational_training": 0.05,
    "self_employed": 0.01,
    "employed_marginal": 0.1,
    "unemployed": 0.35,
    "job_searching": 0.1,
    "inactive": 0.14,
    "education": 0.05,
    "unknown": 0.05,
}


def _check_tables() -> None:
    """Fail at import if a table uses a code the contract does not know (no silent drift)."""
    problems = []
    for name, p in PROFILES.items():
        for law, codes in (
            (p.gender, GENDER),
            (p.employment_status, EMPLOYMENT_STATUS),
            (p.disability, YES_NO_UNKNOWN),
            (p.nationality, NATIONALITY),
            (p.foreign_background, YES_NO_UNKNOWN),
            (p.minority, YES_NO_UNKNOWN),
            (p.homeless, YES_NO_UNKNOWN),
            (p.access_channel, ACCESS_CHANNEL),
            (p.exit_reason, EXIT_REASON),
            (p.status_upon_leaving, STATUS_UPON_LEAVING),
            (p.isced, range(9)),
        ):
            if not set(law) <= set(codes) or abs(sum(law.values()) - 1) > 1e-9:
                problems.append(f"profile {name}: {law}")
    for law in (STATUS_6M_OTHERWISE, {k: v for k, v in STATUS_6M_IF_INTEGRATED.items() if k != "same"}):
        if not set(law) <= set(STATUS_6M):
            problems.append(f"status_6m law: {law}")
    jobcenters = {j.jobcenter_id for j in JOBCENTERS}
    for spec in PROJECTS:
        if (
            spec.profile not in PROFILES
            or spec.target_group not in TARGET_GROUP
            or spec.jobcenter_id not in jobcenters
            or spec.district not in TARGET_POPULATION_BASE
        ):
            problems.append(f"project {spec.project_id}")
    if problems:
        raise ValueError("generator tables do not match schemas/codes.py: " + "; ".join(problems))


_check_tables()
