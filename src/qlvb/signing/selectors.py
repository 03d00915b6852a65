"""Reads for signatures, scoped to the viewer: a file's check is visible when the file is."""

from __future__ import annotations

from qlvb.core.errors import NotFound
from qlvb.documents.models import Attachment
from qlvb.jobs.models import WorkState
from qlvb.signing.models import (
    PdfVerification,
    PersonKey,
    SignatureImage,
    TrustAnchor,
    VerificationRequest,
)


def attachment_visible(*, viewer, pk: int) -> Attachment:
    from qlvb.incoming.selectors import incoming_visible
    from qlvb.outgoing.selectors import outgoing_visible

    attachment = Attachment.objects.select_related("blob", "document").filter(pk=pk).first()
    if attachment is not None:
        doc = attachment.document_id
        if (
            incoming_visible(viewer=viewer).filter(document_id=doc).exists()
            or outgoing_visible(viewer=viewer).filter(document_id=doc).exists()
        ):
            return attachment
    raise NotFound("Không tìm thấy tệp.")


def check_for(attachment: Attachment) -> PdfVerification | None:
    """The stored check; a PDF stored before this app existed is checked on first read."""
    check = PdfVerification.objects.filter(attachment=attachment).first()
    if check is None and attachment.content_type == "application/pdf":
        from qlvb.signing.services import record_verification

        check = record_verification(attachment)
    return check


def stored_check(attachment: Attachment) -> PdfVerification | None:
    """The check kept for a file; a PDF with no check and no pending request (stored before
    this app, or in bulk) is checked now."""
    check = PdfVerification.objects.filter(attachment=attachment).first()
    if (
        check is None
        and not VerificationRequest.objects.filter(
            attachment=attachment, state__in=(WorkState.PENDING, WorkState.RUNNING)
        ).exists()
    ):
        return check_for(attachment)
    return check


FileCheck = tuple[Attachment, PdfVerification | None]


def checks_for_documents(document_ids) -> dict[int, list[FileCheck]]:
    """The PDFs of each document with their check (None while it is pending), for the
    reception queue: one query."""
    out: dict[int, list[FileCheck]] = {}
    pdfs = (
        Attachment.objects.filter(
            document_id__in=list(document_ids), content_type="application/pdf"
        )
        .select_related("signature_check")
        .order_by("document_id", "position", "pk")
    )
    for attachment in pdfs:
        check = getattr(attachment, "signature_check", None)
        out.setdefault(attachment.document_id, []).append((attachment, check))
    return out


def trust_anchors():
    return TrustAnchor.objects.order_by("kind", "name")


def signing_readiness(*, person, outgoing) -> dict:
    """What the signer's card on the outgoing page needs: the main PDF of the current version,
    whether the person's name is found on it (else they place the signature by hand), their
    server-held key and signature image."""
    from qlvb.documents import storage
    from qlvb.outgoing.models import VersionFileKind
    from qlvb.outgoing.services import current_version, version_files
    from qlvb.signing import engine

    image = SignatureImage.objects.filter(person=person).first()
    ratio = (image.width / max(1, image.height)) if image else 2.5
    out = {
        "main": None,
        "name_found": False,
        "has_key": PersonKey.objects.filter(person=person).exists(),
        "has_image": image is not None,
        "ratio": round(ratio, 4),
    }
    version = current_version(outgoing)
    files = version_files(version) if version else []
    main = next((f for f in files if f.kind == VersionFileKind.MAIN), None)
    if main is None or main.attachment.content_type != "application/pdf":
        return out
    pdf = b"".join(storage.open_verified(main.attachment.blob))
    position = person.position.name if person.position_id else ""
    box = engine.locate_signer_block(
        pdf, name=person.full_name, position=position, image_ratio=ratio
    )
    out.update(main=main.attachment, name_found=box is not None)
    return out


def signature_summaries(document_ids) -> dict[int, list[dict]]:
    """The reception queue of the API: per document, each PDF's check in brief (status
    `pending` while the check has not run)."""

    def brief(attachment, check) -> dict:
        result = check.result if check else {}
        return {
            "attachment_id": attachment.pk,
            "name": attachment.original_name,
            "status": check.status if check else "pending",
            "label": check.label if check else "Đang kiểm tra chữ ký số",
            "signers": [s.get("signer", "") for s in result.get("signatures", [])],
            "reasons": result.get("reasons", []),
        }

    return {
        doc: [brief(attachment, check) for attachment, check in items]
        for doc, items in checks_for_documents(document_ids).items()
    }
