"""Drive an outgoing document through the API up to a given state."""

from __future__ import annotations

from qlvb.jobs.runner import run_due

from .conftest import client_for, pdf


def create_draft(people, recipients_payload, *, doc_type=None, **extra):
    specialist = client_for(people["specialist"])
    body = {
        "document_type": doc_type.pk if doc_type else None,
        "subject": "V/v triển khai công tác chuyển đổi số năm 2026",
        "signer_id": people["signer"].pk,
        "recipients": recipients_payload,
        **extra,
    }
    response = specialist.post("/api/v1/outgoing", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def upload(person, pk, *files, note=""):
    response = client_for(person).post(
        f"/api/v1/outgoing/{pk}/versions", {"note": note, "files": list(files) or [pdf(2)]}
    )
    assert response.status_code == 201, response.content
    return response.json()


def approve_all(people, pk):
    for key in ("head", "office_leader", "signer"):
        response = client_for(people[key]).post(
            f"/api/v1/outgoing/{pk}/approve", {"comment": "Đồng ý"}, content_type="application/json"
        )
        assert response.status_code == 200, response.content


def to_signed(people, recipients_payload, **kwargs) -> int:
    pk = create_draft(people, recipients_payload, **kwargs)
    upload(people["specialist"], pk)
    response = client_for(people["specialist"]).post(
        f"/api/v1/outgoing/{pk}/submit", {}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    approve_all(people, pk)
    response = client_for(people["signer"]).post(f"/api/v1/outgoing/{pk}/sign")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "signed"
    return pk


def issue(people, pk, *, deliver=True) -> dict:
    response = client_for(people["clerk"]).post(f"/api/v1/outgoing/{pk}/issue")
    assert response.status_code == 200, response.content
    if deliver:
        run_due()
    return response.json()
