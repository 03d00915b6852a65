"""The rows of the incoming lists, rendered in Python.

A list page is mostly its 50 rows; through the template engine they were ~60 % of the page's
CPU (~0.2 ms a row: a variable lookup, a filter or a `{% url %}` each cost microseconds), which a
working morning pays on every click (docs/benchmarks.md, load test). The markup is the one
`_rows.html` had; every value is escaped here as the template escaped it."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from qlvb.documents.models import Urgency
from qlvb.signing.templatetags.signing_tags import signature_checks, summary_html

register = template.Library()

_FLASH = {Urgency.FLASH, Urgency.FLASH_TIMED}


def _row_class(urgency: str) -> str:
    if urgency in _FLASH:
        return "table-danger"
    return "" if urgency == Urgency.NORMAL else "table-warning"


@register.simple_tag
def incoming_rows(rows, box: str, now):
    """`<tr>`s of a page of incoming documents (the reception box adds the signature check)."""
    checks = signature_checks(rows) if box == "reception" else None
    # One reverse per page: the URL of document 0, cut around its id.
    head, _, tail = reverse("incoming:detail", args=[0]).rpartition("/0/")
    head, tail = head + "/", "/" + tail
    out = []
    for item in rows:
        doc = item.document
        badges = ""
        if doc.urgency != Urgency.NORMAL:
            urgency = escape(doc.get_urgency_display())
            badges += f'<span class="badge text-bg-danger me-1">{urgency}</span>'
        if doc.is_confidential:
            badges += (
                '<span class="badge text-bg-dark me-1">'
                f"{escape(doc.get_confidentiality_display())}</span>"
            )
        due_class = ""
        due = ""
        if item.due_at:
            due = timezone.localtime(item.due_at).strftime("%d/%m/%Y")
            if item.due_at < now and not item.done_at:
                due_class = "text-danger fw-semibold"
        signature = (
            f"\n  <td>{summary_html(checks.get(item.document_id, []))}</td>"
            if checks is not None
            else ""
        )
        out.append(
            f'\n<tr data-testid="incoming-row" class="{_row_class(doc.urgency)}">'
            f'\n  <td class="qlvb-code">{escape(item.arrival_number or "—")}</td>'
            f'\n  <td class="qlvb-code">{escape(doc.number_and_notation or "—")}</td>'
            f"\n  <td>{escape(doc.organ_name)}</td>"
            f'\n  <td><a href="{head}{item.pk}{tail}">{badges}{escape(doc.subject)}</a></td>'
            f'\n  <td class="{due_class}">{due}</td>'
            f'\n  <td><span class="badge text-bg-light border">'
            f"{escape(item.get_state_display())}</span></td>{signature}"
            "\n</tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
