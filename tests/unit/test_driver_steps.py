"""`esf-monitor run` reports each Dagster step as it happens, from the run's own events
(driver.StepReporter behind DagsterInstance.add_event_listener): a tiny job on an ephemeral
instance, one asset with a failing check, one failing asset."""

from __future__ import annotations

import uuid

import dagster as dg

from orchestration.driver import StepReporter


@dg.asset
def first() -> int:
    return 1


@dg.asset_check(asset=first)
def first_is_two() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False)


@dg.asset(deps=[first])
def second() -> None:
    raise RuntimeError("kaputt")


def test_each_step_is_reported_while_the_run_works():
    defs = dg.Definitions(
        assets=[first, second], asset_checks=[first_is_two], jobs=[dg.define_asset_job("j")]
    )
    lines: list[str] = []
    seen_when_second_started: list[str] = []

    def emit(line: str) -> None:
        if line == "  ▶ second":
            seen_when_second_started.extend(lines)  # the earlier steps came before the run ended
        lines.append(line)

    with dg.DagsterInstance.ephemeral() as instance:
        run_id = str(uuid.uuid4())
        instance.add_event_listener(run_id, StepReporter(emit))
        result = defs.resolve_job_def("j").execute_in_process(
            instance=instance, run_id=run_id, raise_on_error=False
        )
    assert not result.success
    # durations vary: compare without them
    plain = [line.split(" (")[0] + (" (…)" if " (" in line else "") for line in lines]
    assert plain == [
        "  ▶ first",
        "  ✓ first (…)",
        "  ▶ first_first_is_two",
        "  ✓ first_first_is_two (…)",
        "  ▶ second",
        "  ✗ FEHLER / FAILED second",
    ]
    assert lines[1].startswith("  ✓ first (1 Asset; ") and lines[1].endswith(" s)")
    assert lines[3].startswith(
        "  ✓ first_first_is_two (Prüfung nicht bestanden / check failed: first_is_two (Fehler / error); "
    )
    assert seen_when_second_started == lines[:4]
