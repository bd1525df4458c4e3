"""The portal in a real browser (Debian's headless chromium through playwright), with the real
pipeline behind it.

A copy of the session's small generated data folder, processed once (``esf-monitor run``'s
code; tests/integration/conftest.py, shared with the dashboards' browser test), gets its demo
accounts (``python -m portal demo-accounts``, as ``make demo`` does), and the portal
runs as ``esf-monitor portal`` over it. Then a project's clerk — on a phone-sized screen —
uploads a broken file and reads its errors, uploads the corrected file and watches its delivery
reach "figures updated" while ``esf-monitor run`` processes it, follows the links inside its
figures' frames (its page's CSV downloads, nothing else) and opens another project's page by URL
(404); the analyst sees every project and follows a frame's link into the whole window; a
jobcenter sees its start page and the follow-up figures of its projects; the managing
authority's IT signs in to the admin, sets up its second factor there and is asked for the code.
Every page is checked at a phone's width (390 px): nothing wider than the screen.

Screenshots of each page: ``<data folder>/portal/screenshots/*.png`` (``ESF_SCREENSHOT_DIR`` to
keep them elsewhere); ``docs/portal-check.png`` in the repo is the result page from this test.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_harness import processed_copy

from esf_monitor.dashboard.browser import CHROMIUM, open_browser

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROJECT, OTHER = "AEN-WUP", "SIB-K"
#: the jobcenter of several projects in the generator's registry (Hamburg)
JOBCENTER, OTHER_JOBCENTER = "JC-HH", "JC-WUP"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: where the pipeline's internal pages and the portal point the Dagster links (one setting)
DAGSTER = os.environ.get("ESF_DAGSTER_UI_URL", "http://127.0.0.1:3000").rstrip("/")
#: the pipeline's one run for the corrected file and the page's refreshes, on a loaded 2-core machine
FIGURES_TIMEOUT_MS = 600_000


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        ESF_DATA_DIR=str(root),
        DAGSTER_HOME=str(root / "dagster_home"),
        ESF_SETTLE_SECONDS="0",
    )
    return env


@pytest.fixture(scope="module")
def published(tmp_path_factory, demo_processed) -> Path:
    """A copy of the session's processed demo folder (tests/integration/conftest.py): the
    portal writes its accounts, uploads and audit log into it."""
    root = processed_copy(demo_processed, tmp_path_factory.mktemp("portal") / "data")
    done = subprocess.run(
        [str(BIN / "python"), "-m", "portal", "demo-accounts"],
        env=_env(root),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "demo-passwords.txt" in done.stdout
    return root


@pytest.fixture(scope="module")
def passwords(published) -> dict[str, str]:
    path = published / "portal" / "demo-passwords.txt"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    return {
        line.split("\t")[0]: line.split("\t")[1]
        for line in path.read_text().splitlines()
        if line and not line.startswith("#")
    }


@pytest.fixture(scope="module")
def portal_url(published):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [str(BIN / "esf-monitor"), "portal", "--port", str(port)],
        env=_env(published),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in proc.stdout:  # waits for waitress's own "Serving on" line: listening from then on
        lines.append(line)
        if "Serving on" in line:
            break
    else:
        raise AssertionError("portal did not start:\n" + "".join(lines))
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} missing: `make test-deps` installs Debian's chromium"
    pw = sync_playwright().start()
    chromium = open_browser(pw)
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture(scope="module")
def shots(published) -> Path:
    folder = Path(os.environ.get("ESF_SCREENSHOT_DIR") or published / "portal" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


def sign_in(browser, url: str, username: str, password: str, viewport=None):
    context = browser.new_context(viewport=viewport or DESKTOP, locale="de-DE")
    page = context.new_page()
    page.goto(f"{url}/signin/")
    _submit_password(page, username, password)
    return page


def _submit_password(page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#signin button[type=submit]")
    page.wait_for_load_state()


def fits_the_screen(page) -> bool:
    """Nothing wider than the screen: on a phone the page scrolls down, never sideways (wide
    tables scroll inside their own box). The scrolling element's width is what the reader can
    scroll to, whatever element made it wider."""
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def fits_a_phone(page) -> bool:
    """The page as it is, laid out at a phone's width (then back to the page's own size)."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        return fits_the_screen(page)
    finally:
        page.set_viewport_size(size)


def frame_links(frame) -> list[tuple[str, str | None]]:
    """(href, target) of every link of a frame's page."""
    return frame.locator("a[href]").evaluate_all(
        "links => links.map(a => [a.getAttribute('href'), a.getAttribute('target')])"
    )


def _latest_month(root: Path) -> str:
    return max(p.stem for p in (root / "landing" / PROJECT / "participants").glob("*.csv"))


def _broken(corrected: bytes) -> bytes:
    """The corrected file with one invalid code: gender 'x' in Excel row 3."""
    text = corrected.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;")
    table = list(csv.reader(io.StringIO(text), dialect))
    table[2][[h.lower() for h in table[0]].index("gender")] = "x"
    out = io.StringIO()
    csv.writer(out, dialect).writerows(table)
    return out.getvalue().encode("utf-8")


def _upload(page, url: str, month: str, path: Path) -> None:
    page.goto(f"{url}/p/{PROJECT}/upload/")
    page.select_option("#id_extract_type", "participants")
    page.fill("#id_month", month)
    page.set_input_files("#id_file", str(path))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#verdict")


def test_a_project_uploads_a_broken_then_the_corrected_file_and_sees_its_figures_updated(
    published, passwords, portal_url, browser, shots, tmp_path
):
    first = browser.new_context(viewport=PHONE, locale="de-DE").new_page()
    first.goto(f"{portal_url}/signin/")
    assert "Anmelden" in first.inner_text("h1") and "sign in" in first.inner_text("h1")
    assert fits_the_screen(first)
    first.screenshot(path=shots / "00-signin.png", full_page=True)
    page = sign_in(browser, portal_url, PROJECT.lower(), passwords[PROJECT.lower()], viewport=PHONE)
    assert page.url == f"{portal_url}/p/{PROJECT}/"
    assert fits_the_screen(page)
    page.screenshot(path=shots / "01-start.png", full_page=True)
    assert page.locator("#months td").count() > 0

    month = _latest_month(published)
    landing = published / "landing" / PROJECT / "participants" / f"{month}.csv"
    before = hashlib.sha256(landing.read_bytes()).hexdigest()
    corrected = published / "landing_corrections" / PROJECT / "participants" / f"{month}.csv"
    broken = tmp_path / f"{month}.csv"
    broken.write_bytes(_broken(corrected.read_bytes()))

    page.goto(f"{portal_url}/p/{PROJECT}/upload/")
    assert fits_the_screen(page)
    page.screenshot(path=shots / "02-upload.png", full_page=True)
    _upload(page, portal_url, month, broken)
    assert "Abgelehnt" in page.inner_text("#verdict") and "Rejected" in page.inner_text("#verdict")
    row = page.locator("#findings tbody tr", has_text="gender").first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[1:5] == ["3", "gender", "x", "code_list"], cells
    german, english = cells[5].split("\n", 1)  # German first, English beside
    assert "Wert 'x' ist nicht erlaubt" in german and "'x'" in english and "not" in english
    assert fits_the_screen(page)
    page.screenshot(path=shots / "03-result-rejected.png", full_page=True)
    assert hashlib.sha256(landing.read_bytes()).hexdigest() == before  # never written to landing/

    _upload(page, portal_url, month, corrected)
    assert "Angenommen" in page.inner_text("#verdict")
    assert (
        hashlib.sha256(landing.read_bytes()).hexdigest() == hashlib.sha256(corrected.read_bytes()).hexdigest()
    )
    assert fits_the_screen(page)
    page.screenshot(path=shots / "04-result-accepted.png", full_page=True)

    # the pipeline, through the project's own entry (no re-implementation, no sleeping)
    run = subprocess.Popen(
        [str(BIN / "esf-monitor"), "run"],
        env=_env(published),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page.wait_for_selector("#figures-updated", timeout=FIGURES_TIMEOUT_MS)  # the page refreshes itself
    finally:
        output, _ = run.communicate(timeout=FIGURES_TIMEOUT_MS / 1000)
    assert run.returncode == 0, output
    stages = page.locator("ol.stages li.done").all_inner_texts()
    assert len(stages) == 4 and "figures updated" in stages[-1]
    assert fits_the_screen(page)
    page.screenshot(path=shots / "05-progress-figures-updated.png", full_page=True)

    page.goto(f"{portal_url}/p/{PROJECT}/deliveries/")
    slot = page.locator(f"#slot-participants-{month}")
    assert slot.locator("tbody tr").count() >= 2  # the first version and the correction
    assert fits_the_screen(page)
    page.screenshot(path=shots / "06-deliveries.png", full_page=True)
    page.goto(f"{portal_url}/p/{PROJECT}/figures/")
    page.frame_locator("iframe >> nth=0").locator("[data-value]").first.wait_for()
    page.frame_locator("iframe >> nth=1").locator("[data-value]").first.wait_for()
    # a full-page shot leaves the (sandboxed, out-of-process) frames blank: each frame on its own
    for n, name in enumerate(("07a-figures-own.png", "07b-figures-programme.png")):
        frame = page.locator("iframe").nth(n)
        frame.scroll_into_view_if_needed()
        frame.screenshot(path=shots / name)
    assert fits_the_screen(page)
    page.screenshot(path=shots / "07-figures.png", full_page=True)

    # inside the frames a project keeps its tables' CSV downloads and links within the page; every
    # link to another page (the overview, the index: everybody's figures) is gone
    own = page.frame_locator("iframe >> nth=0")
    for frame in (own, page.frame_locator("iframe >> nth=1")):
        links = frame_links(frame)
        assert links and all(href.startswith(("#", "data:text/csv;")) for href, _ in links), links
    csv_link = own.locator("a.csv >> visible=true").first
    with page.expect_download() as download:
        csv_link.click()
    href = csv_link.get_attribute("href")
    assert download.value.suggested_filename == csv_link.get_attribute("download")
    assert Path(download.value.path()).read_bytes() == base64.b64decode(href.split("base64,", 1)[1])
    assert page.url == f"{portal_url}/p/{PROJECT}/figures/"  # the download left the page where it was

    response = page.goto(f"{portal_url}/p/{OTHER}/deliveries/")
    assert response.status == 404 and "Nicht gefunden" in page.content()
    assert fits_the_screen(page)
    page.screenshot(path=shots / "08-other-project-404.png", full_page=True)


def test_the_analyst_sees_every_project(published, passwords, portal_url, browser, shots):
    import polars as pl

    from esf_monitor.intake import read_registry

    registry = read_registry(published / "reference" / "projects.csv")
    page = sign_in(browser, portal_url, "analyst", passwords["analyst"])
    assert page.url == f"{portal_url}/analyst/"
    shown = set(page.locator("#providers tbody tr").evaluate_all("rows => rows.map(r => r.dataset.provider)"))
    assert set(registry["project_id"]) | set(registry["jobcenter_id"]) <= shown
    assert fits_a_phone(page)
    page.screenshot(path=shots / "09-analyst.png", full_page=True)
    response = page.goto(f"{portal_url}/p/{OTHER}/deliveries/")
    assert response.status == 200
    assert fits_a_phone(page)

    # a project's figures as the analyst sees them: the frame's links lead to the portal's
    # internal pages (in the whole window: the sandboxed frame has no cookies) and to Dagster
    page.goto(f"{portal_url}/p/{PROJECT}/figures/")
    own = page.frame_locator("iframe >> nth=0")
    own.locator("[data-value]").first.wait_for()
    links = [(h, t) for h, t in frame_links(own) if not h.startswith(("#", "data:text/csv;"))]
    assert links and all(t == "_top" for _, t in links), links
    assert all(h.startswith(("/analyst/dashboards/", f"{DAGSTER}/assets/")) for h, _ in links), links
    assert f"{DAGSTER}/assets/indicators" in {h for h, _ in links}
    assert fits_a_phone(page)
    own.locator('nav a[href="/analyst/dashboards/overview.html"]').click()
    page.wait_for_url(f"{portal_url}/analyst/dashboards/overview.html")
    page.locator("[data-value]").first.wait_for()
    assert "intern" in page.inner_text("body")
    assert fits_a_phone(page)
    page.locator('nav a[href="/analyst/dashboards/index.html"]').click()  # and on from there
    page.wait_for_url(f"{portal_url}/analyst/dashboards/index.html")
    page.locator(f'a[href="/analyst/dashboards/projects/{OTHER}.html"]').first.click()
    page.wait_for_url(f"{portal_url}/analyst/dashboards/projects/{OTHER}.html")
    assert fits_a_phone(page)

    page.goto(f"{portal_url}/analyst/figures/")
    links = page.locator("#figures a.asset")
    assert links.count() > 0 and links.first.get_attribute("href").endswith("/assets/indicators")
    projects = set(
        pl.Series(
            page.locator("#figures tbody tr").evaluate_all("rows => rows.map(r => r.dataset.project)")
        ).to_list()
    )
    assert set(registry["project_id"]) <= projects
    assert fits_a_phone(page)
    page.screenshot(path=shots / "10-analyst-figures.png", full_page=True)
    page.goto(f"{portal_url}/audit/")
    actions = page.locator("#audit tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert {"sign_in", "upload_rejected", "upload_accepted"} <= set(actions)
    assert fits_a_phone(page)
    page.screenshot(path=shots / "11-audit.png", full_page=True)
    page.goto(f"{portal_url}/account/second-factor/")
    assert page.locator("code.key").inner_text().strip()  # the TOTP key to type in
    assert fits_a_phone(page)
    page.screenshot(path=shots / "12-second-factor.png", full_page=True)


def test_a_jobcenter_sees_its_start_page_and_the_followup_figures_of_its_projects(
    published, passwords, portal_url, browser, shots
):
    import polars as pl

    from esf_monitor.intake import read_registry

    registry = read_registry(published / "reference" / "projects.csv")
    projects = set(registry.filter(pl.col("jobcenter_id") == JOBCENTER)["project_id"])
    assert len(projects) > 1
    page = sign_in(browser, portal_url, JOBCENTER.lower(), passwords[JOBCENTER.lower()], viewport=PHONE)
    assert page.url == f"{portal_url}/p/{JOBCENTER}/"
    heads = page.locator("#months thead th").all_inner_texts()
    assert any("Verbleib nach 6 Monaten / follow-up after 6 months" in h for h in heads), heads  # its types
    assert page.locator("#months td").count() > 0
    assert fits_the_screen(page)
    page.screenshot(path=shots / "13-jobcenter-start.png", full_page=True)

    page.goto(f"{portal_url}/p/{JOBCENTER}/figures/")
    cutoff = page.locator("#cutoff").input_value()
    exported = (
        pl.read_csv(published / "exports" / cutoff / "indicators.csv", infer_schema_length=0)
        .filter(
            pl.col("project_id").is_in(list(projects))
            & pl.col("indicator").is_in(["integration_rate_6m", "followup_coverage"])
        )
        .select("project_id", "indicator", "gender", "numerator", "denominator", "value")
        .fill_null("")
    )
    shown = page.locator("#followup tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.project, r.dataset.indicator, r.dataset.gender,"
        " r.dataset.numerator, r.dataset.denominator, r.dataset.value])"
    )
    assert sorted(map(tuple, shown)) == sorted(exported.iter_rows()) and shown
    assert {r[0] for r in shown} <= projects  # nothing of another jobcenter's projects
    page.frame_locator("iframe").locator("[data-value]").first.wait_for()  # the programme's release
    assert fits_the_screen(page)  # the follow-up table stays in its box (.frames > * min-width 0)
    page.screenshot(path=shots / "14-jobcenter-figures.png", full_page=True)
    page.locator("iframe").scroll_into_view_if_needed()
    page.locator("iframe").screenshot(path=shots / "14b-jobcenter-figures-programme.png")
    for url in (f"/p/{OTHER_JOBCENTER}/figures/", f"/p/{sorted(projects)[0]}/"):
        assert page.goto(f"{portal_url}{url}").status == 404, url


def test_it_signs_in_to_the_admin_sets_up_its_second_factor_and_is_then_asked_for_the_code(
    published, passwords, portal_url, browser, shots
):
    """The managing authority's IT: the admin's sign-in is the portal's; a TOTP device added in
    the admin shows its QR code; once it is confirmed the admin is reached only after the code —
    in this session at once, and at every sign-in after it."""
    from django_otp.oath import totp

    page = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    page.goto(f"{portal_url}/admin/")
    assert page.url == f"{portal_url}/signin/?next=%2Fadmin%2F"  # one sign-in, one lockout
    assert fits_a_phone(page)
    page.screenshot(path=shots / "15-admin-signin.png", full_page=True)
    _submit_password(page, "admin", passwords["admin"])
    assert page.url == f"{portal_url}/admin/"
    assert fits_a_phone(page)
    page.screenshot(path=shots / "16-admin.png", full_page=True)

    page.goto(f"{portal_url}/admin/auth/user/?q=admin")
    change = page.locator("#result_list a", has_text=re.compile(r"^admin$")).get_attribute("href")
    user_pk = re.match(r"/admin/auth/user/(\d+)/change/", change).group(1)
    assert fits_a_phone(page)
    page.goto(f"{portal_url}/admin/otp_totp/totpdevice/add/")
    page.fill("#id_user", user_pk)
    page.fill("#id_name", "Telefon IT")
    page.uncheck("#id_confirmed")  # django-otp's default is confirmed: not before it is scanned
    assert fits_a_phone(page)
    page.click("input[name=_continue]")  # saved unconfirmed: the device's page with its QR link
    device_page = page.url
    page.get_by_role("link", name="qrcode", exact=True).click()
    page.wait_for_url(re.compile(r".*/admin/otp_totp/totpdevice/\d+/config/$"))
    assert "Zweiter Faktor für „admin“" in page.inner_text("h1")
    assert page.locator("#totp-qr svg").is_visible()
    uri = page.inner_text("#totp-uri")
    key = base64.b32decode(page.inner_text("#totp-key"))  # what the app takes from the QR code
    assert uri.startswith("otpauth://totp/") and f"secret={page.inner_text('#totp-key').rstrip('=')}" in uri
    assert fits_a_phone(page)
    page.screenshot(path=shots / "17-admin-device-qr.png", full_page=True)

    page.goto(device_page)  # scanned: confirm the device
    page.check("#id_confirmed")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/signin/code/\?next=.*"))  # this session too needs the code now
    assert fits_a_phone(page)
    page.screenshot(path=shots / "18-admin-code.png", full_page=True)
    page.fill("#id_token", f"{totp(key):06d}")  # what the app shows now
    page.click("main button[type=submit]")
    page.wait_for_url(f"{portal_url}/admin/otp_totp/totpdevice/")
    assert "Telefon IT" in page.inner_text("#result_list")

    page.click("#logout-form button")
    page.goto(f"{portal_url}/admin/")
    _submit_password(page, "admin", passwords["admin"])
    assert page.url == f"{portal_url}/signin/code/?next=%2Fadmin%2F"  # the password alone is not enough
    assert page.goto(f"{portal_url}/admin/auth/user/").url.startswith(f"{portal_url}/signin/code/")
    page.fill("#id_token", f"{totp(key, drift=1):06d}")  # the app's next code: each code counts once
    page.click("main button[type=submit]")
    page.wait_for_url(f"{portal_url}/admin/auth/user/")
    page.goto(f"{portal_url}/audit/")
    actions = page.locator("#audit tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert {"admin_add", "admin_change", "second_factor_ok"} <= set(actions)
