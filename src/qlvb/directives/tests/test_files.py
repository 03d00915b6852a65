"""Files on progress and completion reports, through the API and the task page: stored in the
documents app's content-addressed storage, listed and downloaded by those who may see the task
(audited), bad files refused with a Vietnamese reason and nothing saved."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qlvb.audit.models import AuditEvent
from qlvb.directives.models import Completion, ProgressReport, TaskFile
from qlvb.documents import storage
from qlvb.documents.models import Blob
from qlvb.documents.tests.test_storage import pdf_bytes

from .conftest import client_for, make_person

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def task(world, task_factory):
    return task_factory(cooperating=[(world["syt"], "Số liệu ngành y tế")])


def _nothing_stored(before_blobs: int) -> None:
    assert ProgressReport.objects.count() == 0
    assert Completion.objects.count() == 0
    assert TaskFile.objects.count() == 0
    assert Blob.objects.count() == before_blobs


def test_progress_with_files_through_the_api_listed_and_downloaded_audited(world, task):
    stc = client_for(world["stc_leader"])
    report_pdf = pdf_bytes(2)
    response = stc.post(
        f"/api/v1/tasks/{task.pk}/progress-with-files",
        {
            "text": "Đã hoàn thành dự thảo báo cáo",
            "percent": "60",
            "files": [upload("Báo cáo tiến độ.pdf", report_pdf), upload("bang.pdf", pdf_bytes(1))],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["percent"] == 60
    assert [f["name"] for f in body["files"]] == ["Báo cáo tiến độ.pdf", "bang.pdf"]
    first = body["files"][0]
    assert first["sha256"] == hashlib.sha256(report_pdf).hexdigest()
    assert first["content_type"] == "application/pdf" and first["page_count"] == 2
    assert first["size"] == len(report_pdf)
    # Stored once by content, in the documents app's storage.
    blob = Blob.objects.get(sha256=first["sha256"])
    assert storage.verify(blob)

    detail = client_for(world["leader"]).get(f"/api/v1/tasks/{task.pk}").json()
    assert [f["id"] for f in detail["progress"][0]["files"]] == [f["id"] for f in body["files"]]

    # The assigner, the tracking officer and the co-operating agency may download it.
    for person in ("leader", "tracking", "syt_leader"):
        got = client_for(world[person]).get(first["url"])
        assert got.status_code == 200, person
        assert b"".join(got.streaming_content) == report_pdf
        assert "attachment" in got["Content-Disposition"]
    downloads = AuditEvent.objects.filter(action="task_file.download")
    assert downloads.count() == 3
    assert {e.details["task"] for e in downloads} == {task.pk}

    # An agency with nothing to do with the task does not see the file: 404 as if missing.
    outsider = client_for(world["sxd_leader"])
    assert outsider.get(first["url"]).status_code == 404
    assert outsider.get(f"/nhiem-vu/tep/{first['id']}/").status_code == 404
    assert AuditEvent.objects.filter(action="task_file.download").count() == 3


def test_a_range_request_of_a_pdf_viewer_is_audited_once(world, task):
    stc = client_for(world["stc_leader"])
    body = stc.post(
        f"/api/v1/tasks/{task.pk}/progress-with-files",
        {"text": "Tiến độ", "percent": "10", "files": [upload("a.pdf", pdf_bytes(3))]},
    ).json()
    url = body["files"][0]["url"] + "?inline=true"
    assert stc.get(url, HTTP_RANGE="bytes=0-99").status_code == 206
    assert stc.get(url, HTTP_RANGE="bytes=100-199").status_code == 206
    assert AuditEvent.objects.filter(action="task_file.view").count() == 1


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("virus.exe", b"MZ\x90\x00 not a document", "định dạng không được phép"),
        ("hong.pdf", b"%PDF-1.7\n garbage that is not a pdf", "bị hỏng"),
        ("rong.pdf", b"", "rỗng"),
    ],
)
def test_bad_files_are_refused_in_vietnamese_and_nothing_is_saved(world, task, name, data, reason):
    before = Blob.objects.count()
    stc = client_for(world["stc_leader"])
    response = stc.post(
        f"/api/v1/tasks/{task.pk}/progress-with-files",
        {
            "text": "Tiến độ",
            "percent": "20",
            "files": [upload("tot.pdf", pdf_bytes(1)), upload(name, data)],
        },
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert reason in response.json()["detail"]
    _nothing_stored(before)


def test_a_file_too_large_is_refused_and_nothing_is_saved(world, task, settings):
    settings.QLVB_MAX_UPLOAD_BYTES = 2000
    before = Blob.objects.count()
    stc = client_for(world["stc_leader"])
    response = stc.post(
        f"/api/v1/tasks/{task.pk}/complete-with-files",
        {"result": "Đã xong", "files": [upload("lon.pdf", b"%PDF-" + b"0" * 5000)]},
    )
    assert response.status_code == 422
    assert "vượt quá dung lượng" in response.json()["detail"]
    _nothing_stored(before)
    assert task.periods.get().completed_at is None


def test_a_refused_report_leaves_no_stored_bytes_nor_temporary_files(world, task, settings):
    """Files are staged before the transaction; a report refused inside it (a unit that may
    not report) stores nothing and leaves no staged copy behind."""
    from qlvb.core.errors import PermissionDenied
    from qlvb.directives import services
    from qlvb.documents.services import Upload

    data = pdf_bytes(4)
    before = Blob.objects.count()
    tmp = settings.DATA_DIR / "tmp"
    staged_before = set(tmp.glob("qlvb-upload-*"))
    outsider = make_person("chuyenvien.sxd", world["sxd"], "specialist")
    with pytest.raises(PermissionDenied):
        services.task_report_progress(
            actor=outsider,
            task=task,
            text="Không phải việc của tôi",
            percent=5,
            files=[Upload(stream=io.BytesIO(data), name="x.pdf")],
        )
    _nothing_stored(before)
    assert not storage.storage().exists(storage.blob_path(hashlib.sha256(data).hexdigest()))
    assert set(tmp.glob("qlvb-upload-*")) == staged_before


def test_completion_evidence_files_through_the_api(world, task):
    stc = client_for(world["stc_leader"])
    response = stc.post(
        f"/api/v1/tasks/{task.pk}/complete-with-files",
        {
            "result": "Đã trình UBND tỉnh báo cáo",
            "evidence": "Báo cáo số 12/BC-STC",
            "files": [upload("12-BC-STC.pdf", pdf_bytes(1))],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["evidence"] == "Báo cáo số 12/BC-STC"
    assert [f["name"] for f in body["files"]] == ["12-BC-STC.pdf"]
    detail = client_for(world["leader"]).get(f"/api/v1/tasks/{task.pk}").json()
    assert detail["completions"][0]["files"][0]["id"] == body["files"][0]["id"]
    assert detail["status"] == "in_progress_on_time"  # waits for the assigner's confirmation


def test_a_co_operating_agency_reports_its_part_with_a_file(world, task):
    syt = client_for(world["syt_leader"])
    response = syt.post(
        f"/api/v1/tasks/{task.pk}/progress-with-files",
        {
            "text": "Số liệu ngành y tế",
            "percent": "100",
            "files": [upload("so-lieu.pdf", pdf_bytes(1))],
        },
    )
    assert response.status_code == 201
    assert response.json()["agency"] == world["syt"].name


def test_the_page_form_uploads_lists_and_refuses(world, task):
    stc = client_for(world["stc_leader"])
    page = stc.get(f"/nhiem-vu/{task.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="files"' in page

    response = stc.post(
        f"/nhiem-vu/{task.pk}/progress/",
        {
            "text": "Đang triển khai",
            "percent": "40",
            "files": [upload("tien-do.pdf", pdf_bytes(1))],
        },
        follow=True,
    )
    assert response.status_code == 200
    stored = TaskFile.objects.get()
    assert stored.progress_report.percent == 40
    page = response.content.decode()
    assert f'href="/nhiem-vu/tep/{stored.pk}/"' in page and "tien-do.pdf" in page
    got = client_for(world["leader"]).get(f"/nhiem-vu/tep/{stored.pk}/")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="task_file.download").count() == 1

    response = stc.post(
        f"/nhiem-vu/{task.pk}/progress/",
        {
            "text": "Lần hai",
            "percent": "50",
            "files": [upload("anh.png", b"\x89PNG\r\n\x1a\nbroken")],
        },
        follow=True,
    )
    assert "Tệp ảnh «anh.png» bị hỏng hoặc không đọc được." in response.content.decode()
    assert ProgressReport.objects.count() == 1 and TaskFile.objects.count() == 1

    response = stc.post(
        f"/nhiem-vu/{task.pk}/complete/",
        {"result": "Đã xong", "files": [upload("minh-chung.pdf", pdf_bytes(1))]},
        follow=True,
    )
    evidence = TaskFile.objects.get(completion__isnull=False)
    assert evidence.original_name == "minh-chung.pdf"
    assert f'href="/nhiem-vu/tep/{evidence.pk}/"' in response.content.decode()
