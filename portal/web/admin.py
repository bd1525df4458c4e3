"""The admin for the managing authority's IT: accounts (create, deactivate, reset password) with
their role and provider, and the audit log (read only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

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
