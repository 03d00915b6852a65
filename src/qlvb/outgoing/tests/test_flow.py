"""The whole loop on one installation, through the API: draft, versions, the approval chain,
signing, issuing to 36 agencies, their reception and handling mirrored on the sender's
tracking, reminders, recall before and after acceptance."""

import datetime as dt

import pytest
from django.utils import timezone

from qlvb.incoming.models import IncomingDocument, IncomingState
from qlvb.outgoing.models import Delivery, OutgoingDocument

from .conftest import client_for, make_recipients, pdf
from .flow import create_draft, issue, to_signed, upload

pytestmark = pytest.mark.django_db


def test_draft_versions_chain_return_and_corrected_version(people, recipients, cong_van):
    pk = create_draft(
        people, [{"agency_id": r["agency"].pk} for r in recipients], doc_type=cong_van
    )
    specialist = client_for(people["specialist"])
    # submitting without a main file is refused
    refused = specialist.post(f"/api/v1/outgoing/{pk}/submit", {}, content_type="application/json")
    assert refused.status_code == 422
    assert "files" in refused.json()["errors"]

    upload(people["specialist"], pk, pdf(1, "ban-1.pdf"))
    body = upload(people["specialist"], pk, pdf(2, "ban-2.pdf"), pdf(1, "phu-luc.pdf"))
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert [f["kind"] for f in body["versions"][1]["files"]] == ["main", "appendix"]
    # earlier versions stay readable
    first_file = body["versions"][0]["files"][0]["id"]
    got = specialist.get(f"/api/v1/outgoing/{pk}/files/{first_file}/content")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")

    submitted = specialist.post(
        f"/api/v1/outgoing/{pk}/submit", {}, content_type="application/json"
    ).json()
    assert submitted["state"] == "in_review"
    chain = [(s["reviewer_id"], s["state"]) for s in submitted["steps"]]
    assert chain == [
        (people["head"].pk, "pending"),
        (people["office_leader"].pk, "waiting"),
        (people["signer"].pk, "waiting"),
    ]
    # not the office leader's turn yet
    early = client_for(people["office_leader"]).post(
        f"/api/v1/outgoing/{pk}/approve", {}, content_type="application/json"
    )
    assert early.status_code == 403
    # the head returns it with a comment (mandatory)
    head = client_for(people["head"])
    assert (
        head.post(f"/api/v1/outgoing/{pk}/return", {}, content_type="application/json").status_code
        == 422
    )
    returned = head.post(
        f"/api/v1/outgoing/{pk}/return",
        {"comment": "Bổ sung căn cứ pháp lý"},
        content_type="application/json",
    ).json()
    assert returned["state"] == "draft"
    assert any(e["kind"] == "returned" and "căn cứ" in e["text"] for e in returned["timeline"])

    # resubmitted along a chosen chain: the office leader only, then the signer
    upload(people["specialist"], pk, pdf(3, "ban-3.pdf"))
    resubmitted = specialist.post(
        f"/api/v1/outgoing/{pk}/submit",
        {"chain": [people["office_leader"].pk]},
        content_type="application/json",
    ).json()
    second = [s for s in resubmitted["steps"] if s["round"] == 2]
    assert [s["reviewer_id"] for s in second] == [people["office_leader"].pk, people["signer"].pk]
    # the office leader corrects the text directly: a new version by the reviewer
    corrected = upload(people["office_leader"], pk, pdf(3, "ban-3-sua.pdf"), note="Sửa câu chữ")
    assert len(corrected["versions"]) == 4
    assert any(e["kind"] == "corrected" for e in corrected["timeline"])
    # the drafter may not upload during review
    denied = specialist.post(f"/api/v1/outgoing/{pk}/versions", {"files": [pdf()]})
    assert denied.status_code == 403
    for key in ("office_leader", "signer"):
        client_for(people[key]).post(
            f"/api/v1/outgoing/{pk}/approve", {}, content_type="application/json"
        )
    signed = client_for(people["signer"]).post(f"/api/v1/outgoing/{pk}/sign").json()
    assert signed["state"] == "signed"
    kinds = [e["kind"] for e in signed["timeline"]]
    assert kinds.count("approved") == 2 and kinds[-1] == "signed"


def test_issue_to_36_agencies_and_track_every_state(people, cong_van):
    agencies = make_recipients(36)
    due = timezone.localdate() + dt.timedelta(days=10)
    pk = to_signed(
        people,
        [{"agency_id": r["agency"].pk} for r in agencies]
        + [{"department_id": people["office"].pk}, {"name": "Lưu: VT, KGVX"}],
        doc_type=cong_van,
        due_date=due.isoformat(),
    )
    issued = issue(people, pk)
    assert issued["state"] == "issued"
    assert issued["code_number"] == "01"
    assert issued["code_notation"] == "UBND-KGVX"

    # every reception queue has it, with the files and the deadline fixed on issue
    for r in agencies:
        queue = client_for(r["clerk"]).get("/api/v1/incoming/reception").json()
        assert [q["code_number"] for q in queue] == ["01"]
        assert queue[0]["organ_name"] == "UBND tỉnh Đắk Lắk"
        assert timezone.localtime(dt.datetime.fromisoformat(queue[0]["due_at"])).date() == due
    incoming = {
        i.agency_id: i
        for i in IncomingDocument.objects.filter(origin_reference__startswith="delivery:")
    }
    assert len(incoming) == 36
    assert all(i.document.attachments.count() == 1 for i in incoming.values())

    # 1-6 accept and stay, 7-12 reject, 13-24 accept and assign, 25-30 also report progress,
    # 31-33 finish, 34-36 do nothing
    for n, r in enumerate(agencies, start=1):
        doc = incoming[r["agency"].pk]
        clerk, leader, specialist = (client_for(r[k]) for k in ("clerk", "leader", "specialist"))
        if n >= 34:
            continue
        if 7 <= n <= 12:
            assert (
                clerk.post(
                    f"/api/v1/incoming/{doc.pk}/reject",
                    {"reason": "Không đúng thẩm quyền"},
                    content_type="application/json",
                ).status_code
                == 200
            )
            continue
        assert (
            clerk.post(
                f"/api/v1/incoming/{doc.pk}/accept", {}, content_type="application/json"
            ).status_code
            == 200
        )
        if n <= 6:
            continue
        directed = leader.post(
            f"/api/v1/incoming/{doc.pk}/direct",
            {
                "direction": "Giao chuyên viên xử lý",
                "assignments": [{"kind": "lead", "person_id": r["specialist"].pk}],
            },
            content_type="application/json",
        )
        assert directed.status_code == 200, directed.content
        if n <= 24:
            continue
        assignment = directed.json()["assignments"][0]["id"]
        specialist.post(
            f"/api/v1/assignments/{assignment}/progress",
            {"note": "Đang tổng hợp"},
            content_type="application/json",
        )
        if n >= 31:
            specialist.post(
                f"/api/v1/assignments/{assignment}/complete",
                {"result": "Đã báo cáo"},
                content_type="application/json",
            )

    clerk = client_for(people["clerk"])
    rows = clerk.get(f"/api/v1/outgoing/{pk}/deliveries").json()
    assert len(rows) == 36
    by_agency = {row["recipient_agency_id"]: row for row in rows}
    statuses = [by_agency[r["agency"].pk]["status"] for r in agencies]
    assert statuses == ["03"] * 6 + ["02"] * 6 + ["04"] * 12 + ["05"] * 6 + ["06"] * 3 + ["01"] * 3
    rejected = by_agency[agencies[6]["agency"].pk]
    assert rejected["rejected_reason"] == "Không đúng thẩm quyền"
    assert rejected["acted_by"] == agencies[6]["clerk"].full_name
    accepted = by_agency[agencies[0]["agency"].pk]
    assert accepted["accepted_at"] and accepted["arrival_number"] == 1
    assert accepted["electronic_received_at"]
    done = by_agency[agencies[32]["agency"].pk]
    assert done["done_at"] and done["assigned_at"] and done["in_progress_at"]

    filtered = clerk.get(f"/api/v1/outgoing/{pk}/deliveries?filter=not_accepted").json()
    assert len(filtered) == 3
    assert len(clerk.get(f"/api/v1/outgoing/{pk}/deliveries?filter=rejected").json()) == 6
    assert clerk.get(f"/api/v1/outgoing/{pk}/deliveries?filter=late").json() == []

    # the deadline passes: everyone accepted but unfinished is late
    Delivery.objects.filter(outgoing_id=pk).update(due_date=timezone.localdate() - dt.timedelta(1))
    late = clerk.get(f"/api/v1/outgoing/{pk}/deliveries?filter=late").json()
    assert len(late) == 6 + 12 + 6 + 3  # accepted, assigned, in progress, not accepted
    # one reminder action reaches every recipient that has not accepted or not finished
    reminders = clerk.post(
        f"/api/v1/outgoing/{pk}/reminders",
        {"text": "Đề nghị khẩn trương."},
        content_type="application/json",
    )
    assert reminders.status_code == 201, reminders.content
    assert len(reminders.json()) == 27
    assert {r["reason"] for r in reminders.json()} == {"not_accepted", "not_done"}
    quiet = incoming[agencies[35]["agency"].pk]
    timeline = client_for(agencies[35]["clerk"]).get(f"/api/v1/incoming/{quiet.pk}").json()
    assert timeline["timeline"][-1]["kind"] == "reminder"
    assert "Đề nghị khẩn trương." in timeline["timeline"][-1]["text"]
    finished = incoming[agencies[31]["agency"].pk]
    assert not finished.timeline.filter(kind="reminder").exists()

    # issued documents are frozen; the register lists it
    frozen = client_for(people["specialist"]).patch(
        f"/api/v1/outgoing/{pk}", {"subject": "Khác"}, content_type="application/json"
    )
    assert frozen.status_code == 409
    assert "đã phát hành" in frozen.json()["detail"]


def test_recall_before_and_after_acceptance(people, recipients, cong_van):
    pk = to_signed(people, [{"agency_id": r["agency"].pk} for r in recipients], doc_type=cong_van)
    issue(people, pk)
    first, second, third = recipients
    docs = {r["agency"].pk: IncomingDocument.objects.get(agency=r["agency"]) for r in recipients}
    # the first accepts, the second accepts and will refuse the recall, the third does nothing
    for r in (first, second):
        client_for(r["clerk"]).post(
            f"/api/v1/incoming/{docs[r['agency'].pk].pk}/accept",
            {},
            content_type="application/json",
        )

    clerk = client_for(people["clerk"])
    assert (
        clerk.post(f"/api/v1/outgoing/{pk}/recall", {}, content_type="application/json").status_code
        == 422
    )
    recalled = clerk.post(
        f"/api/v1/outgoing/{pk}/recall",
        {"reason": "Sai sót về số liệu"},
        content_type="application/json",
    )
    assert recalled.status_code == 200, recalled.content
    assert recalled.json()["state"] == "recalled"
    # not accepted: withdrawn from the reception queue at once
    docs[third["agency"].pk].refresh_from_db()
    assert docs[third["agency"].pk].state == IncomingState.WITHDRAWN
    assert client_for(third["clerk"]).get("/api/v1/incoming/reception").json() == []
    # accepted: a recall order, answered 15 / 16
    answer = client_for(first["clerk"]).post(
        f"/api/v1/outgoing/recall-orders/{docs[first['agency'].pk].pk}/answer",
        {"agree": True},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "incoming": docs[first["agency"].pk].pk,
        "state": "withdrawn",
        "answer": "15",
    }
    refuse_without_reason = client_for(second["leader"]).post(
        f"/api/v1/outgoing/recall-orders/{docs[second['agency'].pk].pk}/answer",
        {"agree": False},
        content_type="application/json",
    )
    assert refuse_without_reason.status_code == 422
    client_for(second["leader"]).post(
        f"/api/v1/outgoing/recall-orders/{docs[second['agency'].pk].pk}/answer",
        {"agree": False, "text": "Đã triển khai thực hiện"},
        content_type="application/json",
    )
    # someone else's document cannot be answered
    assert (
        client_for(third["clerk"])
        .post(
            f"/api/v1/outgoing/recall-orders/{docs[first['agency'].pk].pk}/answer",
            {"agree": True},
            content_type="application/json",
        )
        .status_code
        == 404
    )
    rows = {
        r["recipient_agency_id"]: r for r in clerk.get(f"/api/v1/outgoing/{pk}/deliveries").json()
    }
    assert rows[first["agency"].pk]["status"] == "15"
    assert rows[second["agency"].pk]["status"] == "16"
    assert rows[second["agency"].pk]["acted_by"] == second["leader"].full_name
    assert rows[third["agency"].pk]["status"] == "withdrawn"
    # a recall of a recalled document is refused, nothing changes
    again = clerk.post(
        f"/api/v1/outgoing/{pk}/recall", {"reason": "Lần nữa"}, content_type="application/json"
    )
    assert again.status_code == 409 and "đã bị thu hồi" in again.json()["detail"]
    assert OutgoingDocument.objects.get(pk=pk).recall_reason == "Sai sót về số liệu"


def test_recall_before_the_delivery_job_ran(people, recipients, cong_van):
    pk = to_signed(people, [{"agency_id": r["agency"].pk} for r in recipients], doc_type=cong_van)
    issue(people, pk, deliver=False)
    recalled = client_for(people["signer"]).post(
        f"/api/v1/outgoing/{pk}/recall", {"reason": "Nhầm"}, content_type="application/json"
    )
    assert recalled.status_code == 200, recalled.content
    from qlvb.jobs.runner import run_due

    run_due()
    assert not IncomingDocument.objects.exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"withdrawn"}


def test_replacement_links_both_sides(people, recipients, cong_van):
    target = recipients[0]
    old = to_signed(people, [{"agency_id": target["agency"].pk}], doc_type=cong_van)
    issue(people, old)
    new = to_signed(
        people,
        [{"agency_id": target["agency"].pk}],
        doc_type=cong_van,
        related_to_id=old,
        business_type="replacement",
    )
    issued = issue(people, new)
    assert issued["related_to_id"] == old and issued["code_number"] == "02"
    old_in, new_in = IncomingDocument.objects.filter(agency=target["agency"]).order_by("id")
    assert new_in.replaces_id == old_in.pk and new_in.relation == "replacement"
    assert old_in.timeline.filter(kind="replaces").exists()
    assert new_in.timeline.filter(kind="replaces").exists()


def test_flash_deliveries_go_first(people, recipients, cong_van):
    from qlvb.jobs.runner import due_pks

    normal = to_signed(people, [{"agency_id": recipients[0]["agency"].pk}], doc_type=cong_van)
    flash = to_signed(
        people, [{"agency_id": recipients[1]["agency"].pk}], doc_type=cong_van, urgency="hoa_toc"
    )
    issue(people, normal, deliver=False)
    issue(people, flash, deliver=False)
    order = due_pks(Delivery, now=timezone.now(), limit=10)
    assert Delivery.objects.get(pk=order[0]).outgoing_id == flash
    from qlvb.jobs.runner import run_due

    run_due()
    queue_doc = client_for(recipients[1]["clerk"]).get("/api/v1/incoming/reception").json()[0]
    assert queue_doc["urgency"] == "hoa_toc"
