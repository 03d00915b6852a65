import datetime as dt

import pytest
from django.utils import timezone

from qlvb.audit.selectors import audit_chain_verify
from qlvb.core.errors import Conflict, PermissionDenied, ValidationFailed
from qlvb.documents.models import Attachment, Blob
from qlvb.documents.services import Upload
from qlvb.incoming import services
from qlvb.incoming.models import AssignmentKind, IncomingState
from qlvb.incoming.selectors import incoming_reception_queue, incoming_visible

from .conftest import pdf

META = {
    "type_name": "Công văn",
    "code_number": "125",
    "code_notation": "STC-NS",
    "issued_date": dt.date(2026, 11, 20),
    "organ_name": "Sở Tài chính",
    "subject": "V/v đề nghị bổ sung kinh phí năm 2026",
}


def deliver(office, sender, ref="d-1", **extra):
    return services.incoming_deliver(
        agency=office,
        metadata={**META, **extra},
        uploads=[Upload(pdf(2), "125-STC.pdf")],
        origin_reference=ref,
        sender=sender,
    )


def test_delivery_waits_in_reception_then_is_accepted_with_number_one(office, sender, people):
    incoming = deliver(office, sender)
    assert incoming.state == IncomingState.RECEIVED
    assert list(incoming_reception_queue(viewer=people["clerk"])) == [incoming]
    assert list(incoming_reception_queue(viewer=people["specialist"])) == []
    assert deliver(office, sender).pk == incoming.pk  # the same delivery twice lands once
    accepted = services.incoming_accept(actor=people["clerk"], incoming=incoming)
    assert accepted.arrival_number == 1
    assert accepted.state == IncomingState.REGISTERED
    codes = list(accepted.timeline.values_list("status_code", flat=True))
    assert codes == ["01", "03"]
    attachment = Attachment.objects.get(document=accepted.document)
    assert (attachment.page_count, attachment.content_type) == (2, "application/pdf")
    assert audit_chain_verify().ok


def test_rejection_needs_a_reason_and_uses_no_number(office, sender, people):
    incoming = deliver(office, sender)
    with pytest.raises(ValidationFailed):
        services.incoming_reject(actor=people["clerk"], incoming=incoming, reason="  ")
    rejected = services.incoming_reject(
        actor=people["clerk"], incoming=incoming, reason="Gửi nhầm cơ quan"
    )
    assert rejected.state == IncomingState.REJECTED and rejected.arrival_number is None
    with pytest.raises(Conflict):
        services.incoming_accept(actor=people["clerk"], incoming=incoming)
    other = deliver(office, sender, ref="d-2")
    assert services.incoming_accept(actor=people["clerk"], incoming=other).arrival_number == 1


def test_only_the_receiving_clerk_may_accept(office, sender, people):
    incoming = deliver(office, sender)
    for who in ("outsider", "specialist"):
        with pytest.raises(PermissionDenied):
            services.incoming_accept(actor=people[who], incoming=incoming)


def test_paper_registration_warns_about_duplicates_and_a_bad_file_uses_no_number(office, people):
    first = services.incoming_register(
        actor=people["clerk"], metadata=META, uploads=[Upload(pdf(), "scan.pdf")]
    )
    assert first.arrival_number == 1 and first.paper_received_at is not None
    with pytest.raises(Conflict) as caught:
        services.incoming_register(actor=people["clerk"], metadata=META, uploads=[])
    assert caught.value.code == "possible_duplicate"
    blobs = Blob.objects.count()
    with pytest.raises(ValidationFailed):
        services.incoming_register(
            actor=people["clerk"],
            metadata={**META, "code_number": "126"},
            uploads=[
                Upload(pdf(), "ok.pdf"),
                Upload(__import__("io").BytesIO(b"MZ.."), "virus.exe"),
            ],
        )
    assert Blob.objects.count() == blobs
    second = services.incoming_register(
        actor=people["clerk"], metadata=META, uploads=[], confirm_duplicate=True
    )
    assert second.arrival_number == 2


def test_metadata_lengths_are_checked(office, people):
    with pytest.raises(ValidationFailed) as caught:
        services.incoming_register(
            actor=people["clerk"],
            metadata={**META, "subject": "x" * 501, "code_notation": "y" * 31},
            uploads=[],
        )
    assert set(caught.value.errors) == {"subject", "code_notation"}


def test_direction_assignment_delegation_and_completion(office, sender, people):
    incoming = services.incoming_accept(actor=people["clerk"], incoming=deliver(office, sender))
    services.incoming_submit(actor=people["clerk"], incoming=incoming, leader=people["leader"])
    due = timezone.now() + dt.timedelta(days=5)
    with pytest.raises(ValidationFailed):  # no lead
        services.incoming_direct(
            actor=people["leader"],
            incoming=incoming,
            direction="x",
            assignments=[{"kind": AssignmentKind.CO, "department": people["th"]}],
        )
    with pytest.raises(ValidationFailed):  # outside the agency
        services.incoming_direct(
            actor=people["leader"],
            incoming=incoming,
            direction="x",
            assignments=[{"kind": AssignmentKind.LEAD, "person": people["outsider"]}],
        )
    incoming = services.incoming_direct(
        actor=people["leader"],
        incoming=incoming,
        direction="Giao Phòng KGVX chủ trì tham mưu.",
        assignments=[
            {"kind": AssignmentKind.LEAD, "department": people["kgvx"], "due_at": due},
            {"kind": AssignmentKind.CO, "department": people["th"], "due_at": due},
        ],
    )
    assert incoming.state == IncomingState.ASSIGNED and incoming.due_at == due
    assert incoming in incoming_visible(viewer=people["specialist"])
    lead = incoming.assignments.get(kind=AssignmentKind.LEAD)
    with pytest.raises(PermissionDenied):
        services.assignment_delegate(
            actor=people["specialist"],
            assignment=lead,
            assignments=[{"kind": AssignmentKind.LEAD, "person": people["specialist"]}],
        )
    (sub,) = services.assignment_delegate(
        actor=people["head"],
        assignment=lead,
        assignments=[{"kind": AssignmentKind.LEAD, "person": people["specialist"], "due_at": due}],
    )
    services.assignment_progress(actor=people["specialist"], assignment=sub, note="Đang tổng hợp")
    services.assignment_complete(actor=people["specialist"], assignment=sub, result="Đã dự thảo")
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.IN_PROGRESS  # the department's lead is still open
    with pytest.raises(PermissionDenied):
        services.assignment_complete(actor=people["other_specialist"], assignment=lead, result="x")
    services.assignment_complete(actor=people["head"], assignment=lead, result="Đã trình UBND tỉnh")
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.DONE
    codes = [c for c in incoming.timeline.values_list("status_code", flat=True) if c]
    assert codes == ["01", "03", "04", "05", "06"]
    services.incoming_reopen(actor=people["leader"], incoming=incoming, reason="Bổ sung")
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.IN_PROGRESS


def test_who_sees_what(office, sender, people):
    plain = services.incoming_accept(actor=people["clerk"], incoming=deliver(office, sender))
    secret = services.incoming_register(
        actor=people["clerk"],
        metadata={**META, "code_number": "7", "confidentiality": "mat"},
        uploads=[],
    )
    assert secret.register_book.kind == "incoming_confidential" and secret.arrival_number == 1
    assert set(incoming_visible(viewer=people["clerk"])) == {plain, secret}
    assert set(incoming_visible(viewer=people["leader"])) == {plain}
    assert set(incoming_visible(viewer=people["specialist"])) == set()
    assert set(incoming_visible(viewer=people["outsider"])) == set()


def test_electronic_copy_of_a_registered_paper_document_is_linked_not_registered_twice(
    office, sender, people
):
    paper = services.incoming_register(actor=people["clerk"], metadata=META, uploads=[])
    delivered = deliver(office, sender, ref="late-electronic")
    linked = services.incoming_link_electronic_copy(
        actor=people["clerk"], delivered=delivered, registered=paper
    )
    assert linked.arrival_number == 1 and linked.electronic_received_at is not None
    assert linked.electronic_received_at > linked.paper_received_at  # paper came first
    delivered.refresh_from_db()
    assert delivered.state == IncomingState.MERGED and delivered.arrival_number is None
    assert "03" in delivered.timeline.values_list("status_code", flat=True)
    with pytest.raises(Conflict):
        services.incoming_link_electronic_copy(
            actor=people["clerk"], delivered=delivered, registered=paper
        )


def test_paper_copy_after_electronic_keeps_both_times(office, sender, people):
    incoming = services.incoming_accept(actor=people["clerk"], incoming=deliver(office, sender))
    services.incoming_record_paper_copy(actor=people["clerk"], incoming=incoming)
    incoming.refresh_from_db()
    assert incoming.electronic_received_at < incoming.paper_received_at
    with pytest.raises(Conflict):
        services.incoming_record_paper_copy(actor=people["clerk"], incoming=incoming)


def test_deadline_in_working_days(office, sender, people):
    incoming = services.incoming_accept(actor=people["clerk"], incoming=deliver(office, sender))
    directed = services.incoming_direct(
        actor=people["leader"],
        incoming=incoming,
        direction="",
        assignments=[
            {"kind": AssignmentKind.LEAD, "person": people["specialist"], "due_in_working_days": 3}
        ],
    )
    due = timezone.localtime(directed.due_at)
    assert due.weekday() < 5 and due.hour == 23
    assert (due.date() - timezone.localdate()).days >= 3


@pytest.mark.parametrize("ids_max", [2000, 0], ids=["ids-list", "hashed-subqueries"])
def test_mine_box_is_the_same_in_both_query_shapes(office, sender, people, monkeypatch, ids_max):
    """ "Mine" of a department head: open assignments to the person and to the department (also
    once passed on to a specialist: the department's part stays open until the head completes
    it); finished ones and other departments' are not in it. The selector reads few
    ids as a list and many through subqueries: both shapes give the same rows."""
    from qlvb.incoming import selectors

    monkeypatch.setattr(selectors, "MINE_IDS_MAX", ids_max)

    def routed(ref, **assignment):
        incoming = services.incoming_accept(
            actor=people["clerk"], incoming=deliver(office, sender, ref=ref, code_number=ref)
        )
        return services.incoming_direct(
            actor=people["leader"],
            incoming=incoming,
            direction="Giao xử lý.",
            assignments=[{"kind": AssignmentKind.LEAD, **assignment}],
        )

    to_dept = routed("1", department=people["kgvx"])
    to_head = routed("2", person=people["head"])
    to_other = routed("3", department=people["th"])
    passed_on = routed("4", department=people["kgvx"])
    services.assignment_delegate(
        actor=people["head"],
        assignment=passed_on.assignments.get(),
        assignments=[{"kind": AssignmentKind.LEAD, "person": people["specialist"]}],
    )
    finished = routed("5", person=people["head"])
    services.assignment_complete(
        actor=people["head"], assignment=finished.assignments.get(), result="Xong"
    )

    def mine(viewer):
        return set(selectors.incoming_box(viewer=viewer, box="mine").values_list("pk", flat=True))

    assert mine(people["head"]) == {to_dept.pk, to_head.pk, passed_on.pk}
    assert mine(people["specialist"]) == {passed_on.pk}
    assert mine(people["other_specialist"]) == set()  # a specialist does not get the department's
    assert to_other.pk not in mine(people["head"])
    counts = selectors.incoming_box_counts(viewer=people["head"])
    assert counts["mine"] == 3
