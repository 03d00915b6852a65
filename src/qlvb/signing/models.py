"""Chữ ký số: trust anchors the administrator imports (roots and CRLs are data, not code),
people's signature images and server-held keys, agency credentials (PKCS#12 encrypted at rest
or a PKCS#11 token), interrupted signing sessions, and the verification result of each PDF."""

from __future__ import annotations

import uuid

from django.db import models

from qlvb.jobs.models import WorkItem


class AnchorKind(models.TextChoices):
    ROOT = "root", "Chứng thư số gốc tin cậy"
    CRL = "crl", "Danh sách chứng thư số bị thu hồi (CRL)"


class TrustAnchor(models.Model):
    kind = models.CharField(max_length=10, choices=AnchorKind.choices)
    name = models.CharField("tên", max_length=300)
    der = models.BinaryField()
    sha256 = models.CharField(max_length=64, unique=True)
    not_after = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    imported_by = models.ForeignKey(
        "agencies.Person", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "chứng thư số tin cậy"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class SignatureImage(models.Model):
    """Ảnh chữ ký (blue, transparent PNG) of one person, on their profile."""

    person = models.OneToOneField(
        "agencies.Person", on_delete=models.CASCADE, related_name="signature_image"
    )
    png = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ảnh chữ ký"

    def __str__(self) -> str:
        return f"{self.person} — ảnh chữ ký"


class PersonKey(models.Model):
    """A person's key held by the server (deployments that choose it): the PKCS#12 file,
    encrypted again at rest; its passphrase is the person's PIN, never stored."""

    person = models.OneToOneField(
        "agencies.Person", on_delete=models.CASCADE, related_name="signing_key"
    )
    pkcs12_sealed = models.BinaryField()
    cert_der = models.BinaryField()
    subject = models.CharField(max_length=300)
    not_after = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "khóa ký số của cán bộ (lưu trên máy chủ)"

    def __str__(self) -> str:
        return self.subject


class CredentialKind(models.TextChoices):
    PKCS12 = "pkcs12", "Tệp PKCS#12 (mã hóa khi lưu)"
    PKCS11 = "pkcs11", "Thiết bị PKCS#11 (token/HSM)"


class AgencyCredential(models.Model):
    """The agency's signing credential (chữ ký số của cơ quan) and its seal image."""

    agency = models.OneToOneField(
        "agencies.Agency", on_delete=models.CASCADE, related_name="signing_credential"
    )
    kind = models.CharField(max_length=10, choices=CredentialKind.choices)
    pkcs12_sealed = models.BinaryField(null=True, blank=True)
    secret_sealed = models.BinaryField()  # the PKCS#12 passphrase or the token PIN, sealed
    pkcs11_module = models.CharField(max_length=300, blank=True)
    pkcs11_token = models.CharField(max_length=100, blank=True)
    pkcs11_key_label = models.CharField(max_length=100, blank=True)
    cert_der = models.BinaryField()
    chain_der = models.JSONField(default=list)  # hex DER of the issuing certificates
    subject = models.CharField(max_length=300)
    not_after = models.DateTimeField()
    seal_png = models.BinaryField(null=True, blank=True)
    updated_by = models.ForeignKey(
        "agencies.Person", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "chứng thư số của cơ quan"

    def __str__(self) -> str:
        return self.subject


class SessionState(models.TextChoices):
    PENDING = "pending", "Chờ chữ ký từ thiết bị của người ký"
    COMPLETED = "completed", "Đã ký"
    CANCELLED = "cancelled", "Đã hủy"


class SigningSession(models.Model):
    """One interrupted signing: the document prepared here, the digest signed on the person's
    own device, the signature posted back (docs/signing-protocol.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("agencies.Person", on_delete=models.CASCADE, related_name="+")
    outgoing = models.ForeignKey(
        "outgoing.OutgoingDocument", on_delete=models.CASCADE, related_name="signing_sessions"
    )
    version_number = models.PositiveIntegerField()
    source_sha256 = models.CharField(max_length=64)
    prepared_pdf = models.BinaryField()
    digest = models.BinaryField()
    range_start = models.BigIntegerField()
    range_end = models.BigIntegerField()
    field_name = models.CharField(max_length=50)
    cert_der = models.BinaryField()
    state = models.CharField(
        max_length=20, choices=SessionState.choices, default=SessionState.PENDING
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "phiên ký số"

    def __str__(self) -> str:
        return str(self.pk)


class PdfVerification(models.Model):
    """Kết quả kiểm tra chữ ký số of one stored PDF (one blob: the same bytes check alike)."""

    attachment = models.OneToOneField(
        "documents.Attachment", on_delete=models.CASCADE, related_name="signature_check"
    )
    status = models.CharField(max_length=20)
    label = models.CharField(max_length=100)
    result = models.JSONField(default=dict)
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = "kết quả kiểm tra chữ ký số"

    def __str__(self) -> str:
        return self.label


class VerificationRequest(WorkItem):
    """Kiểm tra chữ ký số của tệp vừa đến: one PDF attachment (electronic reception, upload,
    registration) checked after commit, so the clerk sees the result before accepting."""

    attachment = models.OneToOneField(
        "documents.Attachment", on_delete=models.CASCADE, related_name="signature_request"
    )

    class Meta(WorkItem.Meta):
        verbose_name = "kiểm tra chữ ký số của tệp"

    def __str__(self) -> str:
        return f"kiểm tra chữ ký số tệp {self.attachment_id}"
