"""The incoming app's edXML status signal, sent inside the changing transaction, becomes
domain events here: 01 arrived (delivered to an agency), 02 rejected (the sender's outgoing
document), 04 assigned (the direction is given). No edit of the incoming app is needed."""

from __future__ import annotations

from django.dispatch import receiver

from qlvb.incoming.signals import status_changed
from qlvb.notifications.events import emit


@receiver(status_changed, dispatch_uid="notifications.status")
def on_status(sender, incomings, status_code, actor=None, text="", **kw):
    if status_code == "01":
        emit("incoming.delivered", incomings=incomings)
    elif status_code == "04":
        for incoming in incomings:
            emit("incoming.directed", incoming=incoming, actor=actor)
    elif status_code == "02":
        for incoming in incomings:
            _rejected(incoming, text)


def _rejected(incoming, text: str) -> None:
    reference = incoming.origin_reference or ""
    if reference.startswith("delivery:") and reference[9:].isdigit():
        from qlvb.outgoing.models import Delivery

        delivery = Delivery.objects.filter(pk=int(reference[9:])).first()
        if delivery is not None and delivery.recipient_agency_id == incoming.agency_id:
            emit("outgoing.rejected", delivery=delivery, reason=text)
