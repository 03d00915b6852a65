"""Sign-in data that is not part of the person record: API tokens for integrations and the
last TOTP time step a person used (so a code cannot be replayed)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


def hash_token_secret(secret: str) -> str:
    """Only the SHA-256 of a token secret is stored; the secret is shown once at creation.
    A plain hash is enough: secrets are 256 random bits, nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """Mã truy cập API: one per integrated system, acting for one agency."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("tên hệ thống", max_length=150)
    prefix = models.CharField("tiền tố", max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    last_used_at = models.DateTimeField("lần dùng gần nhất", null=True, blank=True)
    revoked_at = models.DateTimeField("ngày thu hồi", null=True, blank=True)

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class TotpState(models.Model):
    """The newest TOTP time step accepted for a person; a code at or below it is refused."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="totp_state",
    )
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.person_id}: {self.last_step}"
