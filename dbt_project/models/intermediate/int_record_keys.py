"""Record keys of the cell key method (docs/indicators.md, "Publication": record key).

One row per participant (project_id, participant_id) of any loaded participants file with its
record key 0–255 = first byte of HMAC-SHA256(secret, project_id || "|" || participant_id).
A Python model because the key is a keyed hash: the secret is read here from the data folder
(secrets/cell_key.secret, created on first run, esf_monitor.disclosure.keys) and never passed
to dbt as a variable, so it reaches neither the warehouse nor dbt's manifest or logs.
docs/decisions.md "Publication v2" says why the keys are summed in the dbt models.
"""

import os


def model(dbt, session):
    dbt.config(materialized="table")
    import pyarrow as pa

    from esf_monitor.disclosure.keys import ensure_secret, record_keys

    secret = ensure_secret(os.environ["ESF_DATA_DIR"])
    pairs = (
        dbt.ref("stg_esf__participants")
        .project("project_id, participant_id")
        .distinct()
        .order("project_id, participant_id")
        .fetchall()
    )
    return pa.table(
        {
            "project_id": pa.array([p[0] for p in pairs], pa.string()),
            "participant_id": pa.array([p[1] for p in pairs], pa.string()),
            "record_key": pa.array(record_keys(secret, pairs), pa.int32()),
        }
    )
