"""The audit log: who signed in, uploaded, downloaded what, when, with the file's checksum."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.web.models import AuditEvent


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:64] if request is not None else ""


def record(
    request,
    action: str,
    *,
    provider_id: str = "",
    detail: str = "",
    sha256: str = "",
    username: str | None = None,
) -> AuditEvent:
    from portal.web.access import role_of

    user = getattr(request, "user", None)
    if username is None:
        username = user.get_username() if user is not None and user.is_authenticated else ""
    role = role_of(user) if user is not None and user.is_authenticated else ""
    return AuditEvent.objects.create(
        username=username[:150],
        role=role or "",
        action=action,
        provider_id=provider_id,
        detail=detail[:500],
        sha256=sha256,
        ip=client_ip(request),
    )


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    record(request, "sign_in", username=user.get_username())


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(request, "sign_out", username=user.get_username())


@receiver(user_login_failed)
def _failed(sender, credentials, request=None, **kwargs):
    record(request, "sign_in_failed", username=str(credentials.get("username", ""))[:150])


@receiver(post_save, sender=LogEntry)
def _admin_action(sender, instance, created, **kwargs):
    """Every change IT makes in the admin (accounts created, deactivated, passwords reset)."""
    if created:
        action = {
            ADDITION: "admin_add",
            CHANGE: "admin_change",
            DELETION: "admin_delete",
        }
        AuditEvent.objects.create(
            username=instance.user.get_username()[:150],
            role="admin",
            action=action.get(instance.action_flag, "admin"),
            detail=f"{instance.content_type.model}: {instance.object_repr} {instance.get_change_message()}"[
                :500
            ],
        )


try:  # django-axes: a lockout is an event of its own
    from axes.signals import user_locked_out

    @receiver(user_locked_out)
    def _locked(sender, request, username=None, ip_address=None, **kwargs):
        record(request, "locked_out", username=str(username or "")[:150])
except ImportError:  # pragma: no cover
    pass
