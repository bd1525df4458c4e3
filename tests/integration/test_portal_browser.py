"""The portal in a real browser (Debian's headless chromium through playwright), with the real
pipeline behind it.

A copy of the session's small generated data folder, processed once (``esf-monitor run``'s
code; tests/integration/conftest.py, shared with the dashboards' browser test), gets its demo
accounts (``python -m portal demo-accounts``, as ``make demo`` does), and the portal
runs as ``esf-monitor portal`` over it. Then a project's clerk — on a phone-sized screen —
uploads a broken file and reads its errors, uploads the corrected file and watches its delivery
reach "figures updated" while ``esf-monitor run`` processes it, and opens another project's
page by URL (404); the analyst sees every project.

Screenshots of each page: ``<data folder>/portal/screenshots/*.png`` (``ESF_SCREENSHOT_DIR`` to
keep them elsewhere); ``docs/portal-check.png`` in the repo is the result page from this test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
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
PHONE = {"width": 390, "height": 844}
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
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{url}/signin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#signin button[type=submit]")
    page.wait_for_load_state()
    return page


def fits_the_screen(page) -> bool:
    """Nothing wider than the screen: on a phone the page scrolls down, never sideways (wide
    tables scroll inside their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


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
    programme = page.locator("iframe").nth(1)  # full-page shots leave a frame below the fold blank
    programme.scroll_into_view_if_needed()
    programme.screenshot(path=shots / "07b-figures-programme.png")
    assert fits_the_screen(page)
    page.screenshot(path=shots / "07-figures.png", full_page=True)

    response = page.goto(f"{portal_url}/p/{OTHER}/deliveries/")
    assert response.status == 404 and "Nicht gefunden" in page.content()
    page.screenshot(path=shots / "08-other-project-404.png", full_page=True)


def test_the_analyst_sees_every_project(published, passwords, portal_url, browser, shots):
    import polars as pl

    from esf_monitor.intake import read_registry

    registry = read_registry(published / "reference" / "projects.csv")
    page = sign_in(browser, portal_url, "analyst", passwords["analyst"])
    assert page.url == f"{portal_url}/analyst/"
    shown = set(page.locator("#providers tbody tr").evaluate_all("rows => rows.map(r => r.dataset.provider)"))
    assert set(registry["project_id"]) | set(registry["jobcenter_id"]) <= shown
    page.screenshot(path=shots / "09-analyst.png", full_page=True)
    response = page.goto(f"{portal_url}/p/{OTHER}/deliveries/")
    assert response.status == 200
    page.goto(f"{portal_url}/analyst/figures/")
    links = page.locator("#figures a.asset")
    assert links.count() > 0 and links.first.get_attribute("href").endswith("/assets/indicators")
    projects = set(
        pl.Series(
            page.locator("#figures tbody tr").evaluate_all("rows => rows.map(r => r.dataset.project)")
        ).to_list()
    )
    assert set(registry["project_id"]) <= projects
    page.screenshot(path=shots / "10-analyst-figures.png", full_page=True)
    page.goto(f"{portal_url}/audit/")
    actions = page.locator("#audit tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert {"sign_in", "upload_rejected", "upload_accepted"} <= set(actions)
    page.screenshot(path=shots / "11-audit.png", full_page=True)
    page.goto(f"{portal_url}/account/second-factor/")
    assert page.locator("code.key").inner_text().strip()  # the TOTP key to type in
    page.screenshot(path=shots / "12-second-factor.png", full_page=True)
