"""Record keys of the cell key method (docs/indicators.md, "Publication": record key).

One row per participant (project_id, participant_id) of any loaded participants file with its
record key 0–255 = first byte of HMAC-SHA256(secret, project_id || "|" || participant_id).
A Python model because the key is a keyed hash: the secret is read here from the data folder
(secrets/cell_key.secret, created on first run, esf_monitor.disclosure.keys) and never passed
to dbt as a variable, so it reaches neither the warehouse nor dbt's manifest or logs.
docs/decisions.md "Publication v2" says why the keys are summed in the dbt models.

Incremental (append): a participant's key never changes while the secret stays, so a build
hashes only the pairs it has not seen; the whole history is hashed again only on a full
refresh, which orchestration/dbt_build_plan.py orders when the secret's fingerprint
(`keys.key_id`) differs from the last build's. Pairs of withdrawn rows may stay: the table is
only ever joined to (int_participants_at_cutoff), never counted.
"""

import os


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    import pyarrow as pa

    from esf_monitor.disclosure.keys import ensure_secret, record_keys

    secret = ensure_secret(os.environ["ESF_DATA_DIR"])
    pairs = dbt.ref("stg_esf__participants").project("project_id, participant_id").distinct()
    if dbt.is_incremental:
        pairs = pairs.except_(session.sql(f"select project_id, participant_id from {dbt.this}"))
    rows = pairs.order("project_id, participant_id").fetchall()
    return pa.table(
        {
            "project_id": pa.array([p[0] for p in rows], pa.string()),
            "participant_id": pa.array([p[1] for p in rows], pa.string()),
            "record_key": pa.array(record_keys(secret, rows), pa.int32()),
        }
    )
