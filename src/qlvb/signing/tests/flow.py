"""Drive an outgoing document to `approved` with a PDF whose signer block names the signer."""

from qlvb.outgoing.tests.flow import approve_all, create_draft, upload

from .conftest import as_file, client_for, signer_pdf


def to_approved(
    people, recipients, *, appendix: bytes | None = None, main: bytes | None = None, **kw
) -> int:
    to = [{"agency_id": recipients[0]["agency"].pk}]
    pk = create_draft(people, to, **kw)
    files = [as_file(main or signer_pdf(people), "du-thao.pdf")]
    if appendix:
        files.append(as_file(appendix, "phu-luc.pdf"))
    upload(people["specialist"], pk, *files)
    response = client_for(people["specialist"]).post(
        f"/api/v1/outgoing/{pk}/submit", {}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    # the chain: head, office leader, then the signer approves last
    approve_all(people, pk)
    return pk
