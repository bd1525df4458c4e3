"""Security headers the framework does not set by itself (Django 5.2 has no CSP setting yet;
Django 6.0's ``SECURE_CSP`` needs Python 3.12): a Content-Security-Policy without inline script
or style, and no caching of any page (every page here shows a person's or a project's data)."""

from __future__ import annotations

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store, private"
            response.headers.setdefault("Pragma", "no-cache")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RegistryErrorMiddleware:
    """An invalid or missing registry stops the portal's pages with a message (German, then
    English) instead of a server error: the managing authority must fix the registry first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from esf_monitor.intake import RegistryError

        if not isinstance(exception, (RegistryError, FileNotFoundError)):
            return None
        return render(
            request,
            "portal/error.html",
            {
                "title": "Projektregister nicht lesbar / project registry unreadable",
                "text": "Das Projektregister (reference/projects.csv) fehlt oder ist ungültig; bitte das "
                "Monitoring-Team informieren. / The project registry is missing or invalid; please "
                "tell the monitoring team.",
            },
            status=503,
        )
