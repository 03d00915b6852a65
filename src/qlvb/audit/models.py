"""Append-only, hash-chained audit log (nhật ký hệ thống).

The log is striped over `QLVB_AUDIT_CHAINS` independent chains (chuỗi nhật ký) so that unrelated
people never wait on one lock: each event carries its chain number and the hash of the event
before it in that chain; `qlvb audit verify` recomputes every chain and reports the first row that
was altered, inserted or deleted.
"""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    # Plain ids and snapshots rather than foreign keys: deleting a person or an agency must
    # never cascade into, or be blocked by, the log.
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=200, blank=True)
    agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    client_address = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    # Which chain the event links into; rows written before the log was striped are chain 0.
    chain = models.PositiveSmallIntegerField(default=0)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def compute_hash(self) -> str:
        fields = [
            self.prev_hash,
            self.occurred_at.isoformat(),
            self.actor_id,
            self.actor_name,
            self.agency_id,
            self.action,
            self.object_type,
            self.object_id,
            self.object_repr,
            self.details,
            self.client_address,
            self.channel,
        ]
        # Chain 0 keeps the payload it had before striping, so rows written then still verify;
        # every other chain hashes its number too, so a row moved between chains is caught.
        if self.chain:
            fields.append(self.chain)
        payload = json.dumps(
            fields,
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            cls=DjangoJSONEncoder,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class AuditChainHead(models.Model):
    """One row per chain: the hash and id of its newest event. Appending locks the row, which
    orders that chain; other chains are not blocked."""

    chain = models.PositiveSmallIntegerField(unique=True, default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.last_hash
