"""Background work of the signing app: checking the signatures of a PDF that arrived."""

from __future__ import annotations

from qlvb.documents.models import Attachment
from qlvb.jobs.registry import work_handler
from qlvb.signing import services
from qlvb.signing.models import PdfVerification, VerificationRequest


@work_handler(VerificationRequest)
def verify_arrived(request: VerificationRequest):
    """Idempotent: a file already checked (a signed version checked as it was made, or a run
    that died after the check) is not checked again."""
    if PdfVerification.objects.filter(attachment_id=request.attachment_id).exists():
        return
    attachment = Attachment.objects.select_related("blob").filter(pk=request.attachment_id).first()
    if attachment is not None:
        services.record_verification(attachment)
