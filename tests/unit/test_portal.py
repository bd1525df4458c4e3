"""The portal with Django's test client (docs/portal.md, "Security rules (each is tested)").

Every test has its own data folder (``data_dir`` fixture: ESF_DATA_DIR) with the intake tests'
small registry (projects PRJ-A, PRJ-B of jobcenter JC-X; PRJ-C of JC-Y). The portal reads the
data folder per request, so nothing here touches another test's files.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from fixtures.intake.builders import MONTH, rows, table_of, write_registry

from esf_monitor import store
from esf_monitor.paths import DataDir
from portal.web.models import Account, AuditEvent, Check

pytestmark = pytest.mark.django_db
PASSWORD = "ein-langes-Passwort-2025"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def dd(data_dir) -> DataDir:
    dd = DataDir(data_dir).ensure()
    write_registry(dd.registry_csv)
    return dd


def account(username: str, role: str = "provider", provider_id: str = "") -> User:
    user = User.objects.create_user(
        username,
        password=PASSWORD,
        is_staff=role == "admin",
        is_superuser=role == "admin",
    )
    Account.objects.create(user=user, role=role, provider_id=provider_id)
    return user


def signed_in(
    username: str,
    role: str = "provider",
    provider_id: str = "",
    client: Client | None = None,
) -> Client:
    account(username, role, provider_id)
    client = client or Client()
    response = client.post("/signin/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def csv_bytes(records) -> bytes:
    out = io.StringIO()
    import csv

    csv.writer(out).writerows(table_of(records))
    return out.getvalue().encode("utf-8")


def upload_file(content: bytes, name: str = f"{MONTH}.csv"):
    f = io.BytesIO(content)
    f.name = name
    return f


def good_participants() -> bytes:
    return csv_bytes(rows("participants"))


def broken_participants() -> bytes:
    records = rows("participants")
    records[1]["gender"] = "x"
    records[2]["birth_year"] = 1890
    return csv_bytes(records)


def landing_files(dd: DataDir) -> list[str]:
    return sorted(str(p.relative_to(dd.landing)) for p in dd.landing.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- accounts, sign-in


def test_passwords_are_stored_as_argon2_hashes(dd):
    user = account("prj-a", provider_id="PRJ-A")
    assert user.password.startswith("argon2$")


def test_sign_in_leads_a_provider_to_its_start_page(dd):
    client = signed_in("prj-a", provider_id="PRJ-A")
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/p/PRJ-A/"
    text = response.content.decode()
    assert "Berichtsmonate" in text and "reporting months" in text
    assert 'id="months"' in text
    assert AuditEvent.objects.filter(action="sign_in", username="prj-a").exists()


def test_pages_need_a_signed_in_user(dd):
    response = Client().get("/p/PRJ-A/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_a_post_without_csrf_token_is_refused(dd):
    account("prj-a", provider_id="PRJ-A")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/signin/", {"username": "prj-a", "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    client.force_login(User.objects.get(username="prj-a"))
    response = client.post(
        "/p/PRJ-A/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "file": upload_file(good_participants()),
        },
    )
    assert response.status_code == 403
    assert landing_files(dd) == []


def test_lockout_after_five_failures(dd):
    account("prj-a", provider_id="PRJ-A")
    client = Client()
    for _ in range(5):
        response = client.post("/signin/", {"username": "prj-a", "password": "falsch"})
    # the account is locked now: even the right password is refused
    response = client.post("/signin/", {"username": "prj-a", "password": PASSWORD})
    assert response.status_code == 429
    assert "gesperrt" in response.content.decode() and "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="sign_in_failed", username="prj-a").count() >= 5
    # another account is not locked by it
    signed_in("prj-b", provider_id="PRJ-B")


def test_session_cookie_flags(dd):
    account("prj-a", provider_id="PRJ-A")
    client = Client()
    response = client.post("/signin/", {"username": "prj-a", "password": PASSWORD})
    cookie = response.cookies["esf_portal_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain http on 127.0.0.1; production sets Secure (below)


def test_security_headers_and_no_caching(dd):
    client = signed_in("prj-a", provider_id="PRJ-A")
    response = client.get("/p/PRJ-A/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_second_factor_is_asked_when_the_account_has_one(dd):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = account("prj-a", provider_id="PRJ-A")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    response = client.post("/signin/", {"username": "prj-a", "password": PASSWORD})
    assert response["Location"] == "/signin/code/?next=%2F"
    assert client.get("/p/PRJ-A/").status_code == 302  # nothing before the code
    assert client.post("/signin/code/", {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/signin/code/", {"token": code})
    assert response.status_code == 302
    assert client.get("/p/PRJ-A/").status_code == 200


def test_the_admin_site_needs_the_second_factor_too(dd):
    """Django's admin asks nothing of django-otp by itself: here an account with a device
    reaches no admin page, and no admin login form, before its code."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = account("admin", role="admin")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    assert client.post("/signin/", {"username": "admin", "password": PASSWORD})["Location"].startswith(
        "/signin/code/"
    )
    response = client.get("/admin/auth/user/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == "/signin/code/?next=%2Fadmin%2Fauth%2Fuser%2F"
    # the admin's own login form takes no password alone either
    again = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
    assert again["Location"] == "/signin/code/?next=%2Fadmin%2F"
    assert client.get("/admin/auth/user/").status_code == 302
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(response["Location"], {"token": code})
    assert response["Location"] == "/admin/auth/user/"
    assert client.get("/admin/auth/user/").status_code == 200
    # not signed in: the admin's sign-in is the portal's (its lockout, its audit log)
    response = Client().get("/admin/login/?next=/admin/")
    assert response["Location"] == "/signin/?next=%2Fadmin%2F"
    # signed in without the admin role: nothing there
    assert signed_in("prj-a", provider_id="PRJ-A").get("/admin/login/").status_code == 404


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("ESF_PORTAL_SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env["ESF_DATA_DIR"] = str(tmp_path)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings.production'; django.setup(); "
        "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SECURE_PROXY_SSL_HEADER)"
    )
    refused = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "ESF_PORTAL_SECRET_KEY" in refused.stderr and "ImproperlyConfigured" in refused.stderr
    started = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env={**env, "ESF_PORTAL_SECRET_KEY": "k" * 50},
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split()[:4] == ["False", "True", "True", "True"]
    assert not (tmp_path / "portal" / "secret_key").exists()  # production never makes up a key


def test_the_database_is_sqlite_in_the_data_folder_or_postgresql_by_url(tmp_path):
    from portal.settings.base import database_from_url

    sqlite = database_from_url(None, tmp_path / "portal" / "portal.sqlite3")
    assert sqlite["ENGINE"].endswith("sqlite3") and sqlite["NAME"].startswith(str(tmp_path))
    pg = database_from_url("postgresql://esf:s%40cret@db.example:5433/esf_portal?sslmode=require", tmp_path)
    assert (
        pg["ENGINE"],
        pg["USER"],
        pg["PASSWORD"],
        pg["HOST"],
        pg["PORT"],
        pg["NAME"],
    ) == (
        "django.db.backends.postgresql",
        "esf",
        "s@cret",
        "db.example",
        "5433",
        "esf_portal",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}


# --------------------------------------------------------------------------- isolation


def test_a_provider_reaches_nothing_of_another_provider(dd):
    other = signed_in("prj-b", provider_id="PRJ-B")
    other.post(
        "/p/PRJ-B/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "file": upload_file(broken_participants()),
        },
    )
    check = Check.objects.get(provider_id="PRJ-B")
    _version(dd, "PRJ-B", rejected=True)
    client = signed_in("prj-a", provider_id="PRJ-A")
    urls = [
        "/p/PRJ-B/",
        "/p/PRJ-B/upload/",
        "/p/PRJ-B/deliveries/",
        "/p/PRJ-B/figures/",
        "/p/PRJ-B/figures/own.html",
        "/p/PRJ-B/figures/programme.html",
        f"/p/PRJ-B/checks/{check.id}/",
        f"/p/PRJ-B/checks/{check.id}/report.csv",
        f"/p/PRJ-A/checks/{check.id}/",  # another provider's check under one's own id
        f"/p/PRJ-A/checks/{check.id}/report.xlsx",
        f"/p/PRJ-B/deliveries/participants/{MONTH}/1/errors",
        f"/p/PRJ-B/deliveries/participants/{MONTH}/1/file",
        "/p/JC-X/",
        "/p/NOPE-1/",
        "/analyst/",
        "/analyst/figures/",
        "/analyst/dashboards/overview.html",
        "/audit/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # an unknown provider and another one answer alike: nothing to learn
    import re

    def page(url):  # the CSRF token of the sign-out form is masked anew on every page
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", client.get(url).content)

    assert page("/p/PRJ-B/") == page("/p/NOPE-1/")
    response = client.post(
        "/p/PRJ-B/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "file": upload_file(good_participants()),
        },
    )
    assert response.status_code == 404
    assert landing_files(dd) == []


def test_an_upload_lands_as_the_accounts_provider_whatever_form_and_file_name_say(dd):
    client = signed_in("prj-a", provider_id="PRJ-A")
    records = rows("participants")
    response = client.post(
        "/p/PRJ-A/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "provider_id": "PRJ-B",
            "provider": "PRJ-B",
            "file": upload_file(csv_bytes(records), name="../../PRJ-B/participants/2025-06.csv"),
        },
    )
    assert response.status_code == 302
    assert landing_files(dd) == [f"PRJ-A/participants/{MONTH}.csv"]
    check = Check.objects.get()
    assert check.ok and check.provider_id == "PRJ-A" and check.file_name == "2025-06.csv"
    assert not (dd.root / "PRJ-B").exists() and not (dd.landing / "PRJ-B").exists()
    # rows of another project in one's own file: the intake's own rule rejects them
    for r in records:
        r["project_id"] = "PRJ-B"
    client.post(
        "/p/PRJ-A/upload/",
        {
            "extract_type": "participants",
            "month": "2025-05",
            "file": upload_file(csv_bytes(records)),
        },
    )
    assert not Check.objects.get(month="2025-05").ok
    assert landing_files(dd) == [f"PRJ-A/participants/{MONTH}.csv"]


def test_a_file_name_with_path_parts_is_never_used_as_a_path(dd):
    client = signed_in("prj-a", provider_id="PRJ-A")
    for name in ("..\\..\\etc\\passwd.csv", "/etc/cron.d/x.csv", "a/../../b.xlsx"):
        client.post(
            "/p/PRJ-A/upload/",
            {
                "extract_type": "participants",
                "month": MONTH,
                "file": upload_file(good_participants(), name=name),
            },
        )
    assert {c.file_name for c in Check.objects.all()} <= {
        "passwd.csv",
        "x.csv",
        "b.xlsx",
    }
    # the CSV named b.xlsx: the same slot, as what it is (.csv)
    assert landing_files(dd) == [f"PRJ-A/participants/{MONTH}.csv"]
    assert not any((dd.root.parent / n).exists() for n in ("b.xlsx", "etc"))
    assert list((dd.root / "portal" / "uploads").iterdir()) == []


def test_a_provider_cannot_upload_a_type_its_kind_may_not_send(dd):
    client = signed_in("prj-a", provider_id="PRJ-A")
    response = client.post(
        "/p/PRJ-A/upload/",
        {
            "extract_type": "followup",
            "month": MONTH,
            "file": upload_file(csv_bytes(rows("followup"))),
        },
    )
    assert response.status_code == 200 and "followup" in response.content.decode()
    assert 'value="followup"' not in client.get("/p/PRJ-A/upload/").content.decode()
    assert landing_files(dd) == [] and Check.objects.count() == 0
    jobcenter = signed_in("jc-x", provider_id="JC-X")
    page = jobcenter.get("/p/JC-X/upload/").content.decode()
    assert (
        'value="followup"' in page
        and 'value="target_population"' in page
        and 'value="participants"' not in page
    )
    jobcenter.post(
        "/p/JC-X/upload/",
        {
            "extract_type": "followup",
            "month": MONTH,
            "file": upload_file(csv_bytes(rows("followup"))),
        },
    )
    assert landing_files(dd) == [f"JC-X/followup/{MONTH}.csv"]


def test_a_file_the_pipeline_would_reject_is_never_written_to_landing(dd):
    client = signed_in("prj-a", provider_id="PRJ-A")
    response = client.post(
        "/p/PRJ-A/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "file": upload_file(broken_participants()),
        },
        follow=True,
    )
    text = response.content.decode()
    assert landing_files(dd) == []
    assert list((dd.root / "portal" / "uploads").iterdir()) == []  # not kept either
    assert "Abgelehnt" in text and "Rejected" in text
    # every error by row (as in Excel), column, value and rule, German and English
    assert ">3<" in text and ">gender<" in text and "<code>x</code>" in text
    assert ">4<" in text and ">birth_year<" in text
    check = Check.objects.get()
    assert not check.ok and check.error_count >= 2
    # the same verdict as `esf-monitor validate` (the intake's own check_file)
    from esf_monitor.intake import check_file, read_registry

    path = dd.root / "broken.csv"
    path.write_bytes(broken_participants())
    verdict = check_file(path, "PRJ-A", "participants", MONTH, read_registry(dd.registry_csv))
    assert (verdict.ok, verdict.error_count, verdict.warning_count) == (
        check.ok,
        check.error_count,
        check.warning_count,
    )
    for fmt in ("csv", "xlsx", "txt"):
        download = client.get(f"/p/PRJ-A/checks/{check.id}/report.{fmt}")
        assert download.status_code == 200
        body = b"".join(download.streaming_content)
        assert body
    assert "gender" in body.decode("utf-8")
    assert AuditEvent.objects.filter(action="download_report", sha256=check.sha256).count() == 3
    assert AuditEvent.objects.filter(action="upload_rejected", sha256=check.sha256).exists()


def test_an_oversized_upload_is_refused_while_streaming(dd, settings, monkeypatch):
    from portal.web import uploads

    client = signed_in("prj-a", provider_id="PRJ-A")
    received = []
    original = uploads.LimitedUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        received.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(uploads.LimitedUploadHandler, "receive_data_chunk", counting)
    settings.MAX_UPLOAD_MB = 0.1  # 100 KiB
    big = good_participants() + b"P-x,PRJ-A,2025-01-01\n" * 20_000  # ~ 440 KB
    response = client.post(
        "/p/PRJ-A/upload/",
        {"extract_type": "participants", "month": MONTH, "file": upload_file(big)},
    )
    assert response.status_code == 413
    assert "zu groß" in response.content.decode() and "too large" in response.content.decode()
    assert received == []  # refused by its Content-Length before a byte was read
    settings.MAX_UPLOAD_MB = 0.37  # the body fits the declared limit + form overhead, the file does not
    response = client.post(
        "/p/PRJ-A/upload/",
        {"extract_type": "participants", "month": MONTH, "file": upload_file(big)},
    )
    assert response.status_code == 413
    assert 0 < sum(received) < len(big)  # stopped while streaming, not after
    assert landing_files(dd) == [] and list((dd.root / "portal" / "uploads").iterdir()) == []
    assert Check.objects.count() == 0


# --------------------------------------------------------------------------- pages


def _version(
    dd: DataDir, provider_id: str, rejected: bool = False, month: str = MONTH
) -> store.VersionRecord:
    src = dd.root / f"{provider_id}-{month}.csv"
    src.write_bytes(good_participants())
    sha = store.sha256_of(src)
    record = store.VersionRecord(
        provider_id,
        "participants",
        month,
        sha,
        f"{month}.csv",
        "2025-07-03T08:00:00Z",
        status="rejected" if rejected else "accepted",
        row_count=4,
        error_count=2 if rejected else 0,
        summary_de="Ergebnis: ABGELEHNT",
        summary_en="Result: REJECTED",
    )
    if rejected:
        copy = store.quarantine_copy(dd, src, provider_id, "participants", month, sha, name=f"{month}.csv")
        copy.with_name(copy.name + ".errors.csv").write_text("severity;row\nerror;3\n", encoding="utf-8")
        record.quarantine_path = str(copy)
    else:
        record.archive_path = str(store.archive_copy(dd, src, provider_id, "participants", month, sha))
    store.append_version(dd, record)
    return record


def test_deliveries_list_every_version_with_its_report(dd):
    _version(dd, "PRJ-A", rejected=True)
    _version(dd, "PRJ-A", month="2025-05")
    client = signed_in("prj-a", provider_id="PRJ-A")
    text = client.get("/p/PRJ-A/deliveries/").content.decode()
    assert "2025-06" in text and "2025-05" in text and "abgelehnt / rejected" in text
    download = client.get(f"/p/PRJ-A/deliveries/participants/{MONTH}/1/errors")
    assert download.status_code == 200 and b"error;3" in b"".join(download.streaming_content)
    assert client.get(f"/p/PRJ-A/deliveries/participants/{MONTH}/1/file").status_code == 200
    assert client.get(f"/p/PRJ-A/deliveries/participants/{MONTH}/2/file").status_code == 404
    assert AuditEvent.objects.filter(action="download_file").exists()
    start = client.get("/p/PRJ-A/").content.decode()
    assert 'data-state="rejected"' in start and 'data-state="accepted"' in start


def test_the_progress_of_a_delivery_from_the_data_folder(dd):
    import time

    from portal.web.state import progress

    src = dd.root / "x.csv"
    src.write_bytes(good_participants())
    sha = store.sha256_of(src)
    assert progress(dd, "PRJ-A", "participants", MONTH, sha).done == ["registered"]
    store.archive_copy(dd, src, "PRJ-A", "participants", MONTH, sha)
    assert progress(dd, "PRJ-A", "participants", MONTH, sha).done == [
        "registered",
        "validated",
    ]
    record = store.VersionRecord(
        "PRJ-A",
        "participants",
        MONTH,
        sha,
        "x.csv",
        "2025-07-01T00:00:00Z",
        processed_at=store.utc_iso(time.time() - 5),
    )
    store.append_version(dd, record)
    assert progress(dd, "PRJ-A", "participants", MONTH, sha).done == [
        "registered",
        "validated",
        "loaded",
    ]
    page = dd.dashboards / "internal" / "overview.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    state = progress(dd, "PRJ-A", "participants", MONTH, sha)
    assert state.done[-1] == "figures" and state.finished


def test_the_result_page_of_an_accepted_file_follows_its_progress(dd):
    client = signed_in("prj-a", provider_id="PRJ-A")
    response = client.post(
        "/p/PRJ-A/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "file": upload_file(good_participants()),
        },
        follow=True,
    )
    text = response.content.decode()
    assert "Angenommen" in text and "Accepted" in text
    assert 'data-stage="registered"' in text and 'http-equiv="refresh"' in text
    assert AuditEvent.objects.filter(action="upload_accepted").exists()


def test_figures_pages_are_sandboxed_and_only_the_own_page(dd):
    own = dd.dashboards / "internal" / "projects" / "PRJ-A.html"
    own.parent.mkdir(parents=True)
    own.write_text("<html><script>1</script>PRJ-A exact</html>")
    (dd.dashboards / "internal" / "projects" / "PRJ-B.html").write_text("<html>PRJ-B</html>")
    public = dd.dashboards / "public" / "sfc.html"
    public.parent.mkdir(parents=True)
    public.write_text("<html>public</html>")
    client = signed_in("prj-a", provider_id="PRJ-A")
    page = client.get("/p/PRJ-A/figures/").content.decode()
    assert "/p/PRJ-A/figures/own.html" in page and "/p/PRJ-A/figures/programme.html" in page
    response = client.get("/p/PRJ-A/figures/own.html")
    assert b"PRJ-A exact" in response.content
    assert response["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"public" in client.get("/p/PRJ-A/figures/programme.html").content


def test_an_analyst_sees_every_provider_and_uploads_on_behalf(dd):
    client = signed_in("analyst", role="analyst")
    text = client.get("/analyst/").content.decode()
    for pid in ("PRJ-A", "PRJ-B", "PRJ-C", "JC-X", "JC-Y"):
        assert f'data-provider="{pid}"' in text
    assert client.get("/p/PRJ-C/").status_code == 200
    client.post(
        "/p/PRJ-C/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "file": upload_file(csv_bytes([dict(r, project_id="PRJ-C") for r in rows("participants")])),
        },
    )
    check = Check.objects.get()
    assert check.on_behalf and check.provider_id == "PRJ-C" and check.username == "analyst"
    assert client.get("/audit/").status_code == 200


def test_the_analysts_figures_link_each_figure_to_its_dagster_asset(dd):
    (dd.exports / "2025-06").mkdir(parents=True)
    (dd.exports / "cutoffs.csv").write_text("cutoff,is_sfc,is_latest\n2025-06,true,true\n")
    (dd.exports / "2025-06" / "indicators.csv").write_text(
        "cutoff,project_id,indicator,gender,numerator,denominator,value\n"
        "2025-06,PRJ-A,participants_cumulative,total,12,,12\n2025-06,PRJ-B,participants_cumulative,total,7,,7\n"
    )
    client = signed_in("analyst", role="analyst")
    text = client.get("/analyst/figures/").content.decode()
    assert text.count('class="asset" href="http://127.0.0.1:9/assets/indicators"') == 2
    assert 'data-project="PRJ-B"' in text


def test_the_admin_manages_accounts_and_reads_the_audit_log(dd):
    admin = signed_in("admin", role="admin")
    assert admin.get("/admin/auth/user/").status_code == 200
    response = admin.post(
        "/admin/auth/user/add/",
        {
            "username": "prj-c",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "account-TOTAL_FORMS": "1",
            "account-INITIAL_FORMS": "0",
            "account-MIN_NUM_FORMS": "0",
            "account-MAX_NUM_FORMS": "1",
            "account-0-role": "provider",
            "account-0-provider_id": "PRJ-C",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="prj-c").account.provider_id == "PRJ-C"
    assert admin.get("/audit/").status_code == 200
    assert admin.get("/p/PRJ-A/").status_code == 404  # the admin sees no data
    provider = signed_in("prj-a", provider_id="PRJ-A")
    assert provider.get("/admin/auth/user/").status_code == 302  # to the admin's sign-in


def test_the_audit_log_is_append_only(dd):
    from django.db import DatabaseError, connection, transaction

    event = AuditEvent.objects.create(username="x", action="sign_in")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    for sql in (
        "UPDATE web_auditevent SET username = 'y'",
        "DELETE FROM web_auditevent",
    ):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.get().username == "x"


def test_demo_accounts_one_per_provider_and_a_password_file_for_the_owner_only(dd):
    from portal.demo import create_demo_accounts

    path, created = create_demo_accounts(dd)
    assert sorted(created) == [
        "admin",
        "analyst",
        "jc-x",
        "jc-y",
        "prj-a",
        "prj-b",
        "prj-c",
    ]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    lines = [line.split("\t") for line in path.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == 7
    username, password = lines[0][:2]
    client = Client()
    assert client.post("/signin/", {"username": username, "password": password}).status_code == 302
    before = path.read_bytes()
    assert create_demo_accounts(dd)[1] == [] and path.read_bytes() == before  # a second run changes nothing


def test_a_municipality_sends_only_process_checklists(data_dir):
    """Provider kinds come from the registries and the intake's rule, nothing portal-specific:
    a municipality of reference/municipalities.csv may send process_checklist and nothing else."""
    from fixtures.process.builders import ANSWERS, WAVE, write_registries, write_table

    dd = DataDir(data_dir).ensure()
    write_registries(dd.reference)
    client = signed_in("kom-a", provider_id="KOM-A")
    page = client.get("/p/KOM-A/upload/").content.decode()
    assert 'value="process_checklist"' in page and 'value="participants"' not in page
    assert "je Erhebungswelle" in client.get("/p/KOM-A/").content.decode()
    answers = write_table(dd.root / "answers.csv", ANSWERS)
    client.post(
        "/p/KOM-A/upload/",
        {
            "extract_type": "process_checklist",
            "month": WAVE,
            "file": upload_file(answers.read_bytes()),
        },
    )
    check = Check.objects.get()
    assert check.ok, check.summary_en
    assert landing_files(dd) == [f"KOM-A/process_checklist/{WAVE}.csv"]
    analyst = signed_in("analyst", role="analyst")
    assert 'data-provider="KOM-A"' in analyst.get("/analyst/").content.decode()


def test_a_municipality_sees_only_its_own_process_page(data_dir):
    """The portal serves dashboards/internal/municipalities/<id>.html to that municipality only
    (404 for another municipality, a project, or the analysts' route), and the public process
    page as the programme's figures; analysts reach every municipality's page."""
    from fixtures.process.builders import write_registries

    dd = DataDir(data_dir).ensure()
    write_registries(dd.reference)
    internal, public = dd.dashboards / "internal", dd.dashboards / "public"
    (internal / "municipalities").mkdir(parents=True)
    for mid in ("KOM-A", "KOM-B"):
        (internal / "municipalities" / f"{mid}.html").write_text(f"<html>{mid} answers</html>")
    (internal / "projects").mkdir()
    (internal / "projects" / "PRJ-A.html").write_text("<html>PRJ-A exact</html>")
    (internal / "process.html").write_text("<html>internal process</html>")
    public.mkdir()
    (public / "process.html").write_text("<html>all municipalities</html>")
    (public / "sfc.html").write_text("<html>sfc public</html>")
    client = signed_in("kom-a", provider_id="KOM-A")
    page = client.get("/p/KOM-A/figures/").content.decode()
    assert "Eigene Antworten zur Checkliste" in page and "own checklist answers" in page
    response = client.get("/p/KOM-A/figures/own.html")
    assert response.content == b"<html>KOM-A answers</html>"
    assert response["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert client.get("/p/KOM-A/figures/programme.html").content == b"<html>all municipalities</html>"
    for url in (
        "/p/KOM-B/figures/own.html",
        "/p/KOM-B/figures/",
        "/p/PRJ-A/figures/own.html",
        "/analyst/dashboards/municipalities/KOM-B.html",
        "/analyst/dashboards/process.html",
    ):
        assert client.get(url).status_code == 404, url
    # a project keeps its project page and the SFC2021 release
    project = signed_in("prj-a", provider_id="PRJ-A")
    assert project.get("/p/PRJ-A/figures/own.html").content == b"<html>PRJ-A exact</html>"
    assert project.get("/p/PRJ-A/figures/programme.html").content == b"<html>sfc public</html>"
    assert project.get("/p/KOM-A/figures/own.html").status_code == 404
    analyst = signed_in("analyst", role="analyst")
    assert (
        analyst.get("/analyst/dashboards/municipalities/KOM-B.html").content == b"<html>KOM-B answers</html>"
    )
    assert analyst.get("/analyst/dashboards/process.html").content == b"<html>internal process</html>"
    assert analyst.get("/analyst/dashboards/municipalities/PRJ-A.html").status_code == 404
    assert analyst.get("/analyst/dashboards/projects/KOM-A.html").status_code == 404
    assert analyst.get("/p/KOM-B/figures/own.html").content == b"<html>KOM-B answers</html>"
    assert "process.html" in analyst.get("/analyst/figures/").content.decode()


def test_an_xlsx_upload_lands_as_xlsx(dd, tmp_path):
    from fixtures.intake.builders import write_xlsx

    path = write_xlsx(tmp_path / "export.xlsx", rows("participants"))
    client = signed_in("prj-a", provider_id="PRJ-A")
    client.post(
        "/p/PRJ-A/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "file": upload_file(path.read_bytes(), "Export Juni.xlsx"),
        },
    )
    assert Check.objects.get().ok
    assert landing_files(dd) == [f"PRJ-A/participants/{MONTH}.xlsx"]
    # a later CSV for the same slot replaces it: the slot never has two candidate files
    client.post(
        "/p/PRJ-A/upload/",
        {
            "extract_type": "participants",
            "month": MONTH,
            "file": upload_file(good_participants()),
        },
    )
    assert landing_files(dd) == [f"PRJ-A/participants/{MONTH}.csv"]


def test_an_invalid_registry_is_a_message_not_a_server_error(dd):
    client = signed_in("prj-a", provider_id="PRJ-A")
    dd.registry_csv.write_text("project_id\nnot valid\n")
    response = client.get("/p/PRJ-A/")
    assert response.status_code == 503
    assert "Projektregister" in response.content.decode() and "registry" in response.content.decode()


def test_admin_changes_are_in_the_audit_log(dd):
    admin = signed_in("admin", role="admin")
    user = account("prj-b", provider_id="PRJ-B")
    response = admin.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": "prj-b",
            "is_active": "",  # deactivated
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
            "account-TOTAL_FORMS": "1",
            "account-INITIAL_FORMS": "1",
            "account-MIN_NUM_FORMS": "0",
            "account-MAX_NUM_FORMS": "1",
            "account-0-id": str(user.account.pk),
            "account-0-user": str(user.pk),
            "account-0-role": "provider",
            "account-0-provider_id": "PRJ-B",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert not user.is_active
    event = AuditEvent.objects.get(action="admin_change")
    assert event.username == "admin" and "prj-b" in event.detail


def test_the_runs_of_a_slot_come_from_dagsters_graphql(settings):
    """The query is valid against Dagster's own GraphQL schema, and an answer is read; no
    webserver = nothing shown (None), never an error."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    import graphql
    from dagster_graphql.schema import create_schema

    from portal.web.dagster_runs import QUERY, slot_runs

    assert graphql.validate(create_schema().graphql_schema, graphql.parse(QUERY)) == []
    assert slot_runs("PRJ-A|participants|2025-06") is None  # 127.0.0.1:9: nobody answers
    asked = []

    class Fake(BaseHTTPRequestHandler):
        def do_POST(self):
            asked.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            body = {
                "data": {
                    "runsOrError": {
                        "__typename": "Runs",
                        "results": [
                            {
                                "runId": "abc123",
                                "status": "STARTED",
                                "jobName": "upload_participants",
                                "creationTime": 1.0,
                                "endTime": None,
                            }
                        ],
                    }
                }
            }
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.DAGSTER_UI_URL = f"http://127.0.0.1:{server.server_port}"
        runs = slot_runs("PRJ-A|participants|2025-06")
    finally:
        server.shutdown()
    assert runs == [
        {
            "run_id": "abc123",
            "job": "upload_participants",
            "status": "STARTED",
            "label": "läuft / running",
            "url": f"{settings.DAGSTER_UI_URL}/runs/abc123",
        }
    ]
    assert asked[0]["variables"]["filter"]["tags"] == [
        {"key": "dagster/partition", "value": "PRJ-A|participants|2025-06"}
    ]


# --------------------------------------------------------------------------- own figures, links, QR


def _indicators_export(dd: DataDir, cutoff: str = "2025-06") -> None:
    (dd.exports / cutoff).mkdir(parents=True, exist_ok=True)
    (dd.exports / "cutoffs.csv").write_text(f"cutoff,is_sfc,is_latest\n{cutoff},true,true\n")
    (dd.exports / cutoff / "indicators.csv").write_text(
        "cutoff,project_id,indicator,gender,numerator,denominator,value\n"
        f"{cutoff},ALL,integration_rate_6m,total,9,20,0.45\n"
        f"{cutoff},PRJ-A,participants_cumulative,total,12,,12\n"
        f"{cutoff},PRJ-A,integration_rate_6m,f,1,3,0.333333333333\n"
        f"{cutoff},PRJ-A,integration_rate_6m,total,3,4,0.75\n"
        f"{cutoff},PRJ-A,followup_coverage,total,4,4,1\n"
        f"{cutoff},PRJ-B,integration_rate_6m,total,0,0,\n"
        f"{cutoff},PRJ-B,followup_coverage,total,0,0,\n"
        f"{cutoff},PRJ-C,integration_rate_6m,total,6,16,0.375\n"
        f"{cutoff},PRJ-C,followup_coverage,total,10,16,0.625\n"
    )


def _followup_rows(text: str) -> list[tuple[str, ...]]:
    import re

    return re.findall(
        r'<tr data-project="([^"]*)" data-indicator="([^"]*)" data-gender="([^"]*)" '
        r'data-numerator="([^"]*)" data-denominator="([^"]*)" data-value="([^"]*)"',
        text,
    )


def test_a_jobcenter_sees_the_followup_figures_of_its_own_projects_exactly(dd):
    """JC-X sends the follow-up of PRJ-A and PRJ-B (registry): its page shows their 6-month
    figures exactly as exports/<cut-off>/indicators.csv holds them — nothing of PRJ-C (JC-Y's),
    no programme total, no other indicator."""
    _indicators_export(dd)
    client = signed_in("jc-x", provider_id="JC-X")
    text = client.get("/p/JC-X/figures/").content.decode()
    assert _followup_rows(text) == [
        ("PRJ-A", "integration_rate_6m", "f", "1", "3", "0.333333333333"),
        ("PRJ-A", "integration_rate_6m", "total", "3", "4", "0.75"),
        ("PRJ-A", "followup_coverage", "total", "4", "4", "1"),
        ("PRJ-B", "integration_rate_6m", "total", "0", "0", ""),
        ("PRJ-B", "followup_coverage", "total", "0", "0", ""),
    ]
    assert "33,3 %" in text and "75,0 %" in text and "100,0 %" in text
    assert "Integrationsquote nach 6 Monaten" in text and "integration rate after 6 months" in text
    for other in ("PRJ-C", "Weiterbildung Lüneburg", "JC-Y", "ALL", "participants_cumulative", "0.45"):
        assert other not in text, other
    assert AuditEvent.objects.filter(action="view_figures", username="jc-x", provider_id="JC-X").exists()
    assert client.get("/p/JC-X/figures/?cutoff=2024-12").status_code == 404  # no such cut-off
    for url in ("/p/JC-Y/figures/", "/p/PRJ-A/", "/p/PRJ-A/figures/", "/p/PRJ-A/figures/own.html"):
        assert client.get(url).status_code == 404, url  # not even its own projects' pages
    other = signed_in("jc-y", provider_id="JC-Y")
    assert [r[0] for r in _followup_rows(other.get("/p/JC-Y/figures/").content.decode())] == [
        "PRJ-C",
        "PRJ-C",
    ]
    analyst = signed_in("analyst", role="analyst")
    seen = analyst.get("/p/JC-X/figures/").content.decode()
    assert _followup_rows(seen) == _followup_rows(text)
    assert 'class="asset" href="http://127.0.0.1:9/assets/indicators"' in seen  # the figures' asset
    # a project's figures page is its dashboard page, not this table
    assert (
        _followup_rows(signed_in("prj-a", provider_id="PRJ-A").get("/p/PRJ-A/figures/").content.decode())
        == []
    )


def _dashboard_links(content: bytes) -> list[str]:
    """The targets of the page's links outside its scripts."""
    import html
    import re

    text = re.sub(r"(?is)<script\b.*?</script>", "", content.decode())
    return [html.unescape(h) for h in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', text)]


@pytest.fixture
def built_dashboards(dd) -> DataDir:
    """The pipeline's own pages (esf_monitor.dashboard) for the test registry: their links are
    the ones the portal must rewrite."""
    from django.conf import settings

    from esf_monitor.dashboard import build_dashboards
    from esf_monitor.intake import read_registry

    registry = read_registry(dd.registry_csv)
    # the pipeline and the portal read the same ESF_DAGSTER_UI_URL
    build_dashboards(dd.exports, registry, dd.dashboards / "internal", dagster_url=settings.DAGSTER_UI_URL)
    build_dashboards(dd.exports / "public", registry, dd.dashboards / "public", public=True)
    return dd


def test_links_inside_an_embedded_dashboard_work_for_the_account_or_are_removed(built_dashboards):
    dd = built_dashboards
    written = _dashboard_links((dd.dashboards / "internal" / "projects" / "PRJ-A.html").read_bytes())
    assert "../overview.html" in written  # the file links within its folder (404 inside the portal)
    assert "projects/PRJ-B.html" in _dashboard_links((dd.dashboards / "internal" / "index.html").read_bytes())

    assert any(h.startswith("data:text/csv;") for h in written)  # each table's CSV

    # a provider: nothing but links within the page itself and its tables' CSV downloads; no other
    # page, least of all another provider's, no Dagster, no dbt docs
    client = signed_in("prj-a", provider_id="PRJ-A")
    for url in ("/p/PRJ-A/figures/own.html", "/p/PRJ-A/figures/programme.html"):
        response = client.get(url)
        assert response.status_code == 200
        links = _dashboard_links(response.content)
        assert all(h.startswith(("#", "data:text/csv;")) for h in links), url
        assert url.endswith("programme.html") or any(h.startswith("data:text/csv;") for h in links), url
        assert response["Content-Security-Policy"].startswith("sandbox allow-scripts allow-downloads;")
    assert 'sandbox="allow-scripts allow-downloads"' in client.get("/p/PRJ-A/figures/").content.decode()

    # an analyst: every link leads to the portal page serving it, and that page answers
    analyst = signed_in("analyst", role="analyst")
    reached = set()
    for url in (
        "/p/PRJ-A/figures/own.html",
        "/analyst/dashboards/index.html",
        "/analyst/dashboards/overview.html",
        "/analyst/dashboards/projects/PRJ-B.html",
    ):
        response = analyst.get(url)
        assert response["Content-Security-Policy"].startswith(
            "sandbox allow-scripts allow-downloads allow-top-navigation-by-user-activation;"
        )
        links = [
            h.split("#")[0]
            for h in _dashboard_links(response.content)
            if not h.startswith(("#", "data:text/csv;"))
        ]
        assert links, url
        for link in links:
            assert link.startswith("/analyst/dashboards/"), link
            reached.add(link)
    assert {
        "/analyst/dashboards/index.html",
        "/analyst/dashboards/overview.html",
        "/analyst/dashboards/sfc.html",
        "/analyst/dashboards/projects/PRJ-A.html",
        "/analyst/dashboards/projects/PRJ-B.html",
        "/analyst/dashboards/projects/PRJ-C.html",
    } <= reached
    for link in reached:
        assert analyst.get(link).status_code == 200, link
    page = analyst.get("/p/PRJ-A/figures/").content.decode()
    assert 'sandbox="allow-scripts allow-downloads allow-top-navigation-by-user-activation"' in page
    # a provider following such a link by hand gets 404 (tested for every analyst URL above too)
    assert client.get("/analyst/dashboards/projects/PRJ-B.html").status_code == 404


def test_inside_a_frame_analysts_keep_the_dagster_links_and_nobody_the_dbt_docs(dd):
    """An internal page links each figure to its Dagster asset and its dbt docs page (built with
    ESF_DAGSTER_UI_URL, the setting the portal reads too). In the portal an analyst keeps the
    Dagster links (opened in the whole window); a provider keeps none; the dbt docs, a file
    beside dashboards/ that the portal does not serve, are removed for everybody, and so is a
    link to any other address."""
    own = dd.dashboards / "internal" / "projects" / "PRJ-A.html"
    own.parent.mkdir(parents=True)
    own.write_text(
        '<p><a href="http://127.0.0.1:9/assets/indicators">Dagster: indicators</a>'
        '<a href="../../docs/dbt/static_index.html#!/model/model.esf_monitor.indicators">dbt</a>'
        '<a href="http://127.0.0.1:3000/assets/indicators">elsewhere</a>'
        '<a href="http://127.0.0.1:9/runs/abc">run</a></p>'
    )
    seen = signed_in("analyst", role="analyst").get("/p/PRJ-A/figures/own.html").content.decode()
    assert seen == (
        '<p><a href="http://127.0.0.1:9/assets/indicators" target="_top">Dagster: indicators</a></p>'
    )
    provider = signed_in("prj-a", provider_id="PRJ-A").get("/p/PRJ-A/figures/own.html").content.decode()
    assert provider == "<p></p>"


def test_rewriting_keeps_scripts_and_in_page_links_and_drops_what_leaves_the_folder():
    from portal.web.dashboards import resolve, rewrite_links

    page = "internal/projects/PRJ-A.html"
    assert resolve(page, "../overview.html#cutoff-2025-06") == "internal/overview.html"
    assert resolve(page, "PRJ-B.html") == "internal/projects/PRJ-B.html"
    for outside in ("../../../etc/passwd", "/p/PRJ-B/", "https://example.org/", "javascript:alert(1)"):
        assert resolve(page, outside) is None, outside
    content = (
        '<nav><a href="../index.html">Start</a><a href="../sfc.html#t6">SFC</a></nav>'
        '<a href="#cutoff-2025-06">Stichtag</a><a href="https://example.org/">x</a>'
        "<script>var s = '<a href=\"../index.html\">keep</a>';</script>"
    )
    seen = []

    def url(dest):
        seen.append(dest)
        return "/analyst/dashboards/sfc.html" if dest == "internal/sfc.html" else None

    out = rewrite_links(content, page, url)
    assert out == (
        '<nav><a href="/analyst/dashboards/sfc.html#t6" target="_top">SFC</a></nav>'
        '<a href="#cutoff-2025-06">Stichtag</a>'
        "<script>var s = '<a href=\"../index.html\">keep</a>';</script>"
    )
    assert seen == ["internal/index.html", "internal/sfc.html"]

    # a table's CSV download stays (the table itself, inside the page); a data: URL as a link does not
    csv = '<a class="csv" download="t1.csv" href="data:text/csv;charset=utf-8;base64,YQ==">CSV</a>'
    assert rewrite_links(csv, page, url) == csv
    assert rewrite_links('<a href="data:text/csv;base64,YQ==">x</a>', page, url) == ""
    assert rewrite_links('<a data-download="x" href="data:text/csv;base64,YQ==">x</a>', page, url) == ""
    # what leaves the folder asks `external`: kept as it answers, in the whole window
    dagster = '<a href="http://127.0.0.1:3000/assets/indicators">Dagster</a>'
    assert rewrite_links(dagster, page, url) == ""
    kept = rewrite_links(dagster, page, url, external=lambda href: href if "/assets/" in href else None)
    assert kept == '<a href="http://127.0.0.1:3000/assets/indicators" target="_top">Dagster</a>'


def _qr_svg(text: str) -> str:
    """The inline SVG QR code of a page (no script, no inline style: the CSP allows neither)."""
    import re

    svg = re.search(r'<figure class="qr" id="totp-qr">\s*(<svg\b.*?</svg>)\s*</figure>', text, re.S).group(1)
    assert "style=" not in svg and "<script" not in svg
    return svg


def _decoded_qr(svg: str) -> str:
    """What a QR reader reads from ``svg`` (vl-convert renders it, zxing-cpp decodes it)."""
    import vl_convert
    import zxingcpp
    from PIL import Image

    # inline in HTML an <svg> is in the SVG namespace by the parser; as a file it must say so
    standalone = svg if "xmlns=" in svg else svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    found = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(vl_convert.svg_to_png(standalone, scale=2))).convert("L")
    )
    assert [b.format for b in found] == [zxingcpp.BarcodeFormat.QRCode]
    return found[0].text


def test_the_second_factor_setup_shows_the_devices_uri_as_a_qr_code(dd):
    """The setup page holds an inline SVG QR code (no image request, no script) that decodes to
    exactly the device's otpauth:// URI, and the URI as text beside it."""
    import html
    import re

    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = signed_in("prj-a", provider_id="PRJ-A")
    response = client.get("/account/second-factor/")
    text = response.content.decode()
    device = TOTPDevice.objects.get(user__username="prj-a", confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")
    svg = _qr_svg(text)
    assert _decoded_qr(svg) == device.config_url
    shown = re.search(r'<code class="wrap" id="totp-uri">([^<]*)</code>', text).group(1)
    assert html.unescape(shown) == device.config_url
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    # the same device (and QR code) on the next visit, until it is confirmed
    assert client.get("/account/second-factor/").content.decode().count(svg) == 1


def test_it_sets_up_a_second_factor_in_the_admin_with_a_qr_code_in_the_page(dd):
    """IT adds a TOTP device for an account in the admin; the device's QR code page is German
    with English beside and holds the code inline (no image request, no script), decoding to the
    device's otpauth:// URI, with the key to type in."""
    import base64
    import re

    from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

    user = account("prj-a", provider_id="PRJ-A")
    admin = signed_in("admin", role="admin")
    response = admin.post(
        "/admin/otp_totp/totpdevice/add/",
        {
            "user": user.pk,
            "name": "Telefon",
            "confirmed": "on",
            "key": default_key(),
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "throttling_failure_count": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    device = TOTPDevice.objects.get(user=user)
    response = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Zweiter Faktor für „prj-a“" in text and "second factor for “prj-a”" in text
    assert _decoded_qr(_qr_svg(text)) == device.config_url
    key = re.search(r'<code class="key" id="totp-key">([A-Z2-7=]+)</code>', text).group(1)
    assert base64.b32decode(key) == device.bin_key
    assert "<img" not in text and "qrcode.js" not in text
    # a provider, or anybody not signed in, reaches no device page
    assert (
        signed_in("prj-b", provider_id="PRJ-B")
        .get(f"/admin/otp_totp/totpdevice/{device.pk}/config/")
        .status_code
        == 302
    )
    assert AuditEvent.objects.filter(username="admin", action__startswith="admin").exists()


def test_make_portal_and_esf_monitor_portal_serve_127_0_0_1_8000_and_make_demo_makes_accounts(monkeypatch):
    """`esf-monitor portal` without options serves on 127.0.0.1:8000 with the local settings;
    `make portal` is that command, `make demo` ends with the demo accounts."""
    from typer.testing import CliRunner

    import portal.serve
    from orchestration.cli import app

    served = []
    monkeypatch.setattr(portal.serve, "main", lambda *args: served.append(args) or 0)
    result = CliRunner().invoke(app, ["portal"])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 8000, False)]
    assert CliRunner().invoke(app, ["portal", "--production"]).exit_code == 0
    assert served[-1] == ("127.0.0.1", 8000, True)

    def recipe(target: str) -> str:  # what make would run (-n: print only; the venv is up to date)
        done = subprocess.run(
            ["make", "--no-print-directory", "-n", target],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    assert recipe("portal").strip().endswith(".venv/bin/esf-monitor portal")
    assert ".venv/bin/python -m portal demo-accounts" in recipe("demo")
