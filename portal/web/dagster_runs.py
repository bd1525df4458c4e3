"""The pipeline's runs of one upload slot, asked from Dagster's webserver (GraphQL), if one runs.

The progress stages themselves come from the data folder (portal.web.state); this adds what
Dagster knows — which run took the slot and its status — when ``make ui`` (or any Dagster
webserver over the same instance, ``ESF_DAGSTER_UI_URL``) answers. Nothing is imported from
Dagster: one HTTP request with a short timeout; no answer = nothing shown.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings

QUERY = """query SlotRuns($filter: RunsFilter!) {
  runsOrError(filter: $filter, limit: 3) {
    __typename
    ... on Runs { results { runId status jobName creationTime endTime } }
    ... on PythonError { message }
  }
}"""
STATUS = {
    "QUEUED": ("wartet", "queued"),
    "NOT_STARTED": ("wartet", "not started"),
    "STARTING": ("startet", "starting"),
    "STARTED": ("läuft", "running"),
    "SUCCESS": ("fertig", "done"),
    "FAILURE": ("fehlgeschlagen", "failed"),
    "CANCELING": ("wird abgebrochen", "cancelling"),
    "CANCELED": ("abgebrochen", "cancelled"),
}


def slot_runs(partition_key: str, timeout: float = 1.0) -> list[dict] | None:
    """The newest runs (at most 3) tagged with this slot's partition; None when no Dagster
    webserver answers in time."""
    body = json.dumps(
        {
            "query": QUERY,
            "variables": {"filter": {"tags": [{"key": "dagster/partition", "value": partition_key}]}},
        }
    ).encode()
    request = urllib.request.Request(
        f"{settings.DAGSTER_UI_URL}/graphql",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.load(response)
    except (OSError, ValueError, urllib.error.URLError):
        return None
    runs = ((answer.get("data") or {}).get("runsOrError") or {}).get("results")
    if not isinstance(runs, list):
        return None
    out = []
    for run in runs:
        de, en = STATUS.get(run.get("status", ""), (run.get("status", ""),) * 2)
        out.append(
            {
                "run_id": run.get("runId", ""),
                "job": run.get("jobName", ""),
                "status": run.get("status", ""),
                "label": f"{de} / {en}",
                "url": f"{settings.DAGSTER_UI_URL}/runs/{run.get('runId', '')}",
            }
        )
    return out
