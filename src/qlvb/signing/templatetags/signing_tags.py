"""Template tags other apps' pages use to show signature checks (the reception queue, the
incoming document page). The page that includes them has already checked the viewer may see
the document."""

from __future__ import annotations

import datetime as dt

from django import template

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


@register.inclusion_tag("signing/_summary.html")
def signature_summary(checks, document_id):
    """The compact check of a document's PDFs in a queue row."""
    return {"files": checks.get(document_id, [])}


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
