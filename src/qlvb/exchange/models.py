"""Liên thông văn bản: the systems this installation exchanges edXML with, the packages on
their way out (outbox) and what came in (inbox).

- `Peer`: another qlvb or OMS (HTTPS inbox), the national axis (VDXP) or a provincial
  platform (LGSP), with the credentials the administrator set.
- `Route`: which peer reaches an agency of the directory.
- `OutboxMessage`: one package or status message to send, a `WorkItem` written in the
  transaction that causes it (issuing, a recipient's step), sent with back-off until the peer
  acknowledges it; failed ones are listed for administrators with a retry action.
- `InboxMessage`: one package or status message received, unique on (sender, DocumentId,
  business type) for documents so a package sent twice is registered once.
"""

from __future__ import annotations

from django.db import models

from qlvb.jobs.models import WorkItem


class PeerKind(models.TextChoices):
    QLVB = "qlvb", "Hệ thống qlvb / hệ thống ngang hàng (HTTPS)"
    OMS = "oms", "Hệ thống của cơ quan Đảng (OMS)"
    VDXP = "vdxp", "Trục liên thông văn bản quốc gia (VDXP)"
    LGSP = "lgsp", "Nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (LGSP)"


class Peer(models.Model):
    name = models.CharField("tên hệ thống", max_length=200)
    kind = models.CharField("loại kết nối", max_length=10, choices=PeerKind.choices)
    base_url = models.CharField("địa chỉ", max_length=500)
    # Outbound credentials: bearer token (qlvb/OMS), system id + secret (VDXP),
    # client id + secret (LGSP OAuth2 client credentials; token_url optional).
    username = models.CharField("mã hệ thống / client id", max_length=200, blank=True)
    secret = models.CharField("mật khẩu / secret / token", max_length=500, blank=True)
    token_url = models.CharField("địa chỉ lấy token (OAuth2)", max_length=500, blank=True)
    # The token this peer presents when it posts to our inbox (SHA-256 kept, never the token).
    inbound_token_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # The certificates (PEM) whose signatures are accepted from agencies this peer serves.
    certificates = models.TextField("chứng thư số tin cậy (PEM)", blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)
    pulls = models.BooleanField("định kỳ lấy gói tin về", default=False)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_pull_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "hệ thống liên thông"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Route(models.Model):
    """The directory says which peer reaches an agency; agencies without a route go through
    the default peer (`Peer` flagged default in settings: the national axis)."""

    agency = models.OneToOneField(
        "agencies.Agency", on_delete=models.CASCADE, related_name="exchange_route"
    )
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="routes")

    class Meta:
        verbose_name = "tuyến liên thông"

    def __str__(self) -> str:
        return f"{self.agency_id} → {self.peer_id}"


class MessageKind(models.TextChoices):
    DOCUMENT = "document", "Văn bản"
    STATUS = "status", "Trạng thái"


class OutboxMessage(WorkItem):
    """Gói tin chờ gửi. The body is built (and signed) when it is sent, from the delivery or
    from `payload`, so a retry sends the same content with a fresh signature."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="exchange_outbox"
    )
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    business_doc_type = models.PositiveSmallIntegerField(default=0)
    delivery = models.ForeignKey(
        "outgoing.Delivery",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exchange_messages",
    )
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT)
    recipient_code = models.CharField("mã cơ quan nhận", max_length=50, db_index=True)
    document_id = models.CharField(max_length=300, db_index=True)
    status_code = models.CharField(max_length=2, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    acknowledged_at = models.DateTimeField("được xác nhận lúc", null=True, blank=True)
    remote_reference = models.CharField(max_length=200, blank=True)

    class Meta(WorkItem.Meta):
        verbose_name = "gói tin gửi đi"
        verbose_name_plural = "gói tin gửi đi"
        ordering = ["-id"]
        indexes = [
            *WorkItem.Meta.indexes,
            models.Index(fields=["agency", "state", "-id"], name="exchange_outbox_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.document_id} → {self.recipient_code}"


class InboxState(models.TextChoices):
    ACCEPTED = "accepted", "Đã nhận vào hàng chờ tiếp nhận"
    APPLIED = "applied", "Đã cập nhật trạng thái"
    REJECTED = "rejected", "Từ chối (đã báo 02)"
    IGNORED = "ignored", "Bỏ qua (trạng thái cũ hơn)"


class InboxMessage(models.Model):
    """Gói tin nhận được, kept with its outcome for the Liên thông inbox page."""

    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchange_inbox",
    )
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    sender_code = models.CharField("mã cơ quan gửi", max_length=50)
    sender_name = models.CharField("cơ quan gửi", max_length=250, blank=True)
    document_id = models.CharField(max_length=300)
    business_doc_type = models.PositiveSmallIntegerField(default=0)
    status_code = models.CharField(max_length=2, blank=True)
    status_timestamp = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=InboxState.choices)
    reason = models.TextField("lý do", blank=True)
    warnings = models.JSONField(default=list, blank=True)
    signature_valid = models.BooleanField(default=False)
    signer = models.CharField(max_length=300, blank=True)
    incoming = models.ForeignKey(
        "incoming.IncomingDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "gói tin nhận được"
        verbose_name_plural = "gói tin nhận được"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "sender_code", "document_id", "business_doc_type"],
                condition=models.Q(kind="document", state="accepted"),
                name="exchange_inbox_document_once",
            )
        ]
        indexes = [
            models.Index(fields=["agency", "-id"], name="exchange_inbox_agency"),
            # A status's duplicate check, its package's sender found for status back: by
            # DocumentId, not a scan of everything received.
            models.Index(fields=["document_id", "sender_code"], name="exchange_inbox_document"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_code} {self.document_id}"


class SpooledPackage(WorkItem):
    """Gói tin đã đến, chờ vào hàng tiếp nhận. The inbox answers a peer once the package is
    parsed, checked (recipient, signature) and stored here durably (file and row, one commit);
    workers register spooled packages several to a transaction. Registration is idempotent on
    (sender, DocumentId), so a row run twice after a crash registers its package once."""

    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.SET_NULL)
    # The (first) agency of this installation it is addressed to: whose Liên thông inbox shows it.
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField(max_length=500)
    sender_code = models.CharField(max_length=50)
    document_id = models.CharField(max_length=300)
    business_doc_type = models.PositiveSmallIntegerField(default=0)
    subject = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField(default=0)

    class Meta(WorkItem.Meta):
        verbose_name = "gói tin chờ vào hàng tiếp nhận"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sender_code} {self.document_id}"
