from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from qlvb.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    chains: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk every chain at once in id order (a chain's events are in id order, since each is
    appended under its head's lock) and report the first event whose link or content does not
    hold; then each head, whose last hash reveals deleted newest rows of its chain.

    On PostgreSQL the walk reads one snapshot (REPEATABLE READ, when it opens the transaction),
    so events appended while it runs are neither half-seen nor mistaken for rows beyond a head."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _verify(chunk_size)


def _verify(chunk_size: int) -> ChainReport:
    prev: dict[int, str] = {}
    last_id: dict[int, int] = {}
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != prev.get(event.chain, GENESIS_HASH):
            return ChainReport(
                checked, event.id, "liên kết với bản ghi trước bị đứt (bản ghi bị xóa hoặc chèn)"
            )
        if event.compute_hash() != event.hash:
            return ChainReport(checked, event.id, "nội dung bản ghi đã bị sửa")
        prev[event.chain] = event.hash
        last_id[event.chain] = event.id
        checked += 1
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    for chain in sorted(set(heads) | set(prev)):
        head = heads.get(chain)
        if head is None:
            return ChainReport(checked, last_id[chain], f"đầu chuỗi {chain} của nhật ký bị xóa")
        if head.last_hash == prev.get(chain, GENESIS_HASH):
            continue
        if last_id.get(chain, 0) > head.last_event_id:
            # Rows linked after the newest event the head knows of: added behind the service.
            first = (
                AuditEvent.objects.filter(chain=chain, id__gt=head.last_event_id)
                .order_by("id")
                .values_list("id", flat=True)
                .first()
            )
            return ChainReport(checked, first, "bản ghi được chèn sau bản ghi cuối của chuỗi")
        # The newest rows were deleted: the chain ends before its head says it does.
        return ChainReport(checked, head.last_event_id or -1, "bản ghi cuối của nhật ký đã bị xóa")
    return ChainReport(checked, chains=len(prev))


def audit_events_for(*, object_type: str, object_id: str):
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "-id"
    )


def audit_events_visible(*, viewer):
    """The installation administrator sees every event; an agency administrator the events of
    their agency; nobody else reads the log."""
    from qlvb.core.errors import PermissionDenied

    if getattr(viewer, "is_superuser", False):
        return AuditEvent.objects.all()
    if viewer is not None and viewer.has_role("admin"):
        return AuditEvent.objects.filter(agency_id=viewer.agency_id)
    raise PermissionDenied("Chỉ quản trị được xem nhật ký hệ thống.")


def audit_event_page(
    *, viewer, action: str = "", actor: str = "", obj: str = "", cursor=None, limit=100
):
    """Newest first, keyset-paged on id (no OFFSET over millions of rows)."""
    from qlvb.core.paging import decode_cursor, encode_cursor

    qs = audit_events_visible(viewer=viewer)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if obj:
        qs = qs.filter(object_repr__icontains=obj)
    if cursor:
        (last_id,) = decode_cursor(cursor, 1)
        qs = qs.filter(id__lt=last_id)
    rows = list(qs.order_by("-id")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor
