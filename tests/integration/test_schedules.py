"""The monthly delivery check: its schedule, its report and its failing asset check.

The archive is written directly (store.append_version, as the intake assets do), so these tests
need no pipeline run: the check reads only the registry and the archive's versions.jsonl.
Registry = the hand-calculation fixture's: HC-ALPHA runs 2023-01 … 2025-12, HC-BETA 2023-03 …
2025-06, both served by jobcenter JC-HC (first project start 2023-01).
"""

import shutil
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl
import pytest

from esf_monitor import delivery_check as dc
from esf_monitor import store
from esf_monitor.intake import read_registry
from esf_monitor.paths import DataDir
from orchestration.definitions import defs
from orchestration.resources import resources_for

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
BERLIN = ZoneInfo("Europe/Berlin")
CHECK_KEY = dg.AssetCheckKey(dg.AssetKey("delivery_check"), "all_providers_delivered")


@pytest.fixture
def dd(data_dir) -> DataDir:
    (data_dir / "reference").mkdir()
    shutil.copyfile(HANDCALC / "reference" / "projects.csv", data_dir / "reference" / "projects.csv")
    return DataDir(data_dir)


def deliver(
    dd: DataDir, provider: str, extract_type: str, month: str, status: str, arrived_at: str, sha: str
) -> None:
    store.append_version(
        dd,
        store.VersionRecord(
            provider_id=provider,
            extract_type=extract_type,
            reporting_month=month,
            sha256=sha * 64,
            file_name=f"{month}.csv",
            arrived_at=arrived_at,
            status=status,
        ),
    )


def schedule_request(tick: datetime) -> dg.RunRequest:
    schedule = defs.resolve_schedule_def("delivery_check_on_the_11th")
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        return schedule.evaluate_tick(context).run_requests[0]


def run_check(request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("monthly_delivery_check")
    return job.execute_in_process(
        run_config=request.run_config, instance=dg.DagsterInstance.ephemeral(), tags=request.tags
    )


def test_the_schedule_runs_on_the_11th_in_berlin_time_and_is_on_by_default():
    schedule = defs.resolve_schedule_def("delivery_check_on_the_11th")
    assert schedule.cron_schedule == "0 6 11 * *"
    assert schedule.execution_timezone == "Europe/Berlin"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING  # works under make ui
    assert schedule.job_name == "monthly_delivery_check"


@pytest.mark.parametrize(
    ("tick", "month"),
    [
        (datetime(2025, 7, 11, 6, 0, tzinfo=BERLIN), "2025-06"),
        (datetime(2026, 1, 11, 6, 0, tzinfo=BERLIN), "2025-12"),  # January checks last December
        # 00:30 in Berlin on 1 March is still February in UTC: the month is Berlin's
        (datetime(2025, 3, 1, 0, 30, tzinfo=BERLIN), "2025-02"),
    ],
)
def test_the_schedule_checks_the_month_before_its_tick(tick, month):
    request = schedule_request(tick)
    assert request.run_config["ops"]["delivery_check"]["config"]["month"] == month
    assert request.run_key == f"delivery_check@{month}"  # one check per month, even if re-ticked


def test_expected_deliveries_follow_the_project_runs_and_the_jobcenters_first_start(dd):
    registry = read_registry(dd.registry_csv)
    both = [
        ("HC-ALPHA", "project", "participants"),
        ("HC-BETA", "project", "participants"),
        ("JC-HC", "jobcenter", "followup"),
        ("JC-HC", "jobcenter", "target_population"),
    ]
    assert dc.expected_slots(registry, "2024-06") == both
    # HC-BETA starts 2023-03; JC-HC's first project (HC-ALPHA) starts 2023-01
    assert dc.expected_slots(registry, "2023-02") == [both[0], both[2], both[3]]
    assert dc.expected_slots(registry, "2025-06") == both  # HC-BETA's last month
    assert dc.expected_slots(registry, "2025-07") == [both[0], both[2], both[3]]
    assert dc.expected_slots(registry, "2022-12") == []


def test_scheduled_check_names_the_missing_provider_writes_the_report_and_fails(dd):
    deliver(dd, "HC-ALPHA", "participants", "2025-06", "accepted", "2025-07-04T09:00:00Z", "a")
    # HC-BETA: nothing for 2025-06 (its last project month) → missing
    deliver(dd, "JC-HC", "followup", "2025-06", "rejected", "2025-07-08T10:00:00Z", "b")
    deliver(dd, "JC-HC", "target_population", "2025-06", "accepted", "2025-07-11T08:00:00Z", "c")
    deliver(dd, "JC-HC", "target_population", "2025-06", "accepted", "2025-07-12T08:00:00Z", "d")
    # a file for another month must not count for June
    deliver(dd, "HC-BETA", "participants", "2025-05", "accepted", "2025-06-03T08:00:00Z", "e")

    result = run_check(schedule_request(datetime(2025, 7, 11, 6, 0, tzinfo=BERLIN)))

    assert result.success  # a failing check is not a failed run: the report is still written
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.asset_check_key == CHECK_KEY
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.metadata["missing"].value == {"HC-BETA": ["participants"]}
    assert evaluation.metadata["rejected_only"].value == {"JC-HC": ["followup"]}
    assert "HC-BETA" in evaluation.description and "JC-HC" in evaluation.description

    report = pl.read_csv(dd.reports / "_delivery_check" / "2025-06.csv", separator=";")
    assert report.columns == dc.REPORT_COLUMNS
    assert report.select("provider_id", "extract_type", "status", "versions", "is_late").rows() == [
        ("HC-ALPHA", "participants", "accepted", 1, False),
        ("HC-BETA", "participants", "missing", 0, None),
        ("JC-HC", "followup", "rejected", 1, False),
        # first arrival on the 11th: after the deadline (by the 10th); re-sent once = corrected
        ("JC-HC", "target_population", "corrected", 2, True),
    ]
    assert (dd.reports / "_delivery_check" / "2025-06.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    text = (dd.reports / "_delivery_check" / "2025-06.txt").read_text(encoding="utf-8")
    de, en = text.split("-" * 72)
    assert "Fehlend: HC-BETA (participants)" in de and "nicht geliefert: 2" in de
    assert "Nur abgelehnte Fassungen: JC-HC (followup)" in de
    assert "Verspätet geliefert: JC-HC (target_population)" in de
    assert "Missing: HC-BETA (participants)" in en and "not delivered: 2" in en
    assert text.index("Lieferprüfung") < text.index("Delivery check")  # German first


def test_check_passes_when_every_expected_provider_delivered(dd):
    # 2023-02: HC-BETA has not started yet, so only HC-ALPHA and the jobcenter are due
    deliver(dd, "HC-ALPHA", "participants", "2023-02", "accepted", "2023-03-06T09:00:00Z", "a")
    deliver(dd, "JC-HC", "followup", "2023-02", "rejected", "2023-03-06T09:00:00Z", "b")
    deliver(dd, "JC-HC", "followup", "2023-02", "accepted", "2023-03-07T09:00:00Z", "c")
    deliver(dd, "JC-HC", "target_population", "2023-02", "accepted", "2023-03-10T23:59:59Z", "d")

    result = dg.materialize(
        [defs.get_assets_def(dg.AssetKey("delivery_check"))],
        run_config=dg.RunConfig(ops={"delivery_check": {"config": {"month": "2023-02"}}}),
        instance=dg.DagsterInstance.ephemeral(),
        resources=resources_for(dd.root),
    )

    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed
    assert evaluation.metadata["missing"].value == {}
    report = pl.read_csv(dd.reports / "_delivery_check" / "2023-02.csv", separator=";")
    assert report["status"].to_list() == ["accepted", "accepted", "accepted"]
    assert report["is_late"].to_list() == [False, False, False]  # the 10th, 23:59:59 is on time
    assert "Alle erwarteten Lieferungen liegen vor" in (
        dd.reports / "_delivery_check" / "2023-02.txt"
    ).read_text(encoding="utf-8")


def test_a_month_that_is_not_a_month_fails_the_run_in_both_languages(dd):
    result = dg.materialize(
        [defs.get_assets_def(dg.AssetKey("delivery_check"))],
        run_config=dg.RunConfig(ops={"delivery_check": {"config": {"month": "2025-13"}}}),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        resources=resources_for(dd.root),
    )
    assert not result.success
    assert not (dd.reports / "_delivery_check").exists()


def _backfill_run(instance, backfill_id: str, status, assets: list[str]) -> None:
    """A run as a backfill launches it: Dagster's implicit asset job, the backfill's tag."""
    instance.add_run(
        dg.DagsterRun(
            job_name="__ASSET_JOB",
            run_id=str(uuid.uuid4()),
            status=status,
            tags={"dagster/backfill": backfill_id},
            asset_selection=frozenset(dg.AssetKey(a) for a in assets),
        )
    )


def test_one_refresh_follows_a_finished_backfill_of_raw_partitions():
    sensor = defs.get_sensor_def("refresh_after_backfill")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "refresh_indicators"
    ok, failed, running = (
        dg.DagsterRunStatus.SUCCESS,
        dg.DagsterRunStatus.FAILURE,
        dg.DagsterRunStatus.STARTED,
    )

    def tick(instance, cursor=None):
        with dg.build_sensor_context(instance=instance, cursor=cursor) as context:
            return sensor.evaluate_tick(context)

    with dg.instance_for_test() as instance:
        assert tick(instance).run_requests == []  # no backfill yet
        # a backfill of the dashboards alone re-loads no raw data: no refresh
        _backfill_run(instance, "dash", ok, ["dashboards"])
        assert tick(instance).run_requests == []
        # a plain run of raw data (no backfill) is refresh_after_burst's business
        instance.add_run(
            dg.DagsterRun(
                job_name="ingest_participants",
                run_id=str(uuid.uuid4()),
                status=ok,
                asset_selection=frozenset({dg.AssetKey("raw_participants")}),
            )
        )
        assert tick(instance).run_requests == []
        _backfill_run(instance, "raw1", ok, ["raw_participants"])
        _backfill_run(instance, "raw1", running, ["raw_followup"])
        assert tick(instance).run_requests == []  # still running: wait for its end

        run = instance.get_runs(dg.RunsFilter(statuses=[running]))[0]
        instance.report_run_failed(run)  # its last run failed: a refresh all the same
        first = tick(instance)
        assert [r.run_key for r in first.run_requests] == ["refresh@backfill:raw1"]
        assert tick(instance, first.cursor).run_requests == []  # once per backfill
        # a later backfill whose runs partly failed still gets its refresh
        _backfill_run(instance, "raw2", failed, ["raw_followup", "raw_target_population"])
        assert [r.run_key for r in tick(instance, first.cursor).run_requests] == ["refresh@backfill:raw2"]


def test_every_dbt_test_runs_each_night_as_asset_checks_without_rebuilding_models():
    """A single upload's run tests only the marts (latency, orchestration/jobs.py); the tests of
    staging and intermediate models must still run somewhere on a schedule the daemon keeps."""
    schedule = defs.resolve_schedule_def("dbt_tests_nightly")
    assert schedule.job_name == "dbt_tests_nightly"
    assert schedule.execution_timezone == "Europe/Berlin"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    tick = datetime(2026, 3, 4, 2, 30, tzinfo=BERLIN)
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        request = schedule.evaluate_tick(context).run_requests[0]
    assert request.run_key == "dbt_tests@2026-03-04"
