"""The product's navigation: every signed-in page shows the same sections, the current one
highlighted. Sections not built yet lead to a placeholder page, never to a 404.

Each section lists URL names, best first: the feature app's page once it exists (add its name in
front when the app lands), then the web shell's placeholder under /dang-xay-dung/."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    icon: str
    url_names: tuple[str, ...]
    admin_only: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("incoming", _("Incoming documents"), "bi-inbox", ("incoming:list", "web:incoming")),
    Section("outgoing", _("Outgoing documents"), "bi-send", ("outgoing:list", "web:outgoing")),
    Section(
        "exchange", _("Interconnection"), "bi-arrow-left-right", ("exchange:list", "web:exchange")
    ),
    Section(
        "tasks",
        _("Tasks"),
        "bi-list-check",
        ("directives:tracking", "directives:list", "web:tasks"),
    ),
    Section("reports", _("Reports"), "bi-bar-chart", ("reports:index", "web:reports")),
    Section("search", _("Search"), "bi-search", ("search:index", "web:search")),
    Section("directory", _("Directory"), "bi-buildings", ("agencies:list",)),
    Section("admin", _("Administration"), "bi-gear", ("web:admin",), admin_only=True),
)


def is_administrator(user) -> bool:
    """Quản trị: the installation's administrator or an agency administrator."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.has_role("admin"))


def _url(names: tuple[str, ...] | str) -> str | None:
    for name in (names,) if isinstance(names, str) else names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "is_administrator": False}
    admin = is_administrator(user)
    path = request.path
    items = []
    for section in SECTIONS:
        if section.admin_only and not admin:
            continue
        url = _url(section.url_names)
        if url is None:
            continue
        # Active on its own pages and below: /quan-tri/tac-vu/ highlights Quản trị.
        items.append(
            {
                "key": section.key,
                "label": section.label,
                "icon": section.icon,
                "url": url,
                "active": url != "/" and path.startswith(url),
                "count": _waiting_count(section.key, user),
            }
        )
    return {"nav_sections": items, "is_administrator": admin}


def _waiting_count(key: str, user) -> int | None:
    """What waits for this person in a section: for Văn bản đến, documents to receive, to
    direct and assigned to them (the same figures as the tabs of the list)."""
    if key != "incoming" or user.agency_id is None:
        return None
    from qlvb.incoming.selectors import NAV_BOXES, incoming_nav_counts

    counts = incoming_nav_counts(viewer=user)
    return sum(counts[box] for box in NAV_BOXES) or None
