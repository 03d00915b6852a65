"""Reads of the exchange app, scoped to the viewer's agency."""

from __future__ import annotations

from django.db.models import Q

from qlvb.documents.models import Document
from qlvb.exchange.mapping import split_document_id
from qlvb.exchange.models import InboxMessage, OutboxMessage, SpooledPackage
from qlvb.jobs.models import WorkState


def document_by_edxml_id(document_id: str) -> Document | None:
    """The document an edXML DocumentId names: issued by that agency (or imported with it as
    issuing organ), on that date, with that number and notation. Outgoing documents first."""
    organ, day, number, notation = split_document_id(document_id)
    if not organ or day is None:
        return None
    return (
        Document.objects.filter(
            Q(organ__code=organ) | Q(organ__isnull=True, agency__code=organ),
            issued_date=day,
            code_number=number,
            code_notation=notation,
        )
        .select_related("agency", "organ", "document_type")
        .order_by("outgoing", "pk")
        .first()
    )


def outbox_for(viewer, *, failed_only: bool = False):
    rows = OutboxMessage.objects.filter(agency_id=viewer.agency_id).select_related("peer")
    if failed_only:
        rows = rows.filter(state="failed")
    return rows.order_by("-id")


def inbox_for(viewer):
    return InboxMessage.objects.filter(agency_id=viewer.agency_id).order_by("-id")


def spooled_for(viewer):
    """Packages for the viewer's agency that arrived and wait for a worker to register them
    (or for their retry after a failure)."""
    return (
        SpooledPackage.objects.filter(agency_id=viewer.agency_id)
        .exclude(state=WorkState.DONE)
        .order_by("id")
    )
