from django.contrib import admin
from django.contrib.staticfiles.views import serve as static_serve
from django.urls import path, re_path

from portal.web import views

PROVIDER = "p/<str:provider_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.SignInView.as_view(), name="signin"),
    path("signin/code/", views.second_factor, name="second_factor"),
    path("signout/", views.sign_out, name="signout"),
    path("account/second-factor/", views.setup_second_factor, name="setup_second_factor"),
    path(PROVIDER, views.start, name="start"),
    path(PROVIDER + "upload/", views.upload, name="upload"),
    path(PROVIDER + "checks/<uuid:check_id>/", views.check_result, name="check"),
    path(
        PROVIDER + "checks/<uuid:check_id>/report.<str:fmt>",
        views.check_report,
        name="check_report",
    ),
    path(PROVIDER + "deliveries/", views.deliveries, name="deliveries"),
    path(
        PROVIDER + "deliveries/<str:extract_type>/<str:month>/<int:number>/<str:what>",
        views.delivery_download,
        name="delivery_download",
    ),
    path(PROVIDER + "figures/", views.figures, name="figures"),
    path(PROVIDER + "figures/own.html", views.figures_own, name="figures_own"),
    path(
        PROVIDER + "figures/programme.html",
        views.figures_programme,
        name="figures_programme",
    ),
    path("analyst/", views.analyst, name="analyst"),
    path("analyst/figures/", views.analyst_figures, name="analyst_figures"),
    path(
        "analyst/dashboards/<path:page>",
        views.analyst_dashboard,
        name="analyst_dashboard",
    ),
    path("audit/", views.audit_log, name="audit_log"),
    path("portal.css", views.stylesheet, name="stylesheet"),
    path("admin/", admin.site.urls),
    # the admin's own CSS/JS from the installed apps (a proxy may serve `collectstatic` instead)
    re_path(r"^static/(?P<path>.*)$", static_serve, {"insecure": True}),
]

handler404 = "portal.web.views.not_found"
