"""Django's admin under the portal's one sign-in: its lockout, audit log and second factor.

The stock admin site would let an account with a confirmed TOTP device in with its password
alone (its own login page knows nothing of django-otp, and ``has_permission`` does not ask
``is_verified``). Here an account must have passed its second factor, if it has one, before any
admin page; the admin's sign-in is the portal's (``/signin/`` then ``/signin/code/``). An account
that is signed in but not staff gets 404 there, as on every portal page it may not see."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse


class PortalAdminSite(admin.AdminSite):
    site_header = "ESF+ Portal – Verwaltung / administration"
    site_title = "ESF+ Portal"

    def has_permission(self, request):
        from portal.web.access import needs_second_factor

        return super().has_permission(request) and not needs_second_factor(request.user)

    def login(self, request, extra_context=None):
        from portal.web.access import needs_second_factor

        nxt = request.GET.get("next", "")
        nxt = nxt if nxt.startswith("/") and not nxt.startswith("//") else reverse("admin:index")
        if not request.user.is_authenticated:
            return redirect(f"{reverse('signin')}?{urlencode({'next': nxt})}")
        if needs_second_factor(request.user):
            return redirect(f"{reverse('second_factor')}?{urlencode({'next': nxt})}")
        if self.has_permission(request):
            return redirect(nxt)
        raise Http404


class PortalAdminConfig(AdminConfig):
    """``django.contrib.admin`` with :class:`PortalAdminSite` as ``admin.site`` (Django's way of
    replacing the default site: INSTALLED_APPS names this config)."""

    default_site = "portal.web.admin_site.PortalAdminSite"
