"""Every page of the portal (docs/portal.md, "Pages"). German first, English beside."""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import polars as pl
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from esf_monitor.paths import data_dir
from portal.web import audit, state
from portal.web.access import (
    account_of,
    needs_second_factor,
    provider_for,
    role_of,
    signed_in,
)
from portal.web.checks import (
    check_dir,
    detected_format,
    findings_page,
    keep_report,
    report_xlsx,
    run_check,
)
from portal.web.dagster_runs import slot_runs
from portal.web.dashboards import rewrite_links
from portal.web.forms import SignInForm, TokenForm, UploadForm
from portal.web.models import AuditEvent, Check, Role
from portal.web.providers import all_providers, jobcenter_projects, type_label
from portal.web.uploads import (
    display_name,
    landing_extension,
    write_to_landing,
)

log = logging.getLogger("portal")
PROVIDER, ANALYST, ADMIN = Role.PROVIDER, Role.ANALYST, Role.ADMIN
#: dashboard files are the pipeline's self-contained pages (inline Vega script): served only
#: into a sandboxed frame (opaque origin: no cookies, no access to the portal's pages)
DASHBOARD_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; frame-ancestors 'self'"
)
#: the exact exports of a cut-off the analysts' figures page shows
FIGURE_TABLES = ("indicators", "common_indicators", "sfc_table")
#: which Dagster asset computes which export (dbt models are keyed by their name)
EXPORT_ASSETS = {
    "indicators": "indicators",
    "common_indicators": "common_indicators",
    "sfc_table": "sfc_table",
    "delivery_status": "delivery_status",
}


# --------------------------------------------------------------------------- sign-in


class SignInView(LoginView):
    template_name = "portal/signin.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self):
        if needs_second_factor(self.request.user):
            return (
                reverse("second_factor")
                + "?"
                + urlencode({"next": self.get_redirect_url() or reverse("home")})
            )
        return self.get_redirect_url() or reverse("home")


def second_factor(request):
    if not request.user.is_authenticated:
        return redirect("signin")
    from django_otp import devices_for_user
    from django_otp import login as otp_login

    form = TokenForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        for device in devices_for_user(request.user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                audit.record(request, "second_factor_ok")
                nxt = request.GET.get("next", "")
                return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else "home")
        audit.record(request, "second_factor_failed")
        error = "Code falsch oder zu viele Versuche. / Wrong code or too many attempts."
    return render(request, "portal/second_factor.html", {"form": form, "error": error})


@signed_in(PROVIDER, ANALYST, ADMIN)
def setup_second_factor(request):
    """Optional TOTP for one's own account (django-otp): key shown once, confirmed by a code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if not confirmed and device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Portal", confirmed=False)
    form = TokenForm(request.POST or None)
    error = ""
    if request.method == "POST" and device is not None and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            from django_otp import login as otp_login

            otp_login(request, device)
            audit.record(request, "second_factor_enabled")
            return redirect("setup_second_factor")
        error = "Code falsch. / Wrong code."
    import base64

    key = base64.b32encode(device.bin_key).decode() if device is not None else ""
    uri = device.config_url if device is not None else ""
    return render(
        request,
        "portal/setup_second_factor.html",
        {
            "confirmed": confirmed,
            "form": form,
            "error": error,
            "key": key,
            "uri": uri,
            "qr": qr_svg(uri) if uri else "",
        },
    )


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an inline SVG element (segno: pure Python, offline; no image file,
    no script, no inline style — the page's CSP stays as it is)."""
    import segno
    from django.utils.safestring import mark_safe

    code = segno.make(text, error="m", micro=False)
    return mark_safe(
        code.svg_inline(
            scale=4, border=4, dark="#000", light="#fff", title="QR-Code / QR code", svgclass="qr"
        )
    )


@require_POST
def sign_out(request):
    auth.logout(request)
    return redirect("signin")


def home(request):
    if not request.user.is_authenticated:
        return redirect("signin")
    if needs_second_factor(request.user):
        return redirect("second_factor")
    role = role_of(request.user)
    if role == PROVIDER:
        return redirect("start", provider_id=account_of(request.user).provider_id)
    if role == ANALYST:
        return redirect("analyst")
    if role == ADMIN:
        return redirect("audit_log")
    raise Http404


def csrf_failure(request, reason=""):
    return render(
        request,
        "portal/error.html",
        {
            "title": "Anfrage abgelehnt / request refused",
            "text": "Das Formular ist abgelaufen oder kam nicht von dieser Seite (CSRF). Bitte die Seite neu laden. / "
            "The form expired or did not come from this site (CSRF). Please reload the page.",
        },
        status=403,
    )


def not_found(request, exception=None):
    return render(
        request,
        "portal/error.html",
        {
            "title": "Nicht gefunden / not found",
            "text": "Diese Seite gibt es nicht. / This page does not exist.",
        },
        status=404,
    )


# --------------------------------------------------------------------------- provider pages


@signed_in(PROVIDER, ANALYST)
def start(request, provider_id):
    provider = provider_for(request, provider_id)
    dd = data_dir()
    rows = state.start_table(dd, provider)
    todo = [s for r in rows for s in r["slots"] if s.state in ("missing", "rejected", "due")]
    return render(
        request,
        "portal/start.html",
        {
            "provider": provider,
            "rows": rows,
            "types": [type_label(t) for t in provider.extract_types],
            "todo": todo[:6],
            "recent": Check.objects.filter(provider_id=provider_id)[:5],
        },
    )


@signed_in(PROVIDER, ANALYST)
def upload(request, provider_id):
    provider = provider_for(request, provider_id)  # the provider: the URL, checked against the account
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    limit_mb = settings.MAX_UPLOAD_MB
    if request.method == "POST":
        files = request.FILES  # parses the body (streams the file through LimitedUploadHandler)
        if getattr(request, "upload_too_large", False):
            _discard(request)
            audit.record(request, "upload_too_large", provider_id=provider_id)
            return render(
                request,
                "portal/error.html",
                {
                    "title": "Datei zu groß / file too large",
                    "text": f"Die Datei ist größer als {limit_mb:g} MB und wurde nicht angenommen. / "
                    f"The file is larger than {limit_mb:g} MB and was not accepted.",
                    "back": reverse("upload", args=[provider_id]),
                },
                status=413,
            )
        form = UploadForm(request.POST, files, extract_types=provider.extract_types)
        if form.is_valid():
            return _check_upload(request, provider, form)
        _discard(request)
    else:
        form = UploadForm(extract_types=provider.extract_types)
    return render(
        request,
        "portal/upload.html",
        {"provider": provider, "form": form, "limit_mb": limit_mb},
    )


def _discard(request) -> None:
    for f in request.FILES.values():
        if hasattr(f, "discard"):
            f.discard()


def _check_upload(request, provider, form):
    dd = data_dir()
    uploaded = form.cleaned_data["file"]
    extract_type, month = form.cleaned_data["extract_type"], form.cleaned_data["month"]
    name = display_name(uploaded.name)
    try:
        result, seconds = run_check(dd, uploaded.path, name, provider.provider_id, extract_type, month)
        ext = landing_extension(name, detected_format(result))
        ok = result.ok and ext is not None
        check = Check(
            username=request.user.get_username(),
            on_behalf=role_of(request.user) == ANALYST,
            provider_id=provider.provider_id,
            extract_type=extract_type,
            month=month,
            file_name=name,
            size=uploaded.size,
            sha256=uploaded.sha256,
            ok=ok,
            row_count=result.row_count,
            error_count=result.error_count,
            warning_count=result.warning_count,
            incomplete_count=result.incomplete_count,
            summary_de=result.summary_de,
            summary_en=result.summary_en,
            seconds=seconds,
        )
        keep_report(dd, check.id, result)
        if ok:
            dest = write_to_landing(dd, uploaded, provider.provider_id, extract_type, month, ext)
            check.landing_name = dest.name
    finally:
        _discard(request)  # a rejected file is never kept (it may hold personal data)
    check.save()
    action = "upload_accepted" if ok else "upload_rejected"
    audit.record(
        request,
        action,
        provider_id=provider.provider_id,
        sha256=check.sha256,
        detail=f"{extract_type} {month} {name} ({check.size} B)"
        f"{' im Auftrag / on behalf' if check.on_behalf else ''}",
    )
    return redirect("check", provider_id=provider.provider_id, check_id=check.id)


@signed_in(PROVIDER, ANALYST)
def check_result(request, provider_id, check_id):
    provider_for(request, provider_id)
    check = get_object_or_404(Check, id=check_id, provider_id=provider_id)
    dd = data_dir()
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    per_page = 200
    findings, total = findings_page(dd, check.id, page, per_page)
    pages = max(1, math.ceil(total / per_page))
    progress = None
    if check.ok:
        progress = state.progress(dd, provider_id, check.extract_type, check.month, check.sha256)
    runs = None
    if progress is not None and not progress.rejected:
        runs = slot_runs(f"{provider_id}|{check.extract_type}|{check.month}")
    dagster = ""
    if role_of(request.user) == ANALYST:  # the slot's partition of its raw asset in Dagster
        key = quote(f"{provider_id}|{check.extract_type}|{check.month}", safe="")
        dagster = f"{settings.DAGSTER_UI_URL}/assets/raw_{check.extract_type}?view=partitions&partition={key}"
    return render(
        request,
        "portal/check.html",
        {
            "provider_id": provider_id,
            "check": check,
            "findings": findings,
            "total": total,
            "page": page,
            "pages": pages,
            "prev": page - 1 if page > 1 else None,
            "next": page + 1 if page < pages else None,
            "progress": progress,
            "dagster": dagster,
            "runs": runs,
            "is_analyst": role_of(request.user) == ANALYST,
            "refresh": progress is not None and not progress.finished,
            "type_label": type_label(check.extract_type),
        },
    )


@signed_in(PROVIDER, ANALYST)
def check_report(request, provider_id, check_id, fmt):
    provider_for(request, provider_id)
    check = get_object_or_404(Check, id=check_id, provider_id=provider_id)
    dd = data_dir()
    folder = check_dir(dd, check.id)
    stem = Path(check.file_name).stem or "upload"
    if fmt == "csv":
        path, name = folder / "report.errors.csv", f"{stem}.errors.csv"
    elif fmt == "txt":
        path, name = folder / "report.summary.txt", f"{stem}.summary.txt"
    elif fmt == "xlsx":
        path, name = report_xlsx(dd, check.id), f"{stem}.errors.xlsx"
    else:
        raise Http404
    if not path.is_file():
        raise Http404
    audit.record(
        request,
        "download_report",
        provider_id=provider_id,
        sha256=check.sha256,
        detail=name,
    )
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name)


@signed_in(PROVIDER, ANALYST)
def deliveries(request, provider_id):
    provider = provider_for(request, provider_id)
    slots = state.provider_slots(data_dir(), provider)
    return render(
        request,
        "portal/deliveries.html",
        {
            "provider": provider,
            "slots": [(type_label(t), t, m, v) for t, m, v in slots],
        },
    )


@signed_in(PROVIDER, ANALYST)
def delivery_download(request, provider_id, extract_type, month, number, what):
    provider = provider_for(request, provider_id)
    if extract_type not in provider.extract_types:
        raise Http404
    versions = state.slot_versions(data_dir(), provider_id, extract_type, month)
    if not 1 <= number <= len(versions) or what not in versions[number - 1].downloads:
        raise Http404
    version = versions[number - 1]
    path = version.downloads[what]
    names = {
        "file": version.record.file_name,
        "errors": f"{Path(version.record.file_name).stem}.errors.csv",
        "summary": f"{Path(version.record.file_name).stem}.summary.txt",
    }
    audit.record(
        request,
        f"download_{what}",
        provider_id=provider_id,
        sha256=version.record.sha256,
        detail=f"{extract_type} {month} v{number} {names[what]}",
    )
    return FileResponse(open(path, "rb"), as_attachment=True, filename=display_name(names[what]))


# --------------------------------------------------------------------------- figures


def _own_page(provider) -> Path:
    """The provider's own exact page: a project's page, or a municipality's answers beside the
    programme's shares (docs/process-monitoring.md "Dashboards")."""
    folder = "municipalities" if provider.kind == "municipality" else "projects"
    return data_dir().dashboards / "internal" / folder / f"{provider.provider_id}.html"


def _programme_page(provider) -> Path:
    """The programme's protected release, programme-wide only (the SFC2021 tables): the public
    overview also compares projects and shows every provider's delivery status, which a
    provider must not learn (docs/decisions.md, "Portal"). A municipality gets the public
    process monitoring page (shares of all municipalities, no single answer)."""
    page = "process.html" if provider.kind == "municipality" else "sfc.html"
    return data_dir().dashboards / "public" / page


#: the exact figures a jobcenter's own delivery (followup) produces, per project of that
#: jobcenter (docs/indicators.md: the 6-month integration rate and the follow-up coverage)
#: (the dashboards' labels; the portal does not import the dashboard builder and its charts)
FOLLOWUP_INDICATORS = {
    "integration_rate_6m": "Integrationsquote nach 6 Monaten / integration rate after 6 months",
    "followup_coverage": "Abdeckung Verbleib nach 6 Monaten / follow-up coverage",
}
#: the exports' order of the genders, with their names
GENDERS = {"f": "Frauen / women", "m": "Männer / men", "d": "Divers / non-binary", "total": "Gesamt / total"}


def _sandbox(request) -> str:
    """A dashboard frame runs its own script in an opaque origin and may hand out its tables'
    CSV downloads (a sandbox blocks downloads without ``allow-downloads``); an analyst's frame
    may also open the page a (rewritten) link names in the whole window, on a click only."""
    if role_of(request.user) == ANALYST:
        return "allow-scripts allow-downloads allow-top-navigation-by-user-activation"
    return "allow-scripts allow-downloads"


@signed_in(PROVIDER, ANALYST)
def figures(request, provider_id):
    provider = provider_for(request, provider_id)
    context = {
        "provider": provider,
        "own": _own_page(provider).is_file(),
        "programme": _programme_page(provider).is_file(),
        "sandbox": _sandbox(request),
        "dagster": settings.DAGSTER_UI_URL if role_of(request.user) == ANALYST else "",
    }
    if provider.kind == "jobcenter":
        context.update(_jobcenter_figures(request, provider))
        audit.record(request, "view_figures", provider_id=provider_id, detail=f"followup {context['cutoff']}")
    return render(request, "portal/figures.html", context)


def _jobcenter_figures(request, provider) -> dict:
    """A jobcenter's own figures as the exports hold them: for each project the registry names
    it for, the follow-up indicators of one cut-off of ``exports/<cut-off>/indicators.csv``,
    exact (numerator, denominator, value) — nothing else of those projects."""
    dd = data_dir()
    cutoffs = _cutoffs(dd)
    cutoff = request.GET.get("cutoff") or (cutoffs[0] if cutoffs else "")
    if cutoff and cutoff not in cutoffs:
        raise Http404
    projects = jobcenter_projects(provider.provider_id, dd)
    rows = []
    path = dd.exports / cutoff / "indicators.csv"
    if cutoff and path.is_file() and projects:
        frame = pl.read_csv(path, infer_schema_length=0).filter(
            pl.col("project_id").is_in(list(projects)) & pl.col("indicator").is_in(list(FOLLOWUP_INDICATORS))
        )
        order, genders = list(FOLLOWUP_INDICATORS), list(GENDERS)
        for r in sorted(
            frame.iter_rows(named=True),
            key=lambda r: (r["project_id"], order.index(r["indicator"]), genders.index(r["gender"])),
        ):
            rows.append(
                {
                    **r,
                    "project_name": projects[r["project_id"]],
                    "label": FOLLOWUP_INDICATORS[r["indicator"]],
                    "gender_label": GENDERS[r["gender"]],
                    "percent": _percent(r["value"]),
                }
            )
    return {
        "followup": True,
        "cutoffs": cutoffs,
        "cutoff": cutoff,
        "followup_rows": rows,
        "followup_projects": sorted(projects.items()),
    }


def _percent(value: str | None) -> str:
    """0.333333333333 → "33,3 %" (German decimal comma); empty stays empty."""
    if not value:
        return ""
    return f"{float(value) * 100:.1f} %".replace(".", ",")


def _dashboard_response(request, path: Path, provider_id: str, what: str):
    """A page of dashboards/ with its links rewritten for this account
    (portal/web/dashboards.py) in a sandbox of its own."""
    if not path.is_file():
        raise Http404
    audit.record(request, "view_figures", provider_id=provider_id, detail=what)
    page = path.relative_to(data_dir().dashboards).as_posix()  # where its relative links start
    if role_of(request.user) == ANALYST:
        resolver, external = _analyst_url, _dagster_asset_url
    else:
        resolver = external = lambda dest: None
    content = rewrite_links(path.read_text(encoding="utf-8"), page, resolver, external)
    response = HttpResponse(content.encode("utf-8"), content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = f"sandbox {_sandbox(request)}; " + DASHBOARD_CSP
    return response


@xframe_options_sameorigin
@signed_in(PROVIDER, ANALYST)
def figures_own(request, provider_id):
    provider = provider_for(request, provider_id)
    return _dashboard_response(request, _own_page(provider), provider_id, "own exact page")


@xframe_options_sameorigin
@signed_in(PROVIDER, ANALYST)
def figures_programme(request, provider_id):
    provider = provider_for(request, provider_id)
    return _dashboard_response(request, _programme_page(provider), provider_id, "programme public release")


# --------------------------------------------------------------------------- analyst


@signed_in(ANALYST)
def analyst(request):
    dd = data_dir()
    months = sorted({p.parent.name for p in dd.archive.glob("*/*/*/versions.jsonl")}, reverse=True)
    month = request.GET.get("month") or (months[0] if months else state.last_month())
    if month not in months and month != state.last_month():
        raise Http404
    rows = []
    for p in all_providers(dd):
        rows.append(
            {
                "provider": p,
                "slots": [state.slot_state(dd, p.provider_id, t, month) for t in p.extract_types],
            }
        )
    return render(
        request,
        "portal/analyst.html",
        {
            "rows": rows,
            "month": month,
            "months": months[:24],
            "recent": Check.objects.all()[:20],
        },
    )


def _cutoffs(dd) -> list[str]:
    path = dd.exports / "cutoffs.csv"
    if not path.is_file():
        return []
    return sorted(pl.read_csv(path, infer_schema_length=0)["cutoff"].to_list(), reverse=True)


@signed_in(ANALYST)
def analyst_figures(request):
    """Every project's exact figures of one cut-off and export (indicators, common indicators,
    SFC2021 table), each row linked to the Dagster asset (dbt model) that computed it."""
    dd = data_dir()
    cutoffs = _cutoffs(dd)
    cutoff = request.GET.get("cutoff") or (cutoffs[0] if cutoffs else "")
    table = request.GET.get("table") or "indicators"
    if (cutoff and cutoff not in cutoffs) or table not in FIGURE_TABLES:
        raise Http404
    project = request.GET.get("project", "")
    columns, rows, total = [], [], 0
    path = dd.exports / cutoff / f"{table}.csv"
    if cutoff and path.is_file():
        frame = pl.read_csv(path, infer_schema_length=0)
        if project and "project_id" in frame.columns:
            frame = frame.filter(pl.col("project_id") == project)
        total = frame.height
        columns = [c for c in frame.columns if c != "cutoff"]
        rows = [
            {
                "project": r.get("project_id") or "",
                "indicator": r.get("indicator") or "",
                "gender": r.get("gender") or "",
                "cells": [r[c] for c in columns],
            }
            for r in frame.head(2000).iter_rows(named=True)
        ]
    providers = [p for p in all_providers(dd) if p.kind == "project"]
    return render(
        request,
        "portal/analyst_figures.html",
        {
            "cutoffs": cutoffs,
            "cutoff": cutoff,
            "table": table,
            "tables": FIGURE_TABLES,
            "project": project,
            "columns": columns,
            "rows": rows,
            "total": total,
            "providers": providers,
            "dagster": settings.DAGSTER_UI_URL,
            "asset": EXPORT_ASSETS[table],
            "asset_url": f"{settings.DAGSTER_UI_URL}/assets/{EXPORT_ASSETS[table]}",
            "exports_asset_url": f"{settings.DAGSTER_UI_URL}/assets/indicator_exports",
            "pages": ["overview.html", "sfc.html"]
            + (["process.html"] if (dd.dashboards / "internal" / "process.html").is_file() else []),
        },
    )


ANALYST_PAGES = {"overview.html", "sfc.html", "index.html", "process.html"}
#: folder of the internal pages → provider kind whose ids name its pages
ANALYST_FOLDERS = {"projects": "project", "municipalities": "municipality"}


def _analyst_page(page: str) -> Path | None:
    """The file of ``page`` (a path under dashboards/internal/) if it is one of the pipeline's
    internal pages: the overview, SFC2021, process monitoring, index, one page per project or
    municipality of the registries."""
    root = data_dir().dashboards / "internal"
    if page in ANALYST_PAGES:
        return root / page
    if page.count("/") == 1 and page.endswith(".html") and page.split("/")[0] in ANALYST_FOLDERS:
        folder, name = page[:-5].split("/")
        if any(p.provider_id == name and p.kind == ANALYST_FOLDERS[folder] for p in all_providers()):
            return root / page
    return None


def _analyst_url(dest: str) -> str | None:
    """The portal URL of a page of dashboards/ for an analyst (the internal pages only)."""
    if not dest.startswith("internal/") or _analyst_page(dest[9:]) is None:
        return None
    return reverse("analyst_dashboard", args=[dest[9:]])


def _dagster_asset_url(href: str) -> str | None:
    """An internal page's link to a figure's asset in the Dagster UI, kept for analysts (the
    spec gives them "links to the Dagster UI asset of each figure"). The pipeline writes these
    links with the same ``ESF_DAGSTER_UI_URL`` the portal reads; any other address is removed."""
    prefix = f"{settings.DAGSTER_UI_URL}/assets/"
    if href.startswith(prefix) and re.fullmatch(r"[\w/.-]+", href[len(prefix) :]):
        return href
    return None


@xframe_options_sameorigin
@signed_in(ANALYST)
def analyst_dashboard(request, page):
    """The pipeline's exact internal pages (overview, SFC2021, one page per project)."""
    path = _analyst_page(page)
    if path is None:
        raise Http404
    return _dashboard_response(request, path, "", f"internal {page}")


# --------------------------------------------------------------------------- audit log


@signed_in(ANALYST, ADMIN)
def audit_log(request):
    events = AuditEvent.objects.all()
    who = request.GET.get("user", "")
    if who:
        events = events.filter(username=who)
    paginator = Paginator(events, 100)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "portal/audit.html", {"page": page, "who": who})


def stylesheet(request):
    path = Path(__file__).parent / "static" / "portal" / "portal.css"
    response = HttpResponse(path.read_bytes(), content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
