"""Every change of the exchange app: exporting packages, receiving packages and status
messages, queueing what goes out, retrying what failed."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import tempfile

from django.db import IntegrityError, transaction
from django.utils import timezone

from qlvb.agencies.models import Agency
from qlvb.audit.services import audit_record
from qlvb.core.errors import Conflict, NotFound, PermissionDenied
from qlvb.documents import storage
from qlvb.exchange import credentials
from qlvb.exchange.edxml import EdxmlError, parse, write_message
from qlvb.exchange.edxml.dsig import make_signer, make_verifier
from qlvb.exchange.edxml.model import (
    Attachment,
    Package,
    ResponseFor,
    StaffInfo,
    StatusMessage,
    TraceHeader,
)
from qlvb.exchange.mapping import document_id_of, metadata_of, organization_of, package_of
from qlvb.exchange.models import (
    InboxMessage,
    InboxState,
    MessageKind,
    OutboxMessage,
    Peer,
    PeerKind,
    SpooledPackage,
)
from qlvb.exchange.selectors import document_by_edxml_id
from qlvb.jobs.models import WorkState
from qlvb.jobs.services import enqueue, enqueue_many


def document_attachments(document) -> list[Attachment]:
    """The files a recipient gets: the current version's delivery files for an outgoing
    document, the document's own attachments otherwise (imported documents)."""
    files = []
    outgoing = getattr(document, "outgoing", None) if hasattr(document, "outgoing") else None
    if outgoing is not None:
        from qlvb.outgoing.services import current_version, version_files

        files = [f.attachment for f in version_files(current_version(outgoing), for_delivery=True)]
    if not files:
        files = list(document.attachments.select_related("blob"))
    return [
        Attachment(
            content_id=f"cid:{index}",
            name=item.original_name,
            description="Văn bản chính" if item.role == "main" else "Phụ lục",
            content_type=item.content_type,
            size=item.size,
            sha256=item.blob.sha256,
            source=(lambda blob=item.blob: storage.open_verified(blob)),
        )
        for index, item in enumerate(files, start=1)
    ]


def _outgoing_of(document):
    try:
        return document.outgoing
    except Exception:  # RelatedObjectDoesNotExist: an imported document
        return None


def export_package(*, document_id: str, to_code: str, business_doc_type: int = 0) -> Package:
    """The package `to_code` would get for the document named by its edXML DocumentId."""
    document = document_by_edxml_id(document_id)
    if document is None:
        raise NotFound(f"Không tìm thấy văn bản có mã {document_id}.")
    recipient = Agency.objects.filter(code=to_code.strip()).first()
    if recipient is None:
        raise NotFound(f"Không có cơ quan mã {to_code} trong danh bạ.")
    sender = document.organ or document.agency
    outgoing = _outgoing_of(document)
    replaces = ""
    if outgoing is not None and outgoing.related_to_id and business_doc_type in (2, 3):
        replaces = document_id_of(outgoing.related_to.document)
    document.outgoing = outgoing
    return package_of(
        document,
        sender=sender,
        recipients=[recipient],
        attachments=document_attachments(document),
        business_doc_type=business_doc_type,
        replaces=replaces,
    )


# --- what goes out ----------------------------------------------------------------------------

log = logging.getLogger(__name__)
ORIGIN = "edxml:"  # IncomingDocument.origin_reference of what came through the exchange


def origin_reference(sender_code: str, document_id: str) -> str:
    return f"{ORIGIN}{sender_code}|{document_id}"[:200]


def peer_for(code: str) -> Peer | None:
    """The directory says which peer reaches an agency (its Route); otherwise the national
    axis, then a provincial platform."""
    from qlvb.exchange.models import Route

    route = Route.objects.filter(agency__code=code, peer__is_active=True).select_related("peer")
    route = route.first()
    if route is not None:
        return route.peer
    came_from = (
        InboxMessage.objects.filter(sender_code=code, peer__is_active=True)
        .order_by("-pk")
        .values_list("peer", flat=True)
        .first()
    )
    if came_from:
        return Peer.objects.get(pk=came_from)
    for kind in (PeerKind.VDXP, PeerKind.LGSP):
        peer = Peer.objects.filter(kind=kind, is_active=True).order_by("pk").first()
        if peer is not None:
            return peer
    return None


def queue_deliveries(*, outgoing, deliveries) -> list[OutboxMessage]:
    """In the issuing transaction: one outbox row per delivery to an agency elsewhere."""
    from qlvb.outgoing.models import DeliveryWorkState

    document_id = document_id_of(outgoing.document)
    business = {"new": 0, "update": 2, "replacement": 3}.get(outgoing.business_type, 0)
    rows = []
    for delivery in deliveries:
        if delivery.state != DeliveryWorkState.WAITING_EXCHANGE:
            continue
        code = delivery.recipient_agency.code
        rows.append(
            OutboxMessage(
                agency_id=outgoing.agency_id,
                kind=MessageKind.DOCUMENT,
                business_doc_type=business,
                delivery=delivery,
                peer=peer_for(code),
                recipient_code=code,
                document_id=document_id,
                next_attempt_at=delivery.next_attempt_at,
            )
        )
    OutboxMessage.objects.bulk_create(rows)
    if rows and rows[0].pk is None:
        rows = list(OutboxMessage.objects.filter(delivery__in=deliveries))
    enqueue_many(rows)
    return rows


def queue_recall(*, outgoing, reason: str) -> int:
    """A recall (BussinessDocType 1) to every agency elsewhere that was sent the document."""
    sent = OutboxMessage.objects.filter(
        delivery__outgoing=outgoing, kind=MessageKind.DOCUMENT, business_doc_type__in=(0, 2, 3)
    ).select_related("delivery")
    rows = []
    for message in sent:
        if message.acknowledged_at is None:
            continue  # not out yet: the send job skips recalled documents
        rows.append(
            OutboxMessage(
                agency_id=outgoing.agency_id,
                kind=MessageKind.DOCUMENT,
                business_doc_type=1,
                delivery=message.delivery,
                peer=message.peer,
                recipient_code=message.recipient_code,
                document_id=message.document_id,
                payload={"reason": reason},
            )
        )
    OutboxMessage.objects.bulk_create(rows)
    enqueue_many(OutboxMessage.objects.filter(delivery__outgoing=outgoing, business_doc_type=1))
    return len(rows)


def queue_status(*, incoming, status_code: str, actor=None, occurred_at=None, text="") -> None:
    """A step of the recipient (01..06, 15, 16) travels back to the sender's system."""
    reference = incoming.origin_reference or ""
    if not reference.startswith(ORIGIN):
        return
    sender_code, _, document_id = reference[len(ORIGIN) :].partition("|")
    document_id = re.sub(r"#[23]$", "", document_id)  # an update / replacement's reference
    inbox = (
        InboxMessage.objects.filter(
            agency_id=incoming.agency_id,
            kind=MessageKind.DOCUMENT,
            sender_code=sender_code[:50],
            document_id=document_id[:300],
        )
        .exclude(peer=None)
        .select_related("peer")
        .order_by("-pk")
        .first()
    )
    when = timezone.localtime(occurred_at or timezone.now())
    message = OutboxMessage.objects.create(
        agency_id=incoming.agency_id,
        kind=MessageKind.STATUS,
        peer=(inbox.peer if inbox and inbox.peer_id else None) or peer_for(sender_code),
        recipient_code=sender_code,
        document_id=document_id,
        status_code=status_code,
        payload={
            "description": text or "",
            "timestamp": when.strftime("%Y/%m/%d %H:%M:%S"),
            "staff": getattr(actor, "full_name", "") if actor else "",
            "department": getattr(getattr(actor, "department", None), "name", "") if actor else "",
            "email": getattr(actor, "email", "") if actor else "",
        },
    )
    enqueue(message)


_SIGNERS: dict[tuple, object] = {}


def _signer_for(agency):
    found = credentials.agency_signing_key(agency)
    if not found:
        from qlvb.jobs.runner import PermanentError

        raise PermanentError(
            f"Cơ quan {agency.code} chưa có khóa và chứng thư số để ký gói tin liên thông."
        )
    # A worker signs many packages with the same key: load it once (keyed by the PEM itself,
    # so a replaced key is picked up at once).
    if found not in _SIGNERS:
        if len(_SIGNERS) > 64:
            _SIGNERS.clear()
        _SIGNERS[found] = make_signer(*found)
    return _SIGNERS[found]


def build_outbox_message(message: OutboxMessage):
    """The edXML message of an outbox row (built at send time, signed by the caller)."""
    agency = message.agency
    if message.kind == MessageKind.STATUS:
        from qlvb.exchange.mapping import split_document_id

        organ, day, number, notation = split_document_id(message.document_id)
        payload = message.payload or {}
        stamp = dt.datetime.strptime(payload["timestamp"], "%Y/%m/%d %H:%M:%S")
        return StatusMessage(
            sender=organization_of(agency),
            response_for=ResponseFor(
                organ_id=organ,
                code=f"{number}/{notation}" if notation else number,
                promulgation_date=day,
                document_id=message.document_id,
            ),
            staff_info=StaffInfo(
                department=payload.get("department", ""),
                staff=payload.get("staff", ""),
                email=payload.get("email", ""),
            ),
            status_code=message.status_code,
            description=payload.get("description", ""),
            timestamp=stamp,
            traces=[TraceHeader(organ_id=agency.code, timestamp=stamp)],
        )
    delivery = message.delivery
    outgoing = delivery.outgoing
    document = outgoing.document
    document.outgoing = outgoing
    replaces = ""
    if outgoing.related_to_id and message.business_doc_type in (2, 3):
        replaces = document_id_of(outgoing.related_to.document)
    return package_of(
        document,
        sender=agency,
        recipients=[delivery.recipient_agency],
        attachments=[] if message.business_doc_type == 1 else document_attachments(document),
        business_doc_type=message.business_doc_type,
        reason=(message.payload or {}).get("reason", "")
        or (outgoing.recall_reason if message.business_doc_type == 1 else ""),
        replaces=replaces,
        paper=1 if delivery.recipient.medium == "electronic_paper" else 0,
    )


def send_outbox_message(message: OutboxMessage) -> dict:
    """The work of one outbox row: build, sign, hand to the peer's transport; idempotent
    because the receiver is (a package sent twice is registered once)."""
    from qlvb.exchange.transports import transport_for
    from qlvb.exchange.transports.base import PeerRejected
    from qlvb.jobs.runner import PermanentError
    from qlvb.outgoing.models import DeliveryWorkState, OutgoingState

    message = OutboxMessage.objects.select_related(
        "agency", "peer", "delivery__outgoing__document", "delivery__recipient_agency"
    ).get(pk=message.pk)
    if message.acknowledged_at is not None:
        return {"already": "acknowledged"}
    if (
        message.kind == MessageKind.DOCUMENT
        and message.business_doc_type != 1
        and message.delivery.outgoing.state == OutgoingState.RECALLED
    ):
        OutboxMessage.objects.filter(pk=message.pk).update(acknowledged_at=None)
        return {"skipped": "recalled"}
    if message.peer_id is None:
        peer = peer_for(message.recipient_code)
        if peer is None:
            raise PermanentError(
                f"Không có hệ thống liên thông nào tới cơ quan {message.recipient_code}."
            )
        OutboxMessage.objects.filter(pk=message.pk).update(peer=peer)
        message.peer = peer
    edxml = build_outbox_message(message)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as body:
        write_message(body, edxml, signer=_signer_for(message.agency))
        body.seek(0)
        data = body.read()
    try:
        remote = transport_for(message.peer).send(
            data,
            kind=message.kind,
            recipient_code=message.recipient_code,
            document_id=message.document_id,
        )
    except PeerRejected as exc:
        raise PermanentError(f"Hệ thống nhận từ chối: {exc}") from None
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        acknowledged_at=now, remote_reference=(remote or "")[:200]
    )
    if message.kind == MessageKind.DOCUMENT and message.business_doc_type != 1:
        from qlvb.outgoing.models import Delivery

        Delivery.objects.filter(
            pk=message.delivery_id, state=DeliveryWorkState.WAITING_EXCHANGE
        ).update(state=DeliveryWorkState.DONE, finished_at=now)
    return {"sent": message.peer.name, "remote": remote}


def outbox_retry(*, actor, message: OutboxMessage) -> OutboxMessage:
    """Gửi lại: an administrator of the sending agency puts a failed package back in line."""
    from qlvb.agencies.services import is_agency_admin

    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if not is_agency_admin(actor, message.agency_id):
            raise PermissionDenied("Chỉ quản trị của cơ quan được gửi lại gói tin.")
        if message.state != "failed":
            raise Conflict("Gói tin này không ở trạng thái gửi lỗi.")
        message.state = "pending"
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.save(update_fields=["state", "attempts", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="exchange.outbox_retry",
            obj=message,
            details={"document_id": message.document_id, "error": message.last_error[:500]},
        )
        enqueue(message)
    return message


# --- what comes in ----------------------------------------------------------------------------

_SALVAGE_FROM = re.compile(
    rb"<(?:[\w.-]+:)?From\b[^>]*>.*?<(?:[\w.-]+:)?OrganId\b[^>]*>\s*([^<\s]{1,50})\s*<", re.S
)
_SALVAGE_ID = re.compile(rb"<(?:[\w.-]+:)?DocumentId\b[^>]*>\s*([^<]{1,300}?)\s*<")


def _salvage(head: bytes) -> tuple[str, str]:
    """Sender and DocumentId read from a package the parser refused, so that status 02 can
    still reach the sender (only plain, short values are taken)."""
    sender = _SALVAGE_FROM.search(head)
    doc = _SALVAGE_ID.search(head)
    return (
        sender.group(1).decode("utf-8", "replace") if sender else "",
        doc.group(1).decode("utf-8", "replace") if doc else "",
    )


def _reply_rejected(*, agency, sender_code: str, document_id: str, reason: str, peer) -> None:
    """Status 02 with the reason, from the addressed agency (or any agency of this
    installation when none could be read), when the sender can be addressed."""
    from qlvb.agencies.models import Agency

    if not sender_code or not document_id:
        return
    agency = agency or Agency.objects.filter(on_installation=True).order_by("pk").first()
    if agency is None:
        return
    stamp = timezone.localtime().strftime("%Y/%m/%d %H:%M:%S")
    message = OutboxMessage.objects.create(
        agency=agency,
        kind=MessageKind.STATUS,
        peer=peer or peer_for(sender_code),
        recipient_code=sender_code,
        document_id=document_id,
        status_code="02",
        payload={"description": reason[:1000], "timestamp": stamp},
    )
    enqueue(message)


def _require_signature() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "QLVB_EXCHANGE_REQUIRE_SIGNATURE", True))


class Rejected(EdxmlError):
    """A package refused after parsing (recipient, signature, business)."""

    code = "edxml_rejected"


def receive(*, source, peer: Peer | None = None) -> dict:
    """Receive one edXML message (a path or binary stream). Documents enter the reception
    queue of each addressed agency of this installation through incoming_deliver (status 01
    goes back); status messages update our deliveries in timestamp order. Refused messages
    raise an EdxmlError after status 02 was queued for the sender when it can be addressed;
    nothing is half-imported."""
    message = _parse_or_refuse(source, peer=peer)
    try:
        if isinstance(message, StatusMessage):
            return _receive_status(message, peer=peer)
        return _receive_package(message, peer=peer)
    finally:
        message.cleanup()


def spool_dir():
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.DATA_DIR) / "exchange" / "spool"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def accept(*, path: str, peer: Peer | None = None) -> dict:
    """What the inbox does with a posted file (`path`, which it gives up): parse and verify
    it, refuse it now (status 02, EdxmlError) when it is not for us or not validly signed,
    otherwise store it durably in the spool and answer; workers then register spooled packages
    in batches (`register_spooled`). Status messages are small and applied at once."""
    import os

    message = _parse_or_refuse(path, peer=peer)
    try:
        if isinstance(message, StatusMessage):
            return _receive_status(message, peer=peer)
        local = _addressed(message, peer=peer)
        existing = dict(
            InboxMessage.objects.filter(
                agency__in=local,
                kind=MessageKind.DOCUMENT,
                sender_code=message.sender.organ_id[:50],
                document_id=message.document_id[:300],
                business_doc_type=message.business_doc_type,
                state=InboxState.ACCEPTED,
            ).values_list("agency__code", "pk")
        )
        if len(existing) == len(local):  # registered everywhere already: nothing to spool
            return {
                "kind": "document",
                "document_id": message.document_id,
                "results": [
                    {"agency": code, "duplicate": True, "id": pk} for code, pk in existing.items()
                ],
            }
    finally:
        message.cleanup()
    import shutil
    import uuid
    from pathlib import Path

    target = Path(path)
    if target.parent != spool_dir():
        target = spool_dir() / f"edxml-{uuid.uuid4().hex}.xml"
        shutil.move(path, target)
    with open(target, "rb+") as stream:
        os.fsync(stream.fileno())  # acknowledged means on disk
    with transaction.atomic():
        row = SpooledPackage.objects.create(
            peer=peer,
            agency=local[0],
            path=str(target),
            sender_code=message.sender.organ_id[:50],
            document_id=message.document_id[:300],
            business_doc_type=message.business_doc_type,
            subject=message.subject[:500],
            size=target.stat().st_size,
        )
        enqueue(row)
    return {
        "kind": "document",
        "document_id": row.document_id,
        "state": "received",
        "id": f"spool-{row.pk}",
    }


def spool_cleanup(*, older_than_seconds: int = 600) -> int:
    """Remove the spool's files that nothing will read: a partial upload of a web process
    killed mid-receive (no row names it) and the file of a package registered just before its
    worker was killed (the row is done, the unlink after the commit never ran). Files of rows
    still waiting, running or failed are kept; young files may be uploads under way."""
    import time

    cutoff = time.time() - older_than_seconds
    old = {}
    for entry in os.scandir(spool_dir()):
        try:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                old[entry.path] = entry
        except FileNotFoundError:
            continue
    if not old:
        return 0
    keep = set(
        SpooledPackage.objects.filter(path__in=list(old))
        .exclude(state=WorkState.DONE)
        .values_list("path", flat=True)
    )
    removed = 0
    for path in old.keys() - keep:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
            removed += 1
    return removed


def _claim_more(item, *, limit: int) -> list:
    """Up to `limit` other due spooled packages, claimed with the runner's lease rules."""
    from datetime import timedelta

    from django.db.models import F

    from qlvb.jobs.runner import due_filter, lease_seconds

    now = timezone.now()
    pks = list(
        SpooledPackage.objects.filter(due_filter(now))
        .exclude(pk=item.pk)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not pks:
        return []
    token = f"{item._lease_token}+"
    SpooledPackage.objects.filter(due_filter(now), pk__in=pks).update(
        state="running",
        leased_by=token,
        lease_until=now + timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1,
    )
    return list(SpooledPackage.objects.filter(pk__in=pks, leased_by=token).select_related("peer"))


def register_spooled(item, *, batch: int = 20) -> dict:
    """A worker's claim of one spooled package takes up to `batch - 1` more with it and
    registers them all in one transaction (one commit, one audit chain lock, instead of one
    per package); each package in its own savepoint, so one that fails is retried alone and
    one that is refused gets its status 02. Files go only after the commit: a spooled row
    whose file is gone was registered (or refused) already."""
    import os

    from qlvb.jobs.runner import backoff_seconds

    rows = [item, *_claim_more(item, limit=batch - 1)]
    done, outcomes, item_error = [], {}, None
    with transaction.atomic():
        for row in rows:
            if not os.path.exists(row.path):
                outcomes[row.pk] = {"already": "registered"}
                done.append(row)
                continue
            try:
                with transaction.atomic():
                    try:
                        outcomes[row.pk] = receive(source=row.path, peer=row.peer)
                    except EdxmlError as exc:
                        outcomes[row.pk] = {"refused": exc.message}
            except Exception as exc:
                if row is item:
                    item_error = exc
                else:
                    SpooledPackage.objects.filter(pk=row.pk).update(
                        state="pending",
                        lease_until=None,
                        last_error=f"{type(exc).__name__}: {exc}"[:4000],
                        next_attempt_at=timezone.now()
                        + dt.timedelta(seconds=backoff_seconds(row.attempts)),
                    )
                continue
            done.append(row)
        others = [r.pk for r in done if r is not item]
        if others:
            SpooledPackage.objects.filter(pk__in=others).update(
                state=WorkState.DONE, finished_at=timezone.now(), lease_until=None
            )

        def unlink():
            for row in done:
                if os.path.exists(row.path):
                    os.unlink(row.path)

        transaction.on_commit(unlink)
    if item_error is not None:
        raise item_error
    return {"batch": len(rows), "registered": len(done), "outcome": outcomes.get(item.pk)}


def _parse_or_refuse(source, *, peer):
    """The parsed message; a refused one is recorded and answered with status 02 (to the
    sender and DocumentId read from the raw head, when they can be) before it raises."""
    head = b""
    if isinstance(source, str):
        with open(source, "rb") as stream:
            head = stream.read(65536)
    try:
        return parse(source, verifier=make_verifier(credentials.trusted_certificates))
    except EdxmlError as exc:
        sender_code, document_id = _salvage(head)
        with transaction.atomic():
            InboxMessage.objects.create(
                peer=peer,
                kind=MessageKind.DOCUMENT,
                sender_code=sender_code[:50],
                document_id=document_id[:300],
                state=InboxState.REJECTED,
                reason=exc.message,
            )
            _reply_rejected(
                agency=None,
                sender_code=sender_code,
                document_id=document_id,
                reason=exc.message,
                peer=peer,
            )
        raise


def _refuse(message, *, agency, peer, reason: str, kind=MessageKind.DOCUMENT):
    with transaction.atomic():
        InboxMessage.objects.create(
            agency=agency,
            peer=peer,
            kind=kind,
            sender_code=message.sender.organ_id[:50],
            sender_name=message.sender.organ_name[:250],
            document_id=getattr(message, "document_id", "")[:300],
            business_doc_type=getattr(message, "business_doc_type", 0),
            subject=getattr(message, "subject", "")[:500],
            state=InboxState.REJECTED,
            reason=reason,
            warnings=message.warnings,
            signature_valid=message.signature.valid,
        )
        if kind == MessageKind.DOCUMENT:
            _reply_rejected(
                agency=agency,
                sender_code=message.sender.organ_id,
                document_id=message.document_id,
                reason=reason,
                peer=peer,
            )
    raise Rejected(reason)


def _addressed(package, *, peer) -> list:
    """The agencies of this installation the package is for; refused (status 02, Rejected)
    when it has none or its signature does not verify."""
    from qlvb.agencies.models import Agency

    codes = [r.organ_id for r in package.recipients if r.organ_id]
    known = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    local = [known[c] for c in codes if c in known and known[c].on_installation]
    first = local[0] if local else None
    if not codes:
        _refuse(package, agency=None, peer=peer, reason="Gói tin không có nơi nhận (To).")
    if not local:
        unknown = [c for c in codes if c not in known]
        if unknown:
            reason = "Không có cơ quan nhận mã " + ", ".join(unknown) + " trong danh bạ."
        else:
            reason = (
                "Cơ quan nhận " + ", ".join(codes) + " không sử dụng hệ thống này "
                "(không nhận văn bản tại đây)."
            )
        _refuse(package, agency=None, peer=peer, reason=reason)
    if _require_signature() and not package.signature.valid:
        reason = "Chữ ký số của gói tin không hợp lệ: " + (
            package.signature.reason or "không xác định."
        )
        _refuse(package, agency=first, peer=peer, reason=reason)
    return local


def _receive_package(package, *, peer) -> dict:
    from qlvb.agencies.models import Agency
    from qlvb.documents.services import Upload
    from qlvb.incoming import services as incoming_services
    from qlvb.incoming.models import IncomingDocument

    local = _addressed(package, peer=peer)
    sender = Agency.objects.filter(code=package.sender.organ_id).first()
    kind = package.business_doc_type
    results = []
    for agency in local:
        reference = origin_reference(package.sender.organ_id, package.document_id)
        existing = InboxMessage.objects.filter(
            agency=agency,
            kind=MessageKind.DOCUMENT,
            sender_code=package.sender.organ_id[:50],
            document_id=package.document_id[:300],
            business_doc_type=kind,
            state=InboxState.ACCEPTED,
        ).first()
        if existing is not None:
            results.append({"agency": agency.code, "duplicate": True, "id": existing.pk})
            continue
        metadata, notes = metadata_of(package)
        try:
            with transaction.atomic():
                inbox = InboxMessage.objects.create(
                    agency=agency,
                    peer=peer,
                    kind=MessageKind.DOCUMENT,
                    sender_code=package.sender.organ_id[:50],
                    sender_name=package.sender.organ_name[:250],
                    document_id=package.document_id[:300],
                    business_doc_type=kind,
                    subject=package.subject[:500],
                    state=InboxState.ACCEPTED,
                    warnings=package.warnings + notes,
                    signature_valid=package.signature.valid,
                    signer=package.signature.signer[:300],
                )
                if kind == 1:
                    recalled = origin_reference(
                        package.sender.organ_id,
                        (package.business and package.business.document_id) or package.document_id,
                    )
                    previous = (
                        IncomingDocument.objects.filter(
                            agency=agency,
                            # the recalled document may itself be an update or a replacement
                            origin_reference__in=[recalled, f"{recalled}#2", f"{recalled}#3"],
                        )
                        .order_by("-pk")
                        .first()
                    )
                    if previous is None:
                        raise Rejected("Không có văn bản nào được nhận trước đó để thu hồi.")
                    outcome = incoming_services.incoming_recall(
                        incoming=previous,
                        reason=package.business.business_doc_reason if package.business else "",
                    )
                    inbox.incoming = previous
                    inbox.reason = {"withdrawn": "Đã thu hồi", "requested": "Chờ trả lời"}.get(
                        outcome, ""
                    )
                    inbox.save(update_fields=["incoming", "reason"])
                    if outcome == "withdrawn":
                        queue_status(
                            incoming=previous,
                            status_code="15",
                            text="Văn bản chưa tiếp nhận, đã thu hồi.",
                        )
                    results.append({"agency": agency.code, "recall": outcome, "id": inbox.pk})
                    continue
                if kind in (2, 3):
                    reference = f"{reference}#{kind}"[:200]
                uploads = [
                    Upload(
                        open(a.path, "rb"),  # noqa: SIM115 closed below
                        a.name,
                        "main" if index == 0 else "appendix",
                    )
                    for index, a in enumerate(package.attachments)
                ]
                try:
                    incoming = incoming_services.incoming_deliver(
                        agency=agency,
                        metadata=metadata,
                        uploads=uploads,
                        origin_reference=reference,
                        sender=sender,
                    )
                finally:
                    for upload in uploads:
                        upload.stream.close()
                inbox.incoming = incoming
                inbox.save(update_fields=["incoming"])
                if kind in (2, 3):
                    previous_id = ""
                    if package.business and package.business.replacement_info:
                        previous_id = package.business.replacement_info[0].document_id
                    previous = IncomingDocument.objects.filter(
                        agency=agency,
                        origin_reference=origin_reference(
                            package.sender.organ_id, previous_id or package.document_id
                        ),
                    ).first()
                    if previous is not None and previous.pk != incoming.pk:
                        incoming_services.incoming_link_previous(
                            incoming=incoming,
                            previous=previous,
                            relation="update" if kind == 2 else "replacement",
                        )
                audit_record(
                    actor=None,
                    action="exchange.receive",
                    obj=inbox,
                    agency_id=agency.pk,
                    details={"sender": package.sender.organ_id, "document_id": package.document_id},
                )
                results.append({"agency": agency.code, "incoming": incoming.pk, "id": inbox.pk})
        except IntegrityError:
            # The same package arrived twice at once: the other transaction registered it.
            results.append({"agency": agency.code, "duplicate": True})
        except EdxmlError as exc:
            _refuse(package, agency=agency, peer=peer, reason=exc.message)
        except Exception as exc:
            from qlvb.core.errors import DomainError

            if isinstance(exc, DomainError):
                _refuse(package, agency=agency, peer=peer, reason=exc.message)
            raise
    return {"kind": "document", "document_id": package.document_id, "results": results}


STATUS_RANK = {
    code: index for index, code in enumerate(["01", "02", "03", "04", "05", "06", "13", "15", "16"])
}


def _receive_status(message: StatusMessage, *, peer) -> dict:
    """A step of the recipient elsewhere for a package we sent, or a take-back request (13)
    from the sender of a package we received. Every status is recorded; the delivery shows
    the newest by timestamp, so statuses arriving out of order end where they would in order."""
    from qlvb.incoming import services as incoming_services
    from qlvb.incoming.models import IncomingDocument
    from qlvb.outgoing.models import Delivery, DeliveryStatus
    from qlvb.outgoing.receivers import RECALL_STATUSES, TIME_FIELD

    if _require_signature() and not message.signature.valid:
        _refuse(
            message,
            agency=None,
            peer=peer,
            kind=MessageKind.STATUS,
            reason="Chữ ký số của gói tin trạng thái không hợp lệ: " + message.signature.reason,
        )
    stamp = message.timestamp or timezone.localtime().replace(tzinfo=None)
    aware = timezone.make_aware(stamp) if timezone.is_naive(stamp) else stamp
    sender = message.sender.organ_id
    document_id = message.response_for.document_id
    with transaction.atomic():
        duplicate = InboxMessage.objects.filter(
            kind=MessageKind.STATUS,
            sender_code=sender[:50],
            document_id=document_id[:300],
            status_code=message.status_code,
            status_timestamp=aware,
        ).first()
        if duplicate is not None:
            return {"kind": "status", "duplicate": True, "id": duplicate.pk}
        inbox = InboxMessage(
            peer=peer,
            kind=MessageKind.STATUS,
            sender_code=sender[:50],
            sender_name=message.sender.organ_name[:250],
            document_id=document_id[:300],
            status_code=message.status_code,
            status_timestamp=aware,
            reason=message.description[:1000],
            warnings=message.warnings,
            signature_valid=message.signature.valid,
            signer=message.signature.signer[:300],
            state=InboxState.APPLIED,
        )
        if message.status_code == "13":
            asked = origin_reference(sender, document_id)
            incoming = (
                IncomingDocument.objects.filter(
                    origin_reference__in=[asked, f"{asked}#2", f"{asked}#3"]
                )
                .order_by("-pk")
                .first()
            )
            if incoming is None:
                inbox.state, inbox.reason = InboxState.REJECTED, "Không có văn bản để lấy lại."
                inbox.save()
                return {"kind": "status", "state": inbox.state, "id": inbox.pk}
            inbox.agency_id, inbox.incoming = incoming.agency_id, incoming
            inbox.save()
            outcome = incoming_services.incoming_recall(
                incoming=incoming, reason=message.description
            )
            if outcome == "withdrawn":
                queue_status(incoming=incoming, status_code="15", text="Đã thu hồi.")
            return {"kind": "status", "recall": outcome, "id": inbox.pk}
        sent = (
            OutboxMessage.objects.filter(
                kind=MessageKind.DOCUMENT, recipient_code=sender, document_id=document_id
            )
            .exclude(delivery=None)
            .order_by("pk")
            .first()
        )
        if sent is None:
            inbox.state = InboxState.REJECTED
            inbox.reason = f"Không có văn bản {document_id} đã gửi tới {sender}."
            inbox.save()
            return {"kind": "status", "state": inbox.state, "id": inbox.pk}
        delivery = Delivery.objects.select_for_update().get(pk=sent.delivery_id)
        inbox.agency_id = delivery.agency_id
        fields = set()
        code = message.status_code
        time_field = TIME_FIELD.get(code)
        if time_field and getattr(delivery, time_field) is None:
            setattr(delivery, time_field, aware)
            fields.add(time_field)
        if code == "02" and not delivery.rejected_reason:
            delivery.rejected_reason = message.description[:1000]
            fields.add("rejected_reason")
        if code == "15" and delivery.withdrawn_at is None:
            delivery.withdrawn_at = aware
            fields.add("withdrawn_at")
        current = delivery.status_changed_at
        newer = current is None or (aware, STATUS_RANK.get(code, 0)) > (
            current,
            STATUS_RANK.get(delivery.status, -1),
        )
        recall_answer = code in ("15", "16")
        if (
            newer
            and code in DeliveryStatus.values
            and (recall_answer or delivery.status not in RECALL_STATUSES)
        ):
            delivery.status = code
            delivery.status_changed_at = aware
            delivery.acted_by_name = message.staff_info.staff[:200]
            delivery.last_text = message.description[:1000]
            fields |= {"status", "status_changed_at", "acted_by_name", "last_text"}
        else:
            inbox.state = InboxState.IGNORED if not fields else InboxState.APPLIED
        if fields:
            delivery.save(update_fields=sorted(fields))
        inbox.save()
        audit_record(
            actor=None,
            action="exchange.status",
            obj=inbox,
            agency_id=delivery.agency_id,
            details={"status": code, "document_id": document_id, "from": sender},
        )
    return {"kind": "status", "state": inbox.state, "id": inbox.pk}


# --- pulling from the axis and platforms, directory sync --------------------------------------


def pull(*, peer: Peer) -> dict:
    """Fetch every package waiting at a pulling peer (VDXP, LGSP) and take it as the inbox
    does (`accept`: checked, then spooled for the workers' batched registration, or refused
    with status 02), then acknowledge it there. A crash between spooling and acknowledging
    fetches it again next time, and registration is idempotent: delivered exactly once."""
    from qlvb.exchange.transports import transport_for

    transport = transport_for(peer)
    counts = {"received": 0, "refused": 0}
    for remote_id in list(transport.received()):
        data = transport.fetch(remote_id)
        handle, path = tempfile.mkstemp(prefix="edxml-pull-", suffix=".xml", dir=spool_dir())
        result: dict = {}
        try:
            with open(handle, "wb") as out:
                out.write(data)
            try:
                result = accept(path=path, peer=peer)
                counts["received"] += 1
            except EdxmlError:
                counts["refused"] += 1  # status 02 is on its way to the sender
        finally:
            # Once spooled the file belongs to the workers.
            if result.get("state") != "received" and os.path.exists(path):
                os.unlink(path)
        transport.acknowledge(remote_id)
    Peer.objects.filter(pk=peer.pk).update(last_pull_at=timezone.now(), last_pull_error="")
    return counts


def _level_of(code: str) -> str:
    from qlvb.agencies.models import AgencyLevel

    letter = code[-3:-2]
    if code.startswith("000.00.00."):
        return {"G": AgencyLevel.CENTRAL, "H": AgencyLevel.OTHER_PROVINCE}.get(
            letter, AgencyLevel.EXTERNAL
        )
    if letter == "A":
        return AgencyLevel.PARTY
    return AgencyLevel.EXTERNAL


def directory_sync(*, actor, peer: Peer) -> dict:
    """Danh bạ from the axis or platform into the agency directory, through the directory's
    own bulk import (all or nothing, by code). This installation's own agencies keep their
    data; entries with a code that is not a valid identifier are skipped and counted.

    Streamed for a national directory (>100,000 agencies): the entries go to a temporary file
    as they arrive and only the set of codes stays in memory; a second pass writes the import
    CSV, dropping parents that are neither in it nor in the directory."""
    import csv
    import dataclasses
    import json
    import os

    from qlvb.agencies.models import Agency, is_valid_agency_code
    from qlvb.agencies.services import CSV_HEADER, directory_import
    from qlvb.exchange.transports import transport_for

    ours = set(
        Agency.objects.filter(on_installation=True).values_list("code", flat=True).iterator()
    )
    known = set(Agency.objects.values_list("code", flat=True).iterator(chunk_size=10000))
    codes: set[str] = set()
    skipped = 0
    raw_handle, raw_path = tempfile.mkstemp(prefix="danh-ba-", suffix=".jsonl")
    handle, path = tempfile.mkstemp(prefix="danh-ba-", suffix=".csv")
    try:
        with open(raw_handle, "w", encoding="utf-8") as raw:
            for item in transport_for(peer).directory():
                code = str(item.get("code") or item.get("organId") or "").strip()
                name = str(item.get("name") or item.get("organName") or "").strip()
                if not is_valid_agency_code(code) or not name:
                    skipped += 1
                    continue
                if code in ours or code in codes:
                    continue  # an agency of this installation: its data is ours
                codes.add(code)
                raw.write(json.dumps([code, name, item], ensure_ascii=False) + "\n")
        levels = {}
        with (
            open(handle, "w", newline="", encoding="utf-8") as out,
            open(raw_path, encoding="utf-8") as raw,
        ):
            writer = csv.writer(out)
            writer.writerow(CSV_HEADER)
            for line in raw:
                code, name, item = json.loads(line)
                parent = str(item.get("parentCode") or item.get("parent_code") or "").strip()
                if parent and parent not in codes and parent not in known:
                    parent = ""
                if code in known and code not in levels:
                    levels = levels or dict(
                        Agency.objects.values_list("code", "level").iterator(chunk_size=10000)
                    )
                row = {
                    "code": code,
                    "name": name[:250],
                    "short_name": "",
                    "level": levels.get(code) or _level_of(code),
                    "parent_code": parent if parent != code else "",
                    "organization_in_charge": str(item.get("organizationInCharge") or "")[:250],
                    "address": str(item.get("address") or "")[:250],
                    "email": str(item.get("email") or "")[:254],
                    "telephone": str(item.get("telephone") or "")[:50],
                    "fax": str(item.get("fax") or "")[:50],
                    "website": str(item.get("website") or "")[:250],
                    "on_installation": "0",
                }
                writer.writerow([row.get(h, "") for h in CSV_HEADER])
        del codes, known
        result = directory_import(actor=actor, stream_or_path=path, filename=f"{peer.name}.csv")
    finally:
        for name in (path, raw_path):
            if os.path.exists(name):
                os.unlink(name)
    return {"result": dataclasses.asdict(result), "skipped": skipped}
