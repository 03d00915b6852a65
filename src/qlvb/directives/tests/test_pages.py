"""The pages: tracking screen, drill-down, task page actions, the assignment form."""

import pytest

from qlvb.directives.models import Task, Urge

from .conftest import client_for, days

pytestmark = pytest.mark.django_db


def test_tracking_screen_counts_drill_down_and_urge(world, task_factory):
    task_factory(assigned_at=days(-20), due_at=days(-2))
    task_factory()
    tracking = client_for(world["tracking"])
    page = tracking.get("/nhiem-vu/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sở Tài chính" in html and 'data-status="overdue">1<' in html
    drill = tracking.get(f"/nhiem-vu/danh-sach/?agency={world['stc'].pk}").content.decode()
    assert drill.index('data-status="overdue"') < drill.index('data-status="in_progress_on_time"')
    response = tracking.post(f"/nhiem-vu/co-quan/{world['stc'].pk}/don-doc/", {"text": "Nhanh"})
    assert response.status_code == 302
    assert Urge.objects.count() == 1
    # the agency sees the urge on its tracking screen
    assert "Nhanh" in client_for(world["stc_leader"]).get("/nhiem-vu/").content.decode()


def test_assign_to_several_agencies_from_the_form_and_report_progress(world):
    leader = client_for(world["leader"])
    assert leader.get("/nhiem-vu/giao/").status_code == 200
    assert client_for(world["stc_specialist"]).get("/nhiem-vu/giao/").status_code == 404
    response = leader.post(
        "/nhiem-vu/giao/",
        {
            "title": "Triển khai kết luận giao ban",
            "agencies": ["000.00.20.H15", "000.00.21.H15"],
            "due_at": days(5).strftime("%Y-%m-%dT%H:%M"),
            "source_kind": "meeting",
            "source_text": "Kết luận giao ban tháng 3",
            "priority": "normal",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Task.objects.count() == 2
    task = Task.objects.get(lead_agency=world["stc"])
    stc = client_for(world["stc_specialist"])
    page = stc.get(f"/nhiem-vu/{task.pk}/")
    assert page.status_code == 200
    stc.post(f"/nhiem-vu/{task.pk}/progress/", {"text": "Đang triển khai", "percent": "40"})
    assert task.progress_reports.get().percent == 40
    # a refused action shows its reason
    bad = leader.post(f"/nhiem-vu/{task.pk}/complete/", {"result": "x"}, follow=True)
    assert "Chỉ đơn vị chủ trì" in bad.content.decode()
    # other agency: not found
    assert client_for(world["sxd_leader"]).get(f"/nhiem-vu/{task.pk}/").status_code == 404


def test_report_download_and_navigation(world, task_factory):
    task_factory()
    tracking = client_for(world["tracking"])
    report = tracking.get("/nhiem-vu/bao-cao/")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    home = tracking.get("/nhiem-vu/").content.decode()
    assert 'href="/nhiem-vu/"' in home
