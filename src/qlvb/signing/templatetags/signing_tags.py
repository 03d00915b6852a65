"""Template tags other apps' pages use to show signature checks (the reception queue, the
incoming document page). The page that includes them has already checked the viewer may see
the document."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qlvb.signing import selectors

register = template.Library()


def _when(value: str | None):
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _view(attachment, check) -> dict:
    """What the templates show of one file's check; None check: still pending."""
    if check is None:
        return {"attachment": attachment, "status": "pending", "signatures": [], "reasons": []}
    result = check.result or {}
    signatures = [
        {**s, "signed_at": _when(s.get("signing_time")), "revocation": s.get("revocation", "")}
        for s in result.get("signatures", [])
    ]
    return {
        "attachment": attachment,
        "status": check.status,
        "signatures": signatures,
        "reasons": result.get("reasons", []),
        "checked_at": check.checked_at,
    }


@register.simple_tag
def signature_checks(rows):
    """{document id: [file check]} for a page of incoming rows, in one query."""
    by_document = selectors.checks_for_documents(r.document_id for r in rows)
    return {
        doc: [_view(attachment, check) for attachment, check in items]
        for doc, items in by_document.items()
    }


# A check's status: the badge's colour, icon and words (gettext_noop: translated when shown).
_BADGES = {
    "valid": ("text-bg-success", "bi-patch-check", gettext_noop("Valid digital signature")),
    "invalid": ("text-bg-danger", "bi-x-octagon", gettext_noop("Invalid digital signature")),
    "untrusted": (
        "text-bg-warning",
        "bi-exclamation-triangle",
        gettext_noop("Certificate not trusted"),
    ),
    "unsigned": ("text-bg-secondary", "", gettext_noop("No digital signature")),
    "corrupt": ("text-bg-danger", "", gettext_noop("Corrupt PDF, not checked")),
    "pending": ("text-bg-light border", "", gettext_noop("Checking the digital signature…")),
}


def status_html(status: str) -> str:
    """The badge of a file's check (pending for anything not yet known)."""
    css, icon, words = _BADGES.get(status, _BADGES["pending"])
    icon_html = f'<i class="bi {icon}" aria-hidden="true"></i> ' if icon else ""
    return mark_safe(f'<span class="badge {css}">{icon_html}{escape(_(words))}</span>')  # noqa: S308


def _local(value):
    return timezone.localtime(value) if timezone.is_aware(value) else value


def summary_html(files: list[dict]) -> str:
    """The compact check of a document's PDFs in a queue row, written in Python: the reception
    queue shows one per row (see incoming_tags)."""
    if not files:
        none = escape(_("No PDF file"))
        return mark_safe(f'<span class="small text-secondary">{none}</span>')  # noqa: S308
    out = []
    for f in files:
        signers = "".join(
            f'<div class="text-secondary">{escape(s.get("signer", ""))}'
            + (f", {_local(s['signed_at']).strftime('%d/%m/%Y %H:%M')}" if s["signed_at"] else "")
            + "</div>"
            for s in f["signatures"]
        )
        reasons = (
            ""
            if f["status"] == "valid"
            else "".join(
                f'<div class="text-danger" data-testid="signature-reason">{escape(r)}</div>'
                for r in f["reasons"]
            )
        )
        name = escape(f["attachment"].original_name)
        out.append(
            f'<div class="small mb-1" data-testid="signature-summary" '
            f'data-status="{escape(f["status"])}" data-file="{name}">'
            f"\n  {status_html(f['status'])}\n  {signers}\n  {reasons}\n</div>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def signature_status(status):
    return status_html(status)


@register.simple_tag
def signature_summary(checks, document_id):
    """The compact check of a document's PDFs in a queue row."""
    return summary_html(checks.get(document_id, []))


@register.inclusion_tag("signing/_check.html")
def signature_check(attachment):
    """The full check of one file on a document page (checked now when it never was)."""
    if attachment.content_type != "application/pdf":
        return {"file": None}
    check = selectors.stored_check(attachment)
    return {"file": _view(attachment, check)}


@register.inclusion_tag("signing/_sign_card.html", takes_context=True)
def digital_signing(context, outgoing):
    """The signer's digital signing on the outgoing page: PIN of the server-held key, and the
    last page (pdf.js) to click where the signature goes when the name is not found on it or
    the signer wants to choose. The page shows it only to the chosen signer of an approved
    draft."""
    person = context["request"].user
    return {
        "outgoing": outgoing,
        "csrf_token": context.get("csrf_token"),
        **selectors.signing_readiness(person=person, outgoing=outgoing),
    }
