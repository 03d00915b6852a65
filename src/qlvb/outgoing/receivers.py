"""The recipient's steps come back to the sender's delivery, in the recipient's transaction
(`qlvb.incoming.signals.status_changed`), so the two sides never disagree."""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.dispatch import receiver

from qlvb.incoming.models import IncomingDocument
from qlvb.incoming.signals import status_changed
from qlvb.outgoing.models import Delivery, DeliveryStatus

PREFIX = "delivery:"
# Once a recall is under way the tracking shows the recall's progress, not the handling's.
RECALL_STATUSES = {
    DeliveryStatus.WITHDRAWN,
    DeliveryStatus.RECALL_REQUESTED,
    DeliveryStatus.RECALL_AGREED,
    DeliveryStatus.RECALL_REFUSED,
}
TIME_FIELD = {
    "01": "delivered_at",
    "02": "rejected_at",
    "03": "accepted_at",
    "04": "assigned_at",
    "05": "in_progress_at",
    "06": "done_at",
    "15": "recall_answered_at",
    "16": "recall_answered_at",
}


def _delivery_pk(incoming) -> int | None:
    reference = incoming.origin_reference or ""
    if not reference.startswith(PREFIX) or not reference[len(PREFIX) :].isdigit():
        return None
    return int(reference[len(PREFIX) :])


@receiver(status_changed, dispatch_uid="outgoing.delivery_status")
def mirror_status(sender, incomings, status_code, actor=None, occurred_at=None, text="", **kw):
    by_delivery = {pk: i for i in incomings if (pk := _delivery_pk(i)) is not None}
    if not by_delivery:
        return
    if status_code == "01" and actor is None and not text:
        _arrived(by_delivery, occurred_at)
        return
    for delivery in Delivery.objects.select_for_update().filter(pk__in=by_delivery).order_by("pk"):
        incoming = by_delivery[delivery.pk]
        if delivery.recipient_agency_id == incoming.agency_id:
            fields = _apply(delivery, incoming, status_code, actor, occurred_at, text)
            delivery.save(update_fields=sorted(fields))


def _arrived(by_delivery: dict, occurred_at) -> None:
    """Status 01 for many copies at once (a document issued to the whole province arrives in
    220 queues together): one UPDATE doing what `_apply` does for 01, each delivery pointed to
    its recipient's copy by the copy's origin reference."""
    copy = IncomingDocument.objects.filter(
        agency_id=OuterRef("recipient_agency_id"),
        origin_reference=Concat(Value(PREFIX), Cast(OuterRef("pk"), CharField())),
    ).values("pk")[:1]
    Delivery.objects.filter(pk__in=list(by_delivery)).filter(Exists(copy)).update(
        status_changed_at=occurred_at,
        acted_by=None,
        acted_by_name="",
        last_text="",
        incoming_id=Coalesce(F("incoming_id"), Subquery(copy)),
        delivered_at=Coalesce(F("delivered_at"), Value(occurred_at)),
        status=Case(
            When(status__in=RECALL_STATUSES, then=F("status")),
            default=Value(DeliveryStatus.DELIVERED),
        ),
    )


def _apply(delivery, incoming, status_code, actor, occurred_at, text) -> set[str]:
    """Set the delivery's fields for this step of the recipient; the names of those set."""
    fields = {"status_changed_at", "acted_by", "acted_by_name", "last_text"}
    delivery.status_changed_at = occurred_at
    delivery.acted_by = actor
    delivery.acted_by_name = actor.full_name if actor else ""
    delivery.last_text = (text or "")[:1000]
    if status_code == "01" and delivery.incoming_id is None:
        delivery.incoming = incoming
        fields.add("incoming")
    time_field = TIME_FIELD.get(status_code)
    if time_field and (getattr(delivery, time_field) is None or status_code in ("05", "06")):
        setattr(delivery, time_field, occurred_at)
        fields.add(time_field)
    if status_code == "02":
        delivery.rejected_reason = (text or "")[:1000]
        fields.add("rejected_reason")
    if status_code == "15":
        delivery.withdrawn_at = occurred_at
        fields.add("withdrawn_at")
    recall_answer = status_code in ("15", "16")
    if status_code in DeliveryStatus.values and (
        recall_answer or delivery.status not in RECALL_STATUSES
    ):
        delivery.status = status_code
        fields.add("status")
    if status_code == "05" and delivery.done_at is not None:  # reopened
        delivery.done_at = None
        fields.add("done_at")
    return fields
