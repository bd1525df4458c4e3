"""The admin for the managing authority's IT: accounts (create, deactivate, reset password) with
their role and provider, and the audit log (read only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.web.models import Account, AuditEvent, Check


class AccountInline(admin.StackedInline):
    model = Account
    can_delete = False
    extra = 1
    max_num = 1


class PortalUserAdmin(UserAdmin):
    inlines = [AccountInline]  # noqa: RUF012 (Django's declarative class attributes)
    list_display = ("username", "is_active", "role", "provider", "last_login")
    list_filter = ("is_active", "account__role")

    @admin.display(description="Rolle / role")
    def role(self, user):
        return getattr(getattr(user, "account", None), "role", "")

    @admin.display(description="Absender / provider")
    def provider(self, user):
        return getattr(getattr(user, "account", None), "provider_id", "")


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = (
        "at",
        "username",
        "role",
        "action",
        "provider_id",
        "detail",
        "sha256",
    )
    list_filter = ("action", "role")
    search_fields = ("username", "provider_id", "sha256")


@admin.register(Check)
class CheckAdmin(ReadOnly):
    list_display = (
        "created_at",
        "username",
        "provider_id",
        "extract_type",
        "month",
        "file_name",
        "ok",
        "error_count",
        "warning_count",
    )


class TOTPDeviceAdmin(otp_totp_admin.TOTPDeviceAdmin):
    """django-otp's device admin with its QR code page in German and English, the code an inline
    SVG (segno, as on the portal's own setup page): the stock page loads it as an image through
    a script of its own and, without a QR package, says "Install segno or qrcode" in English."""

    def config_view(self, request, pk):
        import base64

        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404
        from django.template.response import TemplateResponse
        from django_otp.conf import settings as otp_settings

        from portal.web.views import qr_svg

        if otp_settings.OTP_ADMIN_HIDE_SENSITIVE_DATA:
            raise PermissionDenied
        device = get_object_or_404(TOTPDevice, pk=pk)
        if not self.has_view_or_change_permission(request, device):
            raise PermissionDenied
        context = dict(
            self.admin_site.each_context(request),
            device=device,
            key=base64.b32encode(device.bin_key).decode(),
            qr=qr_svg(device.config_url),
        )
        return TemplateResponse(request, "portal/admin_totp_config.html", context)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)
