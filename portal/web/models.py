"""The portal's own state: accounts' roles, upload checks, the audit log. Never in the
warehouse (docs/portal.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    PROVIDER = "provider", "Datenliefernde Stelle / provider"
    ANALYST = "analyst", "Monitoring-Team / analyst"
    ADMIN = "admin", "IT-Administration / admin"


class Account(models.Model):
    """One user's role; a provider account belongs to exactly one provider id of the registries."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PROVIDER)
    provider_id = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Kennung aus dem Register (nur für Datenliefernde) / registry id (providers only)",
    )

    class Meta:
        verbose_name = "Konto / account"
        verbose_name_plural = "Konten / accounts"
        constraints = [  # noqa: RUF012 (Django Meta)
            models.CheckConstraint(
                condition=(models.Q(role="provider") & ~models.Q(provider_id=""))
                | (~models.Q(role="provider") & models.Q(provider_id="")),
                name="provider_id_iff_provider",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username} ({self.role}{' ' + self.provider_id if self.provider_id else ''})"


class Check(models.Model):
    """One uploaded file checked by the intake's own code (and, when it passed, written to landing/)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    username = models.CharField(max_length=150)
    on_behalf = models.BooleanField(default=False)
    provider_id = models.CharField(max_length=64, db_index=True)
    extract_type = models.CharField(max_length=64)
    month = models.CharField(max_length=7)
    file_name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    ok = models.BooleanField(default=False)
    row_count = models.IntegerField(default=0)
    error_count = models.IntegerField(default=0)
    warning_count = models.IntegerField(default=0)
    incomplete_count = models.IntegerField(default=0)
    summary_de = models.TextField(blank=True, default="")
    summary_en = models.TextField(blank=True, default="")
    landing_name = models.CharField(max_length=64, blank=True, default="")
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at"]  # noqa: RUF012 (Django's declarative class attributes)
        verbose_name = "Prüfung / check"
        verbose_name_plural = "Prüfungen / checks"


class AuditEvent(models.Model):
    """Append-only (save refuses an update, delete refuses; database triggers refuse both)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150, blank=True, default="")
    role = models.CharField(max_length=16, blank=True, default="")
    action = models.CharField(max_length=40)
    provider_id = models.CharField(max_length=64, blank=True, default="")
    detail = models.CharField(max_length=500, blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")
    ip = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]  # noqa: RUF012 (Django's declarative class attributes)
        verbose_name = "Protokolleintrag / audit event"
        verbose_name_plural = "Protokoll / audit log"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Protokoll ist nur erweiterbar / the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Protokoll ist nur erweiterbar / the audit log is append-only")
