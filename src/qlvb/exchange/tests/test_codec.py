"""The codec: strict writer, lenient hardened parser, round trips, XML-DSig."""

from __future__ import annotations

import base64
import dataclasses
import glob
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pytest

from qlvb.exchange.edxml import (
    Limits,
    MalformedPackage,
    UnsafePackage,
    WrongNamespace,
    message_bytes,
    parse,
)
from qlvb.exchange.edxml.constants import NS, STATUS_CODES
from qlvb.exchange.edxml.dsig import make_signer, make_verifier
from qlvb.exchange.edxml.errors import EdxmlError, EdxmlWriteError
from qlvb.exchange.edxml.model import Organization, Package, StatusMessage

from .keys import key_and_cert
from .samples import full_package, status_message


@pytest.fixture
def own_tempdir(tmp_path, monkeypatch):
    """Temporary files of this test only in a folder of its own: other processes on the
    machine (a bench, another test run) make edxml-* files in the shared one meanwhile."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def _temp_count() -> int:
    return len(glob.glob(os.path.join(tempfile.gettempdir(), "edxml-*")))


def _comparable(message):
    data = dataclasses.asdict(message)
    data.pop("signature")
    data.pop("warnings")
    data.pop("raw")
    data.pop("references", None)
    for item in data.get("attachments", []):
        item["content_id"] = item["content_id"].removeprefix("cid:")
        item.pop("path")
        item.pop("size")
        item.pop("sha256")
        item.pop("source", None)
    return data


@pytest.mark.parametrize("business_doc_type", [0, 1, 2, 3])
def test_round_trip_keeps_every_field(business_doc_type):
    package = full_package(business_doc_type)
    contents = [Path(a.path).read_bytes() for a in package.attachments]
    parsed = parse(message_bytes(package))
    try:
        assert isinstance(parsed, Package)
        assert _comparable(parsed) == _comparable(package)
        assert parsed.business.business_doc_type == business_doc_type
        assert [Path(a.path).read_bytes() for a in parsed.attachments] == contents
        assert [r.attachment_name for r in parsed.references] == [
            a.name for a in package.attachments
        ]
        assert parsed.warnings == []
    finally:
        parsed.cleanup()
        package.cleanup()


@pytest.mark.parametrize("code", sorted(STATUS_CODES))
def test_status_message_round_trip(code):
    message = status_message(code)
    data = message_bytes(message)
    assert b"<edXML:edXMLBody" not in data  # same envelope, no body
    parsed = parse(data)
    assert isinstance(parsed, StatusMessage)
    assert _comparable(parsed) == _comparable(message)


def test_writer_uses_prefix_order_and_dates():
    package = full_package()
    text = message_bytes(package).decode()
    package.cleanup()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="' + NS)
    assert '<edXML:edXMLEnvelope xmlns:edXML="' + NS in text
    order = [
        "<edXML:From>",
        "<edXML:To>",
        "<edXML:DocumentId>",
        "<edXML:Code>",
        "<edXML:PromulgationInfo>",
        "<edXML:DocumentType>",
        "<edXML:Subject>",
        "<edXML:Content>",
        "<edXML:SignerInfo>",
        "<edXML:DueDate>",
        "<edXML:ToPlaces>",
        "<edXML:OtherInfo>",
        "<edXML:ResponseFor>",
        "<edXML:SteeringType>",
        "<edXML:TraceHeaderList>",
        "<edXML:Bussiness>",
        "<edXML:edXMLBody>",
        "<AttachmentEncoded>",
    ]
    positions = [text.index(tag) for tag in order]
    assert positions == sorted(positions)
    assert "<edXML:PromulgationDate>2017/07/03</edXML:PromulgationDate>" in text
    assert "<ContentId>cid:1</ContentId>" in text
    assert "&amp; &lt;kế hoạch&gt;" in text


def test_writer_is_strict():
    package = full_package()
    package.sender = Organization(organ_id="H15", organ_name="x")
    with pytest.raises(EdxmlWriteError, match="mã định danh"):
        message_bytes(package)
    package.cleanup()
    bad = status_message("99")
    with pytest.raises(EdxmlWriteError, match="StatusCode"):
        message_bytes(bad)


LENIENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<x:edXML xmlns:x="{NS}" xmlns:y="{NS}">
  <AttachmentEncoded xmlns="{NS}">
    <Attachment>
      <x:ContentTransferEncoded>{{zipped}}</x:ContentTransferEncoded>
      <AttachmentName>cong-van.pdf</AttachmentName>
      <ContentId>1</ContentId>
    </Attachment>
  </AttachmentEncoded>
  <y:edXMLEnvelope>
    <y:edXMLBody><y:edXMLManifest version="1.0"><y:Reference>
      <y:ContentType>application/pdf</y:ContentType><y:ContentId>cid:1</y:ContentId>
      <y:Description>Văn bản chính</y:Description>
    </y:Reference></y:edXMLManifest></y:edXMLBody>
    <y:edXMLHeader>
      <y:TraceHeaderList/>
      <y:MessageHeader>
        <y:Subject>
            V/v   thử nghiệm   liên thông
        </y:Subject>
        <y:DocumentId> H15,03/07/2017,12/UBND-TH </y:DocumentId>
        <y:Code><y:CodeNotation>UBND-TH</y:CodeNotation><y:CodeNumber>12a</y:CodeNumber></y:Code>
        <y:To><y:OrganId>000.00.00.G22</y:OrganId></y:To>
        <y:From><y:OrganName>UBND tỉnh</y:OrganName><y:OrganId>H15</y:OrganId></y:From>
        <y:PromulgationInfo><y:PromulgationDate>03/07/2017</y:PromulgationDate><y:Place/></y:PromulgationInfo>
        <y:DueDate></y:DueDate>
        <y:OtherInfo><y:Priority> 1 </y:Priority><y:PageAmount/></y:OtherInfo>
      </y:MessageHeader>
    </y:edXMLHeader>
  </y:edXMLEnvelope>
</x:edXML>"""


def _zipped(name: str, content: bytes) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return base64.encodebytes(buffer.getvalue()).decode()  # with line breaks, as producers do


def test_parser_is_lenient():
    content = b"%PDF-1.4 " + os.urandom(2000)
    parsed = parse(LENIENT.replace("{zipped}", _zipped("cong-van.pdf", content)).encode())
    try:
        assert parsed.subject == "V/v thử nghiệm liên thông"
        assert parsed.document_id == "H15,03/07/2017,12/UBND-TH"
        assert parsed.code_number == "12a"
        assert parsed.promulgation_date.isoformat() == "2017-07-03"
        assert parsed.due_date is None and parsed.page_amount is None
        assert parsed.priority == 1
        assert parsed.sender.organ_id == "H15"
        assert [a.name for a in parsed.attachments] == ["cong-van.pdf"]
        assert parsed.attachments[0].content_type == "application/pdf"
        assert parsed.attachments[0].description == "Văn bản chính"
        assert Path(parsed.attachments[0].path).read_bytes() == content
        text = " ".join(parsed.warnings)
        assert "13 ký tự" in text and "yyyy/MM/dd" in text and "12a" in text
        assert not parsed.signature.present
    finally:
        parsed.cleanup()


def test_office_files_are_not_unzipped():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
    xml = LENIENT.replace("{zipped}", base64.b64encode(buffer.getvalue()).decode()).replace(
        "cong-van.pdf", "phu-luc.docx"
    )
    parsed = parse(xml.encode())
    assert Path(parsed.attachments[0].path).read_bytes() == buffer.getvalue()
    parsed.cleanup()


BAD = {
    "malformed": (b"<edXML xmlns='" + NS.encode() + b"'><edXMLEnvelope>", MalformedPackage),
    "not xml": (b"\x00\x01 not xml at all", MalformedPackage),
    "empty": (b"", MalformedPackage),
    "wrong namespace": (
        b"<edXML xmlns='http://example.com/other'><edXMLEnvelope/></edXML>",
        WrongNamespace,
    ),
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<edXML xmlns='" + NS.encode() + b"'>&lol3;</edXML>",
        UnsafePackage,
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<edXML xmlns='" + NS.encode() + b"'>&e;</edXML>",
        UnsafePackage,
    ),
    "no header": (b"<edXML xmlns='" + NS.encode() + b"'/>", MalformedPackage),
    "too deep": (
        b"<edXML xmlns='" + NS.encode() + b"'>" + b"<a>" * 100 + b"</a>" * 100 + b"</edXML>",
        UnsafePackage,
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_rejected_cleanly(name, own_tempdir):
    data, error = BAD[name]
    before = _temp_count()
    with pytest.raises(error) as info:
        parse(data)
    assert info.value.message  # a Vietnamese reason for the status 02
    assert _temp_count() == before


def test_zip_bomb_is_refused_and_leaves_nothing(own_tempdir):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bom.pdf", b"\0" * (20 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000
    xml = LENIENT.replace("{zipped}", base64.b64encode(buffer.getvalue()).decode())
    before = _temp_count()
    with pytest.raises(UnsafePackage, match="bom nén"):
        parse(xml.encode(), limits=Limits(max_unzipped_bytes=5 * 1024 * 1024))
    assert _temp_count() == before


def test_caps_on_size_and_attachment():
    package = full_package(files=[("a.pdf", os.urandom(200_000))])
    data = message_bytes(package)
    package.cleanup()
    with pytest.raises(UnsafePackage):
        parse(data, limits=Limits(max_bytes=100_000))
    with pytest.raises(UnsafePackage):
        parse(data, limits=Limits(max_attachment_bytes=100_000))


def test_bad_base64_is_malformed():
    xml = LENIENT.replace("{zipped}", "@@@@not base64@@@@")
    with pytest.raises(MalformedPackage, match="base64"):
        parse(xml.encode())


def test_signature_valid_tampered_untrusted_missing():
    key, cert = key_and_cert()
    _, other_cert = key_and_cert("Another agency")
    package = full_package(files=[])
    signed = message_bytes(package, signer=make_signer(key, cert))
    trusted = make_verifier(lambda organ: [cert])
    check = parse(signed, verifier=trusted).signature
    assert check.present and check.valid and "UBND" in check.signer

    tampered = signed.replace("Nguyễn Văn A".encode(), "Nguyễn Văn B".encode())
    check = parse(tampered, verifier=trusted).signature
    assert check.present and not check.valid and "không hợp lệ" in check.reason

    check = parse(signed, verifier=make_verifier(lambda organ: [other_cert])).signature
    assert not check.valid

    check = parse(signed, verifier=make_verifier(lambda organ: [])).signature
    assert not check.valid and "tin cậy" in check.reason

    check = parse(message_bytes(package), verifier=trusted).signature
    assert not check.present and not check.valid

    empty = message_bytes(package).replace(
        b"</edXML:TraceHeaderList>", b"</edXML:TraceHeaderList><edXML:DigitalSignature/>"
    )
    check = parse(empty, verifier=trusted).signature
    assert not check.present and not check.valid


def test_garbage_signature_is_reported_not_raised():
    package = full_package(files=[])
    data = message_bytes(package).replace(
        b"</edXML:TraceHeaderList>",
        b"</edXML:TraceHeaderList><Signature xmlns='http://www.w3.org/2000/09/xmldsig#'>"
        b"<SignedInfo>junk</SignedInfo></Signature>",
    )
    _, cert = key_and_cert()
    check = parse(data, verifier=make_verifier(lambda organ: [cert])).signature
    assert check.present and not check.valid and check.reason


def test_errors_are_domain_errors():
    from qlvb.core.errors import DomainError

    assert issubclass(EdxmlError, DomainError)


def _swap_attachment(signed: bytes, index: int, replacement: bytes) -> bytes:
    """The signed package with the base64 content of attachment `index` replaced."""
    import base64
    import re

    parts = re.split(
        rb"(<edXML:ContentTransferEncoded[^>]*>)(.*?)(</edXML:ContentTransferEncoded>)",
        signed,
        flags=re.S,
    )
    # parts: text, open, content, close, text, open, content, close, ...
    parts[2 + 4 * index] = base64.b64encode(replacement)
    return b"".join(parts)


def test_signature_covers_the_attachments():
    """The digests in the signed manifest tie every file to the envelope signature: a file
    changed after signing (even with a valid envelope) is reported, never a crash."""
    key, cert = key_and_cert()
    trusted = make_verifier(lambda organ: [cert])
    package = full_package()
    signed = message_bytes(package, signer=make_signer(key, cert))
    package.cleanup()
    assert b"<ds:DigestValue>" in signed
    parsed = parse(signed, verifier=trusted)
    assert parsed.signature.valid, parsed.signature.reason
    assert all(ref.sha256 for ref in parsed.references)
    parsed.cleanup()

    tampered = parse(_swap_attachment(signed, 1, b"%PDF-1.4 forged"), verifier=trusted)
    assert tampered.signature.present and not tampered.signature.valid
    assert "phu-luc.pdf" in tampered.signature.reason
    assert "không khớp mã băm" in tampered.signature.reason
    tampered.cleanup()

    # A digest removed from the manifest breaks the envelope signature itself.
    stripped = re.sub(rb"<ds:DigestValue[^>]*>[^<]*</ds:DigestValue>", b"", signed, count=1)
    check = parse(stripped, verifier=trusted)
    assert not check.signature.valid
    check.cleanup()

    # Other producers sign the envelope only: accepted, with a warning.
    unsigned_files = re.sub(
        rb"<ds:DigestMethod[^>]*/>|<ds:DigestValue[^>]*>[^<]*</ds:DigestValue>",
        b"",
        message_bytes(full_package()),
    )
    plain = parse(unsigned_files)
    assert not plain.signature.valid and all(not ref.sha256 for ref in plain.references)
    plain.cleanup()
