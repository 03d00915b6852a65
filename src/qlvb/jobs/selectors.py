"""Reading work rows, scoped to what the viewer may see.

Who sees failed work: the installation's administrator (is_superuser) sees every row; an agency
administrator (role `admin`) sees the rows of their own agency, i.e. rows of models that carry an
`agency` foreign key / `agency_id` field equal to theirs. Rows of models without one are for the
installation's administrator only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from qlvb.core.errors import NotFound, PermissionDenied
from qlvb.jobs import registry
from qlvb.jobs.models import Job, WorkItem, WorkState

ALL = object()  # scope: every agency


def _is_agency_admin(viewer) -> bool:
    from qlvb.agencies.models import Role

    return bool(viewer.agency_id) and viewer.has_role(Role.ADMIN)


def can_manage_work(viewer) -> bool:
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and (viewer.is_superuser or _is_agency_admin(viewer))
    )


def work_scope(viewer):
    """ALL for the installation's administrator, else the agency id whose rows the viewer may
    manage. PermissionDenied for everyone else."""
    if not can_manage_work(viewer):
        raise PermissionDenied("Chỉ quản trị viên được xem và chạy lại tác vụ nền.")
    return ALL if viewer.is_superuser else viewer.agency_id


def has_agency(model: type[WorkItem]) -> bool:
    return any(f.attname == "agency_id" for f in model._meta.concrete_fields)


def work_item_queryset(*, viewer, model: type[WorkItem]) -> QuerySet:
    """Rows of one work model the viewer may manage (none if the model has no agency and the
    viewer is only an agency administrator)."""
    scope = work_scope(viewer)
    qs = model.objects.all()
    if scope is ALL:
        return qs
    if not has_agency(model):
        return qs.none()
    return qs.filter(agency_id=scope)


def stuck_seconds() -> int:
    return int(getattr(settings, "QLVB_JOB_STUCK_SECONDS", 900))


def attention_filter(now: datetime) -> Q:
    """Failed rows, and stuck ones: running with an expired lease (its worker died), or pending
    long past their time (no worker is running)."""
    return (
        Q(state=WorkState.FAILED)
        | Q(state=WorkState.RUNNING, lease_until__lt=now)
        | Q(state=WorkState.PENDING, next_attempt_at__lt=now - timedelta(seconds=stuck_seconds()))
    )


@dataclass
class WorkRow:
    label: str
    model_name: str
    item: WorkItem

    @property
    def pk(self):
        return self.item.pk

    @property
    def kind(self) -> str:
        return self.item.kind if isinstance(self.item, Job) else self.model_name

    @property
    def object_repr(self) -> str:
        return str(self.item)

    @property
    def agency_id(self):
        return getattr(self.item, "agency_id", None)

    @property
    def is_stuck(self) -> bool:
        return self.item.state != WorkState.FAILED

    @property
    def sort_time(self) -> datetime:
        return self.item.finished_at or self.item.lease_until or self.item.next_attempt_at


def work_item_attention_list(
    *, viewer, label: str | None = None, include_stuck: bool = True, limit: int = 200
) -> list[WorkRow]:
    """Failed (and stuck) rows across every registered work model, newest first."""
    now = timezone.now()
    condition = attention_filter(now) if include_stuck else Q(state=WorkState.FAILED)
    rows: list[WorkRow] = []
    for model in registry.registered_models():
        model_label = model._meta.label_lower
        if label and label.lower() != model_label:
            continue
        qs = work_item_queryset(viewer=viewer, model=model).filter(condition)
        if model is Job:
            qs = qs.select_related("agency", "created_by")
        for item in qs.order_by("-id")[:limit]:
            rows.append(WorkRow(model_label, str(model._meta.verbose_name), item))
    rows.sort(key=lambda r: r.sort_time, reverse=True)
    return rows[:limit]


def work_state_counts(*, viewer) -> list[dict]:
    """Per model: how many rows are pending, running, done, failed (for the overview)."""
    out = []
    for model in registry.registered_models():
        qs = work_item_queryset(viewer=viewer, model=model)
        counts = {s: 0 for s in WorkState.values}
        for row in qs.values("state").annotate(n=Count("pk")).order_by():
            counts[row["state"]] = row["n"]
        out.append(
            {
                "label": model._meta.label_lower,
                "model_name": str(model._meta.verbose_name),
                **counts,
            }
        )
    return out


def work_item_get(*, viewer, label: str, pk) -> WorkItem:
    try:
        model = registry.registration_for(label).model
    except LookupError:
        raise NotFound("Không tìm thấy loại tác vụ này.") from None
    item = work_item_queryset(viewer=viewer, model=model).filter(pk=pk).first()
    if item is None:
        raise NotFound("Không tìm thấy tác vụ.")
    return item


def job_get(*, viewer, pk) -> Job:
    """A generic job, for the person who started it or an administrator who manages it."""
    job = Job.objects.select_related("agency", "created_by").filter(pk=pk).first()
    if job is None:
        raise NotFound("Không tìm thấy tác vụ.")
    if viewer is not None and job.created_by_id == viewer.pk:
        return job
    if can_manage_work(viewer):
        scope = work_scope(viewer)
        if scope is ALL or job.agency_id == scope:
            return job
    raise NotFound("Không tìm thấy tác vụ.")
