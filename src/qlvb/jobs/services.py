"""Changes to background work: enqueueing, submitting generic jobs, retrying failed work.

Typical use in another app's service, inside its one transaction:

    with transaction.atomic():
        delivery = Delivery.objects.create(...)
        enqueue(delivery)          # the nudge leaves only if the transaction commits
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from qlvb.audit.services import audit_record
from qlvb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qlvb.jobs import registry, selectors
from qlvb.jobs.models import Job, WorkItem, WorkState

logger = logging.getLogger("qlvb.jobs")


def _send_nudges(pairs: list[tuple[str, object]]) -> None:
    from qlvb.jobs.tasks import run_item_task

    for label, pk in pairs:
        try:
            run_item_task(label, pk)
        except Exception:
            # The row is committed; the sweep will nudge it again. Never fail the request.
            logger.warning("could not enqueue %s %s; the sweep will", label, pk, exc_info=True)


def enqueue_many(items: Iterable[WorkItem]) -> None:
    """Nudge the queue for these rows once the current transaction commits (nothing is sent if
    it rolls back). Outside a transaction the nudge is sent at once. Rows of a batch handler
    get one nudge per batch: its run claims the rest (and nudges again if more are due)."""
    pairs = []
    by_label: dict[str, list] = {}
    for item in items:
        label = item._meta.label_lower
        if item.pk is None:
            raise ValueError("enqueue() needs a saved row")
        by_label.setdefault(label, []).append(item.pk)
    for label, pks in by_label.items():
        batch = registry.registration_for(label).batch  # fails loudly, before commit
        pairs += [(label, pk) for pk in pks[::batch]]
    if pairs:
        transaction.on_commit(partial(_send_nudges, pairs))


def enqueue(item: WorkItem) -> None:
    enqueue_many([item])


def _check_json(payload) -> dict:
    if not isinstance(payload, dict):
        raise ValidationFailed(
            "Dữ liệu của tác vụ phải là một đối tượng JSON.",
            errors={"payload": ["Phải là một đối tượng JSON."]},
        )
    try:
        return json.loads(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            "Dữ liệu của tác vụ không chuyển được sang JSON.", errors={"payload": [str(exc)]}
        ) from exc


def job_submit(*, actor, kind: str, payload: dict | None = None, agency=None) -> Job:
    """Create a generic job and enqueue it. Whether `actor` may start this kind of work is the
    calling service's decision (e.g. the directory import checks for an administrator); here
    only the agency is checked: a person submits jobs for their own agency unless they are the
    installation's administrator. `actor=None` is the system (a command, another job)."""
    if registry.job_registration(kind) is None:
        raise ValidationFailed(
            f"Loại tác vụ “{kind}” không tồn tại.", errors={"kind": ["Loại tác vụ không tồn tại."]}
        )
    data = _check_json(payload or {})
    agency_id = getattr(agency, "pk", agency)
    if (
        actor is not None
        and agency_id is not None
        and not actor.is_superuser
        and actor.agency_id != agency_id
    ):
        raise PermissionDenied("Không thể tạo tác vụ cho cơ quan khác.")
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            payload=data,
            agency_id=agency_id,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="job.submit",
            obj=job,
            agency_id=agency_id,
            details={"kind": kind},
        )
        enqueue(job)
    return job


def work_item_retry(*, actor, label: str, pk) -> WorkItem:
    """Thử lại: put a failed or stuck row back in the queue with a fresh set of attempts.
    `actor=None` is the machine's operator (`qlvb jobs retry`)."""
    if actor is None:
        if not registry.is_registered(label):
            raise NotFound("Không tìm thấy loại tác vụ này.")
        item = registry.registration_for(label).model.objects.filter(pk=pk).first()
        if item is None:
            raise NotFound("Không tìm thấy tác vụ.")
    else:
        item = selectors.work_item_get(viewer=actor, label=label, pk=pk)
    model = type(item)
    now = timezone.now()
    if item.state == WorkState.DONE:
        raise Conflict("Tác vụ đã hoàn thành, không cần chạy lại.")
    if item.state == WorkState.RUNNING and not item.is_stuck:
        raise Conflict("Tác vụ đang được xử lý.")
    with transaction.atomic():
        # Conditional on the state we looked at: a worker finishing it meanwhile wins.
        updated = model.objects.filter(pk=item.pk, state=item.state, attempts=item.attempts).update(
            state=WorkState.PENDING,
            attempts=0,
            next_attempt_at=now,
            lease_until=None,
            finished_at=None,
        )
        if not updated:
            raise Conflict("Tác vụ vừa thay đổi trạng thái; hãy tải lại trang.")
        audit_record(
            actor=actor,
            action="job.retry",
            obj=item,
            agency_id=getattr(item, "agency_id", None),
            details={
                "label": model._meta.label_lower,
                "previous_state": item.state,
                "attempts": item.attempts,
                "last_error": (item.last_error or "")[:500],
            },
        )
        enqueue(item)
    item.refresh_from_db()
    return item
