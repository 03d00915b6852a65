"""Claiming and running work rows. Used by the huey tasks (tasks.py), the `qlvb jobs` command
and tests; knows nothing about the queue.

Claiming is ONE conditional UPDATE:

    UPDATE ... SET state='running', leased_by=<token>, lease_until=now+lease, attempts=attempts+1
    WHERE id=<pk> AND ((state='pending' AND next_attempt_at<=now)
                       OR (state='running' AND lease_until<now AND attempts<max_attempts))

Only the worker whose UPDATE changed one row runs the handler. On PostgreSQL a second UPDATE of
the same row waits for the first to commit and re-checks the WHERE clause against the new row
(READ COMMITTED), finding it running; on SQLite writers are serialised. Either way two workers,
on one machine or many, never hold the same row at once.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from qlvb.core import context
from qlvb.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from qlvb.jobs import registry
from qlvb.jobs.models import Job, WorkItem, WorkState

logger = logging.getLogger("qlvb.jobs")

ERROR_TAIL_CHARS = 4000


class PermanentError(Exception):
    """Raise from a handler when retrying cannot help (malformed input): the row fails now."""


# Domain errors that another attempt will not fix. Conflict is left out: it is often a race.
PERMANENT_ERRORS = (PermanentError, ValidationFailed, PermissionDenied, NotFound)


class LeaseLost(Exception):
    """Another worker took the row over while this one was running it."""


def lease_seconds() -> int:
    return int(getattr(settings, "QLVB_JOB_LEASE_SECONDS", 300))


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter, capped: ~30 s, 1 min, 2 min, ... at most 1 h."""
    base = float(getattr(settings, "QLVB_JOB_BACKOFF_SECONDS", 30))
    cap = float(getattr(settings, "QLVB_JOB_BACKOFF_MAX_SECONDS", 3600))
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    # Jitter spreads retries of many rows that failed together (a peer that was down).
    return delay * random.uniform(0.5, 1.0)


def worker_token() -> str:
    """Names one claim: host, process and a random part (thread workers share a pid)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def due_filter(now: datetime) -> Q:
    return Q(state=WorkState.PENDING, next_attempt_at__lte=now) | Q(
        state=WorkState.RUNNING, lease_until__lt=now, attempts__lt=F("max_attempts")
    )


def claim(model: type[WorkItem], pk, *, token: str, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    updated = model.objects.filter(due_filter(now), pk=pk).update(
        state=WorkState.RUNNING,
        leased_by=token,
        lease_until=now + timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1,
    )
    return updated == 1


def claim_more(
    model: type[WorkItem], *, token: str, limit: int, now: datetime | None = None
) -> list:
    """Claim up to `limit` further pending, due rows for a batch handler (oldest first), under
    the same token. On PostgreSQL the candidates are locked with SKIP LOCKED, so two workers
    claiming at once take disjoint rows and never wait on (or deadlock over) each other's; on
    SQLite the write lock serialises them."""
    if limit <= 0:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        candidates = model.objects.filter(
            state=WorkState.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        pks = list(candidates.values_list("pk", flat=True)[:limit])
        if not pks:
            return []
        model.objects.filter(pk__in=pks, state=WorkState.PENDING).update(
            state=WorkState.RUNNING,
            leased_by=token,
            lease_until=now + timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
        )
    return pks


def _error_text(exc: BaseException) -> str:
    head = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, DomainError) and exc.errors:
        head += f"\n{exc.errors}"
    tail = "".join(traceback.format_exception(exc))[-ERROR_TAIL_CHARS:]
    return f"{head}\n\n{tail}"[: ERROR_TAIL_CHARS + 1000]


def _json_result(value):
    if value is None:
        return None
    # Round-trip so dates/decimals are stored as the JSON the database will give back.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _mark_done(model, pk, token: str, result) -> bool:
    fields = {"state": WorkState.DONE, "finished_at": timezone.now(), "lease_until": None}
    has_result = any(f.name == "result" for f in model._meta.concrete_fields)
    if has_result and result is not None:
        fields["result"] = _json_result(result)
    return bool(
        model.objects.filter(pk=pk, state=WorkState.RUNNING, leased_by=token).update(**fields)
    )


def _mark_failure(model, item: WorkItem, token: str, exc: BaseException) -> str:
    now = timezone.now()
    permanent = isinstance(exc, PERMANENT_ERRORS)
    fields: dict = {"last_error": _error_text(exc), "lease_until": None}
    if permanent or item.attempts >= item.max_attempts:
        fields.update(state=WorkState.FAILED, finished_at=now)
        outcome = "failed"
    else:
        fields.update(
            state=WorkState.PENDING,
            next_attempt_at=now + timedelta(seconds=backoff_seconds(item.attempts)),
        )
        outcome = "retry"
    updated = model.objects.filter(pk=item.pk, state=WorkState.RUNNING, leased_by=token).update(
        **fields
    )
    if not updated:
        return "lost"
    if outcome == "retry":
        _nudge_later(model._meta.label_lower, item.pk, fields["next_attempt_at"])
    return outcome


def _nudge_later(label: str, pk, eta: datetime) -> None:
    # A timely retry; if the queue loses it, the sweep finds the row anyway.
    try:
        from qlvb.jobs.tasks import run_item_task

        if not run_item_task.huey.immediate:
            run_item_task.schedule((label, pk), eta=eta)
    except Exception:
        logger.warning("could not schedule retry of %s %s", label, pk, exc_info=True)


def run_item(label: str, pk, *, token: str | None = None) -> str:
    """Claim the row and run its handler. Returns "done", "retry", "failed", "skipped" (not due,
    or another worker holds it), "missing" or "lost" (taken over while running)."""
    registration = registry.registration_for(label)
    model = registration.model
    token = token or worker_token()
    if not claim(model, pk, token=token):
        return "skipped"
    if registration.batch > 1:
        return _run_batch(registration, pk, token)
    item = model.objects.filter(pk=pk).first()
    if item is None:
        return "missing"
    item._lease_token = token
    atomic = registration.atomic
    if model is Job:
        job_reg = registry.job_registration(item.kind)
        atomic = bool(job_reg and job_reg.atomic)
    ctx_token = context.set_current(context.ActingContext(channel="job"))
    try:
        if atomic:
            with transaction.atomic():
                result = registration.handler(item)
                if not _mark_done(model, pk, token, result):
                    raise LeaseLost
        else:
            result = registration.handler(item)
            if not _mark_done(model, pk, token, result):
                raise LeaseLost
    except LeaseLost:
        logger.warning("%s %s was taken over by another worker while running", label, pk)
        return "lost"
    except Exception as exc:
        logger.warning("%s %s failed (attempt %s): %s", label, pk, item.attempts, exc)
        return _mark_failure(model, item, token, exc)
    finally:
        context.reset(ctx_token)
    return "done"


def _run_batch(registration: registry.Registration, pk, token: str) -> str:
    """The nudged row and up to batch-1 other due rows, handed to the handler together; each
    row is then marked done or failed by its own outcome. Returns the nudged row's outcome."""
    model = registration.model
    pks = [pk, *claim_more(model, token=token, limit=registration.batch - 1)]
    items = list(model.objects.filter(pk__in=pks).order_by("next_attempt_at", "pk"))
    if not items:
        return "missing"
    for item in items:
        item._lease_token = token
    ctx_token = context.set_current(context.ActingContext(channel="job"))
    try:
        if registration.atomic:
            with transaction.atomic():
                outcomes = registration.handler(items) or {}
                if not _mark_batch_done(model, items, token, outcomes):
                    raise LeaseLost
        else:
            outcomes = registration.handler(items) or {}
            _mark_batch_done(model, items, token, outcomes)
    except LeaseLost:
        logger.warning("a batch of %s was taken over by another worker", model._meta.label_lower)
        return "lost"
    except Exception as exc:
        logger.warning("a batch of %s %s failed: %s", len(items), model._meta.label_lower, exc)
        outcomes = {item.pk: exc for item in items}
    finally:
        context.reset(ctx_token)
    result = "done"
    for item in items:
        value = outcomes.get(item.pk)
        if isinstance(value, BaseException):
            outcome = _mark_failure(model, item, token, value)
            if item.pk == pk:
                result = outcome
    if len(items) == registration.batch:
        _nudge_next(model)  # a full batch: more may be due without a nudge of their own
    return result


def _nudge_next(model: type[WorkItem]) -> None:
    pk = (
        model.objects.filter(state=WorkState.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if pk is not None:
        try:
            from qlvb.jobs.tasks import run_item_task

            if not run_item_task.huey.immediate:
                run_item_task(model._meta.label_lower, pk)
        except Exception:
            logger.warning("could not nudge %s %s; the sweep will", model, pk, exc_info=True)


def _mark_batch_done(model, items: list, token: str, outcomes: dict) -> bool:
    """Mark the rows that did not fail done: one UPDATE, unless results are kept per row.
    False if any of them was taken over meanwhile."""
    done = [i.pk for i in items if not isinstance(outcomes.get(i.pk), BaseException)]
    if not done:
        return True
    if any(f.name == "result" for f in model._meta.concrete_fields):
        return all([_mark_done(model, pk, token, outcomes.get(pk)) for pk in done])
    updated = model.objects.filter(pk__in=done, state=WorkState.RUNNING, leased_by=token).update(
        state=WorkState.DONE, finished_at=timezone.now(), lease_until=None
    )
    return updated == len(done)


def due_pks(model: type[WorkItem], *, now: datetime, limit: int) -> list:
    pending = list(
        model.objects.filter(state=WorkState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    expired = list(
        model.objects.filter(
            state=WorkState.RUNNING, lease_until__lt=now, attempts__lt=F("max_attempts")
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return pending + expired


def run_due(*, batch: int = 50, max_items: int | None = None) -> dict[str, int]:
    """Process due rows in this process, without the queue, until none is due (or max_items):
    `qlvb jobs run`, tests, and a fallback when no worker runs. Safe beside other workers."""
    counts: dict[str, int] = {}
    processed = 0
    while True:
        found = False
        for model in registry.registered_models():
            pks = due_pks(model, now=timezone.now(), limit=batch)
            # Several drainers start from the same candidates; shuffling spreads them out.
            random.shuffle(pks)
            if pks and registry.registration_for(model._meta.label_lower).batch > 1:
                pks = pks[:1]  # its batch claims the others; the next round finds what is left
            for pk in pks:
                found = True
                outcome = run_item(model._meta.label_lower, pk)
                counts[outcome] = counts.get(outcome, 0) + 1
                if outcome != "skipped":
                    processed += 1
                if max_items is not None and processed >= max_items:
                    return counts
        if not found:
            return counts


@dataclass
class SweepReport:
    nudged: list[tuple[str, object]] = field(default_factory=list)
    failed_expired: int = 0


def sweep(
    *, now: datetime | None = None, batch: int | None = None, grace_seconds: int | None = None
) -> SweepReport:
    """Find rows that are due but may have lost their nudge (pending and due for more than a
    grace period) and rows whose worker died (running, lease expired); return them to nudge.
    A row whose lease expired on its last allowed attempt is failed here: a handler that kills
    its worker every time must not loop forever."""
    now = now or timezone.now()
    batch = batch or int(getattr(settings, "QLVB_JOB_SWEEP_BATCH", 500))
    grace = (
        grace_seconds
        if grace_seconds is not None
        else int(getattr(settings, "QLVB_JOB_SWEEP_GRACE_SECONDS", 30))
    )
    report = SweepReport()
    for model in registry.registered_models():
        label = model._meta.label_lower
        report.failed_expired += model.objects.filter(
            state=WorkState.RUNNING, lease_until__lt=now, attempts__gte=F("max_attempts")
        ).update(
            state=WorkState.FAILED,
            finished_at=now,
            lease_until=None,
            last_error="Tiến trình xử lý đã dừng giữa chừng ở lần thử cuối (hết hạn giữ tác vụ).",
        )
        cutoff = now - timedelta(seconds=grace)
        pending = model.objects.filter(
            state=WorkState.PENDING, next_attempt_at__lte=cutoff
        ).order_by("next_attempt_at")
        report.nudged += [(label, pk) for pk in pending.values_list("pk", flat=True)[:batch]]
        expired = model.objects.filter(state=WorkState.RUNNING, lease_until__lt=now).order_by(
            "lease_until"
        )
        report.nudged += [(label, pk) for pk in expired.values_list("pk", flat=True)[:batch]]
    return report
