"""`qlvb edxml export` then `qlvb edxml parse`: an issued outgoing document keeps every field."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from qlvb.exchange.credentials import install_agency_key
from qlvb.exchange.mapping import document_id_of
from qlvb.outgoing.models import OutgoingDocument
from qlvb.outgoing.tests.flow import issue, to_signed

from .keys import key_and_cert


def test_export_then_parse(people, province, ministry, cong_van, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    key, cert = key_and_cert()
    install_agency_key(province, key_pem=key, cert_pem=cert)
    pk = to_signed(
        people,
        [{"agency_id": ministry.pk}],
        doc_type=cong_van,
        urgency="khan",
        due_date="2030-01-31",
    )
    issue(people, pk)
    document = OutgoingDocument.objects.get(pk=pk).document
    document_id = document_id_of(document)
    assert document_id.startswith("000.00.00.H15,")
    target = tmp_path / "goi-tin.xml"
    call_command("edxml", "export", document_id, "--to", ministry.code, "-o", str(target))
    out = io.StringIO()
    call_command("edxml", "parse", str(target), stdout=out)
    parsed = json.loads(out.getvalue())
    assert parsed["kind"] == "document"
    assert parsed["document_id"] == document_id
    assert parsed["code_number"] == document.code_number
    assert parsed["code_notation"] == document.code_notation
    assert parsed["subject"] == document.subject
    assert parsed["type_name"] == "Công văn"
    assert parsed["priority"] == 1
    assert parsed["due_date"] == "2030/01/31"
    assert parsed["to_places"] == document.to_places
    assert parsed["sender"]["organ_id"] == province.code
    assert parsed["recipients"][0]["organ_id"] == ministry.code
    assert parsed["signature"]["valid"] is True, parsed["signature"]
    assert [a["name"] for a in parsed["attachments"]]
    assert parsed["attachments"][0]["size"] > 0


def test_export_unknown_document(db, ministry, tmp_path):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không tìm thấy"):
        call_command(
            "edxml",
            "export",
            "000.00.00.H15,2017/07/03,99/X",
            "--to",
            ministry.code,
            "-o",
            str(tmp_path / "x.xml"),
        )
    assert not (tmp_path / "x.xml").exists()
