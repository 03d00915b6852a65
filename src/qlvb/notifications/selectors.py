"""Reads of the notifications app, scoped to the viewer: one's own notifications; messages of
one's agency for its administrators (all for the installation's administrator)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qlvb.agencies.models import Role
from qlvb.jobs.models import WorkState
from qlvb.notifications.models import AgencyDefault, Message, Notification, Preference


def notifications_for(*, viewer, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=viewer.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-id")


def unread_count(*, viewer) -> int:
    return Notification.objects.filter(recipient_id=viewer.pk, read_at__isnull=True).count()


def can_see_messages(viewer) -> bool:
    return bool(
        getattr(viewer, "is_authenticated", False)
        and (viewer.is_superuser or viewer.has_role(Role.ADMIN))
    )


def messages_for_admin(*, viewer, state: str | None = None) -> QuerySet[Message]:
    """E-mails and SMS of the administrator's agency; `state="attention"`: failed, or retried
    (attempts > 1) and still pending."""
    if not can_see_messages(viewer):
        return Message.objects.none()
    qs = Message.objects.select_related("recipient", "agency")
    if not viewer.is_superuser:
        qs = qs.filter(agency_id=viewer.agency_id)
    if state == "attention":
        qs = qs.filter(Q(state=WorkState.FAILED) | Q(state=WorkState.PENDING, attempts__gte=1))
    elif state:
        qs = qs.filter(state=state)
    return qs.order_by("-id")


def preference_matrix(*, viewer) -> dict[str, bool]:
    from qlvb.notifications.preferences import Resolver

    resolver = Resolver([viewer])
    from qlvb.notifications.models import Event
    from qlvb.notifications.preferences import CONFIGURABLE

    return {f"{e}:{c}": resolver.enabled(viewer, e, c) for e in Event.values for c in CONFIGURABLE}


def agency_matrix(*, agency) -> dict[str, bool | None]:
    from qlvb.notifications.models import Event
    from qlvb.notifications.preferences import BUILT_IN, CONFIGURABLE

    set_ = {(d.event, d.channel): d.enabled for d in AgencyDefault.objects.filter(agency=agency)}
    return {
        f"{e}:{c}": set_.get((e, c), c in BUILT_IN.get(e, set()))
        for e in Event.values
        for c in CONFIGURABLE
    }


def own_choices(*, viewer) -> dict[str, bool]:
    return {
        f"{p.event}:{p.channel}": p.enabled for p in Preference.objects.filter(person_id=viewer.pk)
    }
