from __future__ import annotations

from dataclasses import dataclass

from qlvb.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the chain in id order; report the first event whose link or content does not hold."""
    prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != prev:
            return ChainReport(
                checked, event.id, "liên kết với bản ghi trước bị đứt (bản ghi bị xóa hoặc chèn)"
            )
        if event.compute_hash() != event.hash:
            return ChainReport(checked, event.id, "nội dung bản ghi đã bị sửa")
        prev = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        # The newest rows were deleted: the chain ends before the head says it does.
        return ChainReport(checked, head.last_event_id or -1, "bản ghi cuối của nhật ký đã bị xóa")
    return ChainReport(checked)


def audit_events_for(*, object_type: str, object_id: str):
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "-id"
    )
