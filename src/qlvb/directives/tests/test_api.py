"""Every task flow and permission rule through the HTTP API with signed-in sessions."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from qlvb.audit.models import AuditEvent
from qlvb.directives.models import Task, TaskPeriod, Urge
from qlvb.documents.models import Document

from .conftest import client_for, days

pytestmark = pytest.mark.django_db


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def create(client, **overrides):
    body = {
        "title": "Rà soát dự toán ngân sách năm 2027",
        "content": "Rà soát và báo cáo UBND tỉnh",
        "lead_agency_code": "000.00.20.H15",
        "due_at": iso(days(10)),
        "source_text": "Kết luận cuộc họp giao ban tháng 3",
    }
    body.update(overrides)
    return client.post("/api/v1/tasks", body, content_type="application/json")


def test_a_leader_assigns_and_the_lead_agency_carries_it_to_confirmed_on_time(world):
    leader = client_for(world["leader"])
    response = create(
        leader, cooperating=[{"agency_code": "000.00.21.H15", "part": "Số liệu ngành y tế"}]
    )
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["status"] == "in_progress_on_time"
    assert task["assigned_by"] == world["leader"].full_name
    assert task["cooperating"] == [{"agency_code": "000.00.21.H15", "part": "Số liệu ngành y tế"}]
    pk = task["id"]

    stc_leader = client_for(world["stc_leader"])
    queue = stc_leader.get("/api/v1/tasks/queue").json()
    assert [t["id"] for t in queue] == [pk]
    assert stc_leader.post(f"/api/v1/tasks/{pk}/receive").status_code == 200
    assert stc_leader.get("/api/v1/tasks/queue").json() == []
    assert stc_leader.post(f"/api/v1/tasks/{pk}/receive").status_code == 409

    assigned = stc_leader.post(
        f"/api/v1/tasks/{pk}/assign",
        {"department_id": world["ns"].pk},
        content_type="application/json",
    )
    assert assigned.json()["lead_department_id"] == world["ns"].pk

    specialist = client_for(world["stc_specialist"])
    progress = specialist.post(
        f"/api/v1/tasks/{pk}/progress",
        {"text": "Đã tổng hợp số liệu 10/15 huyện", "percent": 60},
        content_type="application/json",
    )
    assert progress.status_code == 201, progress.content
    # a co-operating agency reports its part
    syt = client_for(world["syt_specialist"])
    part = syt.post(
        f"/api/v1/tasks/{pk}/progress",
        {"text": "Đã gửi số liệu ngành y tế", "percent": 100},
        content_type="application/json",
    )
    assert part.status_code == 201
    assert part.json()["agency"] == "Sở Y tế"

    done = specialist.post(
        f"/api/v1/tasks/{pk}/complete",
        {"result": "Đã rà soát xong", "evidence": "Báo cáo số 12/BC-STC"},
        content_type="application/json",
    )
    assert done.status_code == 201, done.content
    assert leader.get(f"/api/v1/tasks/{pk}").json()["status"] == "in_progress_on_time"
    # a second completion while the assigner decides: refused
    again = specialist.post(
        f"/api/v1/tasks/{pk}/complete", {"result": "x"}, content_type="application/json"
    )
    assert again.status_code == 409

    confirmed = leader.post(
        f"/api/v1/task-completions/{done.json()['id']}/decide",
        {"decision": "confirm"},
        content_type="application/json",
    )
    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    assert body["status"] == "done_on_time"
    assert [p["percent"] for p in body["progress"]] == [60, 100]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "task.create",
        "task.receive",
        "task.assign_inside",
        "task.progress",
        "task.complete",
        "task.confirm",
    } <= actions


def test_returned_completion_runs_the_clock_again_and_an_old_task_becomes_done_late(world):
    leader = client_for(world["leader"])
    # a conclusion of three weeks ago with a deadline last week
    response = create(leader, assigned_at=iso(days(-21)), due_at=iso(days(-7)))
    assert response.status_code == 201
    pk = response.json()["id"]
    assert response.json()["status"] == "overdue"
    stc = client_for(world["stc_specialist"])
    first = stc.post(
        f"/api/v1/tasks/{pk}/complete", {"result": "Xong"}, content_type="application/json"
    ).json()
    returned = leader.post(
        f"/api/v1/task-completions/{first['id']}/decide",
        {"decision": "return"},
        content_type="application/json",
    )
    assert returned.status_code == 422  # a reason is required
    returned = leader.post(
        f"/api/v1/task-completions/{first['id']}/decide",
        {"decision": "return", "note": "Thiếu số liệu huyện Krông Pắc"},
        content_type="application/json",
    )
    assert returned.json()["status"] == "overdue"
    assert TaskPeriod.objects.get(task_id=pk).completed_at is None
    second = stc.post(
        f"/api/v1/tasks/{pk}/complete", {"result": "Đã bổ sung"}, content_type="application/json"
    ).json()
    final = leader.post(
        f"/api/v1/task-completions/{second['id']}/decide",
        {"decision": "confirm"},
        content_type="application/json",
    ).json()
    assert final["status"] == "done_late"
    assert [c["decision"] for c in final["completions"]] == ["returned", "confirmed"]


def test_extension_granted_moves_the_deadline_refused_does_not(world):
    leader = client_for(world["leader"])
    pk = create(leader, assigned_at=iso(days(-10)), due_at=iso(days(-1))).json()["id"]
    stc = client_for(world["stc_leader"])
    bad = stc.post(
        f"/api/v1/tasks/{pk}/extensions",
        {"reason": "Chờ số liệu", "new_due_at": iso(days(-2))},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "Hạn đề nghị phải sau hạn hiện tại" in bad.json()["detail"]
    ext = stc.post(
        f"/api/v1/tasks/{pk}/extensions",
        {"reason": "Chờ số liệu các huyện", "new_due_at": iso(days(5))},
        content_type="application/json",
    )
    assert ext.status_code == 201, ext.content
    # only the assigner decides
    not_assigner = client_for(world["stc_leader"]).post(
        f"/api/v1/task-extensions/{ext.json()['id']}/decide",
        {"decision": "grant"},
        content_type="application/json",
    )
    assert not_assigner.status_code == 403
    granted = leader.post(
        f"/api/v1/task-extensions/{ext.json()['id']}/decide",
        {"decision": "grant"},
        content_type="application/json",
    ).json()
    assert granted["status"] == "in_progress_on_time"
    assert granted["extensions"][0]["decision"] == "granted"

    ext2 = stc.post(
        f"/api/v1/tasks/{pk}/extensions",
        {"reason": "Xin thêm", "new_due_at": iso(days(30))},
        content_type="application/json",
    ).json()
    refused = leader.post(
        f"/api/v1/task-extensions/{ext2['id']}/decide",
        {"decision": "refuse", "note": "Không đủ lý do"},
        content_type="application/json",
    ).json()
    assert refused["effective_due_at"][:10] == iso(days(5))[:10]


def test_bad_input_is_refused_with_a_clear_reason(world):
    leader = client_for(world["leader"])
    early = create(leader, assigned_at=iso(days(-1)), due_at=iso(days(-2)))
    assert early.status_code == 422
    assert "phải sau ngày giao nhiệm vụ" in early.json()["detail"]
    assert "due_at" in early.json()["errors"]

    pk = create(leader).json()["id"]
    # completion by a unit that is not the lead
    syt = client_for(world["syt_leader"])
    create_by_other = syt.post(
        f"/api/v1/tasks/{pk}/complete", {"result": "x"}, content_type="application/json"
    )
    assert create_by_other.status_code == 404  # not even visible to Sở Y tế
    other = client_for(world["office_specialist"])  # sees it (its agency gave it), is not lead
    refused = other.post(
        f"/api/v1/tasks/{pk}/complete", {"result": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert "Chỉ đơn vị chủ trì (Sở Tài chính)" in refused.json()["detail"]

    # an extension on a finished task
    stc = client_for(world["stc_specialist"])
    completion = stc.post(
        f"/api/v1/tasks/{pk}/complete", {"result": "Xong"}, content_type="application/json"
    ).json()
    late = stc.post(
        f"/api/v1/tasks/{pk}/extensions",
        {"reason": "x", "new_due_at": iso(days(40))},
        content_type="application/json",
    )
    assert late.status_code == 409
    assert "không thể đề nghị gia hạn" in late.json()["detail"]
    leader.post(
        f"/api/v1/task-completions/{completion['id']}/decide",
        {"decision": "confirm"},
        content_type="application/json",
    )
    assert (
        stc.post(
            f"/api/v1/tasks/{pk}/extensions",
            {"reason": "x", "new_due_at": iso(days(40))},
            content_type="application/json",
        ).status_code
        == 409
    )
    # percent out of range, unknown agency, empty title
    assert (
        stc.post(
            f"/api/v1/tasks/{pk}/progress",
            {"text": "x", "percent": 140},
            content_type="application/json",
        ).status_code
        == 422
    )
    assert create(leader, lead_agency_code="999.99.99.H15").status_code == 422
    assert create(leader, title="  ").status_code == 422


def test_who_may_assign(world):
    # a specialist may not; a tracking officer may, naming the leader who gave it
    assert create(client_for(world["office_specialist"])).status_code == 403
    tracking = client_for(world["tracking"])
    assert create(tracking).status_code == 403
    entered = create(tracking, assigned_by_id=world["leader"].pk)
    assert entered.status_code == 201
    assert entered.json()["assigned_by"] == world["leader"].full_name
    assert create(tracking, assigned_by_id=world["stc_leader"].pk).status_code == 422


def test_visibility_an_agency_sees_what_it_was_given_and_what_it_gave(world):
    leader = client_for(world["leader"])
    to_stc = create(leader).json()["id"]
    to_syt = create(leader, lead_agency_code="000.00.21.H15").json()["id"]
    # Sở Tài chính gives its own task to Sở Xây dựng
    stc_task = create(client_for(world["stc_leader"]), lead_agency_code="000.00.22.H15").json()[
        "id"
    ]

    def ids(person):
        return {p["task_id"] for p in client_for(person).get("/api/v1/tasks").json()}

    assert ids(world["stc_specialist"]) == {to_stc, stc_task}
    assert ids(world["syt_specialist"]) == {to_syt}
    assert ids(world["sxd_leader"]) == {stc_task}
    assert ids(world["tracking"]) == {to_stc, to_syt, stc_task}
    assert ids(world["leader"]) == {to_stc, to_syt, stc_task}  # leader of the province office
    assert client_for(world["syt_specialist"]).get(f"/api/v1/tasks/{to_stc}").status_code == 404
    # role filters
    stc = client_for(world["stc_leader"])
    given = stc.get("/api/v1/tasks?role=given").json()
    assert [p["task_id"] for p in given] == [stc_task]


def test_tasks_for_several_agencies_from_one_document_in_one_action(world):
    document = Document.objects.create(
        agency=world["office"],
        type_name="Thông báo",
        code_number="501",
        code_notation="TB-VPUBND",
        issued_date=dt.date(2026, 3, 2),
        subject="Kết luận của Chủ tịch UBND tỉnh tại cuộc họp giao ban",
    )
    leader = client_for(world["leader"])
    body = {
        "agency_codes": ["000.00.20.H15", "000.00.21.H15", "000.00.22.H15", "000.00.20.H15"],
        "title": "Triển khai kết luận giao ban tháng 3",
        "due_at": iso(days(15)),
        "document_id": document.pk,
        "parts": {"000.00.21.H15": "Báo cáo tình hình dịch bệnh"},
    }
    response = leader.post("/api/v1/tasks/for-agencies", body, content_type="application/json")
    assert response.status_code == 201, response.content
    tasks = response.json()
    assert [t["lead_agency_code"] for t in tasks] == [
        "000.00.20.H15",
        "000.00.21.H15",
        "000.00.22.H15",
    ]
    assert all(t["source_text"] == "Thông báo số 501/TB-VPUBND ngày 02/03/2026" for t in tasks)
    assert tasks[1]["content"] == "Báo cáo tình hình dịch bệnh"
    assert Task.objects.filter(source_document=document).count() == 3
    # one unknown code: nothing is created
    body["agency_codes"] = ["000.00.20.H15", "123.45.67.H15"]
    bad = leader.post("/api/v1/tasks/for-agencies", body, content_type="application/json")
    assert bad.status_code == 422
    assert "123.45.67.H15" in bad.json()["detail"]
    assert Task.objects.count() == 3
    # another agency's document: not found
    body["agency_codes"] = ["000.00.22.H15"]
    stc = client_for(world["stc_leader"])
    assert (
        stc.post("/api/v1/tasks/for-agencies", body, content_type="application/json").status_code
        == 404
    )


def test_a_direction_on_an_incoming_document_becomes_a_task(world):
    from qlvb.incoming.models import IncomingDocument, IncomingState, Source

    document = Document.objects.create(
        agency=world["office"],
        type_name="Công văn",
        code_number="88",
        code_notation="BYT-KH",
        organ_name="Bộ Y tế",
        subject="V/v triển khai tiêm chủng mở rộng",
    )
    incoming = IncomingDocument.objects.create(
        document=document,
        agency=world["office"],
        state=IncomingState.ASSIGNED,
        source=Source.ELECTRONIC,
        direction="Giao Sở Y tế chủ trì triển khai, báo cáo trước 30/4",
    )
    specialist = client_for(world["office_specialist"])
    body = {"lead_agency_code": "000.00.21.H15", "due_at": iso(days(20))}
    url = f"/api/v1/incoming/{incoming.pk}/tasks"
    assert specialist.post(url, body, content_type="application/json").status_code in (403, 404)
    response = client_for(world["leader"]).post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["source_kind"] == "direction"
    assert task["source_incoming_id"] == incoming.pk
    assert task["title"] == "V/v triển khai tiêm chủng mở rộng"
    assert task["content"].startswith("Giao Sở Y tế chủ trì")


def test_recurring_task_has_one_status_per_period(world):
    leader = client_for(world["leader"])
    response = create(
        leader,
        title="Báo cáo tình hình giải ngân hằng tháng",
        assigned_at=iso(days(-45)),
        due_at=iso(days(-40)),
        recurrence="monthly",
        recurrence_until=(timezone.localdate() + dt.timedelta(days=100)).isoformat(),
    )
    assert response.status_code == 201, response.content
    periods = response.json()["periods"]
    assert len(periods) >= 4
    statuses = [p["status"] for p in periods]
    assert statuses[0] == "overdue"
    assert "not_yet_due" in statuses
    # a report for the current period is judged against that period's deadline
    assert create(leader, recurrence="monthly", recurrence_until=None).status_code == 422


def test_tracking_counts_drill_down_urge_and_report(world):
    leader = client_for(world["leader"])
    overdue_1 = create(leader, assigned_at=iso(days(-20)), due_at=iso(days(-3))).json()["id"]
    create(leader, assigned_at=iso(days(-20)), due_at=iso(days(-2)))
    create(leader)  # on time
    create(
        leader, lead_agency_code="000.00.21.H15", assigned_at=iso(days(-20)), due_at=iso(days(-1))
    )
    tracking = client_for(world["tracking"])
    rows = {r["agency_name"]: r for r in tracking.get("/api/v1/tasks/tracking").json()}
    assert rows["Sở Tài chính"]["total"] == 3
    assert rows["Sở Tài chính"]["overdue"] == 2
    assert rows["Sở Tài chính"]["in_progress_on_time"] == 1
    assert rows["Sở Y tế"]["overdue"] == 1
    # drill-down: overdue first
    listed = tracking.get("/api/v1/tasks?agency_code=000.00.20.H15").json()
    assert [p["status"] for p in listed] == ["overdue", "overdue", "in_progress_on_time"]
    only_overdue = tracking.get("/api/v1/tasks?agency_code=000.00.20.H15&status=overdue").json()
    assert len(only_overdue) == 2

    # urge one task, then every overdue task of Sở Tài chính in one action
    one = tracking.post(
        f"/api/v1/tasks/{overdue_1}/urge",
        {"text": "Đề nghị báo cáo ngay"},
        content_type="application/json",
    )
    assert one.status_code == 201
    stc_id = world["stc"].pk
    bulk = tracking.post(
        f"/api/v1/tasks/tracking/{stc_id}/urge-overdue",
        {"text": "Đôn đốc"},
        content_type="application/json",
    )
    assert bulk.status_code == 200
    assert len(bulk.json()) == 2
    assert Urge.objects.filter(agency=world["stc"]).count() == 3
    # the agency sees the urges, in its list and on the task page
    stc = client_for(world["stc_specialist"])
    assert len(stc.get("/api/v1/tasks/urges").json()) == 3
    assert len(stc.get(f"/api/v1/tasks/{overdue_1}").json()["urges"]) == 2
    # an agency may not urge, nor urge-all another agency
    assert (
        stc.post(f"/api/v1/tasks/{overdue_1}/urge", {}, content_type="application/json").status_code
        == 403
    )
    assert (
        client_for(world["syt_leader"])
        .post(f"/api/v1/tasks/tracking/{stc_id}/urge-overdue", {}, content_type="application/json")
        .status_code
        == 409  # Sở Y tế gave Sở Tài chính nothing, so nothing to urge
    )
    # an agency's counts are its own
    own = stc.get("/api/v1/tasks/tracking").json()
    assert [r["agency_name"] for r in own] == ["Sở Tài chính"]

    report = tracking.get("/api/v1/tasks/report")
    assert report.status_code == 200
    book = load_workbook(io.BytesIO(report.content))
    summary = [[c.value for c in row] for row in book["Tổng hợp"].iter_rows(min_row=5)]
    assert summary[0][1] == "Sở Tài chính" and summary[0][2] == 3 and summary[0][6] == 2
    assert summary[-1][1] == "Tổng cộng" and summary[-1][2] == 4
    assert book["Danh sách"].max_row == 5

    pdf = tracking.get("/api/v1/tasks/report?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].endswith('.pdf"')
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    assert "BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ" in text
    assert "1 Sở Tài chính 3 0 0 1 2 0" in text  # total, done on time/late, on time, overdue
    assert "Tổng cộng 4" in text and "Quá hạn" in text
    page = tracking.get("/nhiem-vu/bao-cao/?format=pdf")
    assert page.status_code == 200 and page.content.startswith(b"%PDF")
    own_pdf = stc.get("/api/v1/tasks/report?format=pdf")
    own_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(own_pdf.content)).pages)
    assert "Sở Y tế" not in own_text  # an agency's report is its own
    assert tracking.get("/api/v1/tasks/report?format=doc").status_code == 422


def test_sub_tasks_for_departments_stay_inside_the_lead_agency(world):
    leader = client_for(world["leader"])
    pk = create(leader).json()["id"]
    stc = client_for(world["stc_leader"])
    too_late = stc.post(
        f"/api/v1/tasks/{pk}/split",
        {"parts": [{"department_id": world["ns"].pk, "due_at": iso(days(30))}]},
        content_type="application/json",
    )
    assert too_late.status_code == 422
    wrong_dept = stc.post(
        f"/api/v1/tasks/{pk}/split",
        {"parts": [{"department_id": world["syt_dept"].pk}]},
        content_type="application/json",
    )
    assert wrong_dept.status_code == 422
    split = stc.post(
        f"/api/v1/tasks/{pk}/split",
        {
            "parts": [
                {
                    "department_id": world["ns"].pk,
                    "title": "Tổng hợp số liệu",
                    "due_at": iso(days(5)),
                }
            ]
        },
        content_type="application/json",
    )
    assert split.status_code == 201, split.content
    assert split.json()[0]["parent_id"] == pk
    detail = stc.get(f"/api/v1/tasks/{pk}").json()
    assert [c["title"] for c in detail["children"]] == ["Tổng hợp số liệu"]
    # the tracking screen counts the task once
    rows = client_for(world["tracking"]).get("/api/v1/tasks/tracking").json()
    assert rows[0]["total"] == 1
    # a specialist may not split
    assert (
        client_for(world["stc_specialist"])
        .post(
            f"/api/v1/tasks/{pk}/split",
            {"parts": [{"department_id": world["ns"].pk}]},
            content_type="application/json",
        )
        .status_code
        == 403
    )
