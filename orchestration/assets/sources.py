"""The roots of the lineage: files the pipeline reads but does not make (external assets).

Nobody materialises these in Dagster: the providers drop their uploads into ``landing/``,
the managing authority maintains the registries in ``reference/``. As ``AssetSpec``s they
stand at the left of the lineage graph, so an asset's upstream ends at a real file, not at
nothing (docs/data-folder.md describes each path).
"""

import dagster as dg

from esf_monitor.intake.registry import CHECKLIST_ITEMS_FILE, MUNICIPALITIES_FILE

SOURCES_GROUP = "sources"

landing = dg.AssetSpec(
    "landing",
    group_name=SOURCES_GROUP,
    kinds={"csv", "xlsx"},
    description="Eingangsordner / landing folder: landing/<provider>/<type>/<YYYY-MM>.<csv|xlsx>, "
    "the current upload of each slot (providers: esf-monitor upload, the portal, SFTP). Read by the "
    "landing scan (esf-monitor run, landing_sensor) and the raw_* assets; never written by them.",
    metadata={"path": "landing/<provider>/<type>/<YYYY-MM>.<csv|xlsx>"},
)

reference_projects = dg.AssetSpec(
    "reference_projects",
    group_name=SOURCES_GROUP,
    kinds={"csv"},
    description="Projektregister / project registry reference/projects.csv (managing authority, "
    "extract contract): projects, providers, targets. Read by registry and delivery_check.",
    metadata={"path": "reference/projects.csv"},
)

reference_municipalities = dg.AssetSpec(
    "reference_municipalities",
    group_name=SOURCES_GROUP,
    kinds={"csv"},
    description=f"Kommunenregister / municipality registry reference/{MUNICIPALITIES_FILE} (process "
    "monitoring, optional). Read by registry and delivery_check.",
    metadata={"path": f"reference/{MUNICIPALITIES_FILE}"},
)

reference_checklist_items = dg.AssetSpec(
    "reference_checklist_items",
    group_name=SOURCES_GROUP,
    kinds={"csv"},
    description=f"Checklistenkatalog / checklist catalogue reference/{CHECKLIST_ITEMS_FILE} (process "
    "monitoring, optional). Read by registry.",
    metadata={"path": f"reference/{CHECKLIST_ITEMS_FILE}"},
)

REFERENCE_SPECS = [reference_projects, reference_municipalities, reference_checklist_items]
SOURCE_SPECS = [landing, *REFERENCE_SPECS]
