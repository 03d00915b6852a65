"""The strict writer: the `edXML` prefix, the standard's element order, `yyyy/MM/dd` dates,
every element it has a value for. Attachments are base64-encoded from their files in chunks,
so a large package is written with little memory."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import BinaryIO
from xml.sax.saxutils import escape

from lxml import etree

from qlvb.exchange.edxml.constants import (
    BUSINESS_TYPES,
    DATE_FORMAT,
    DSIG_NS,
    NS,
    ORGANIZATION_FIELDS,
    PREFIX,
    SHA256_URI,
    STAFF_FIELDS,
    STATUS_CODES,
    TIMESTAMP_FORMAT,
)
from qlvb.exchange.edxml.errors import EdxmlWriteError
from qlvb.exchange.edxml.model import (
    Attachment,
    Business,
    Organization,
    Package,
    ResponseFor,
    StaffInfo,
    StatusMessage,
    TraceHeader,
)

AGENCY_CODE = re.compile(r"^[A-Z0-9]{3}\.[A-Z0-9]{2}\.[A-Z0-9]{2}\.[A-Z][0-9]{2}$")
DOCUMENT_ID = re.compile(r"^(?P<organ>[^,]+),(?P<date>\d{4}/\d{2}/\d{2}),(?P<code>.+)$")
CHUNK = 3 * 64 * 1024  # a multiple of 3: base64 of each chunk concatenates cleanly

Signer = Callable[[etree._Element], etree._Element]


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _date(value: dt.date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def _sub(parent, name: str, value=None, *, always: bool = False):
    if value is None or value == "":
        if not always:
            return None
        value = ""
    el = etree.SubElement(parent, q(name))
    el.text = str(value)
    return el


def _organization(parent, name: str, org: Organization, errors: list[str]) -> None:
    if not AGENCY_CODE.match(org.organ_id or ""):
        errors.append(f"{name}/OrganId «{org.organ_id}» không đúng mã định danh 13 ký tự.")
    el = etree.SubElement(parent, q(name))
    for attr, tag in ORGANIZATION_FIELDS:
        _sub(el, tag, getattr(org, attr))


def _staff(parent, staff: StaffInfo) -> None:
    if staff.is_empty():
        return
    el = etree.SubElement(parent, q("StaffInfo"))
    for attr, tag in STAFF_FIELDS:
        _sub(el, tag, getattr(staff, attr))


def _response_for(parent, item: ResponseFor) -> None:
    el = etree.SubElement(parent, q("ResponseFor"))
    _sub(el, "OrganId", item.organ_id)
    _sub(el, "Code", item.code)
    _sub(el, "PromulgationDate", _date(item.promulgation_date))
    _sub(el, "DocumentId", item.document_id)


def _traces(parent, traces: list[TraceHeader]):
    for trace in traces:
        el = etree.SubElement(parent, q("TraceHeader"))
        _sub(el, "OrganId", trace.organ_id)
        _sub(el, "Timestamp", trace.timestamp.strftime(TIMESTAMP_FORMAT) if trace.timestamp else "")


def _business(parent, business: Business, errors: list[str]) -> None:
    if business.business_doc_type not in BUSINESS_TYPES:
        errors.append(f"BussinessDocType {business.business_doc_type} không thuộc 0, 1, 2, 3.")
    if business.paper not in (0, 1):
        errors.append("Paper phải là 0 hoặc 1.")
    el = etree.SubElement(parent, q("Bussiness"))
    _sub(el, "DocumentId", business.document_id)
    _sub(el, "BussinessDocType", business.business_doc_type, always=True)
    _sub(el, "BussinessDocReason", business.business_doc_reason)
    _sub(el, "Paper", business.paper, always=True)
    if business.document_info or business.receiver_list:
        info = etree.SubElement(el, q("BussinessDocumentInfo"))
        for tag, value in business.document_info.items():
            _sub(info, tag, value)
        if business.receiver_list:
            receivers = etree.SubElement(info, q("ReceiverList"))
            for organ_id in business.receiver_list:
                _sub(receivers, "ReceiverOrganId", organ_id)
    if business.replacement_info:
        lst = etree.SubElement(el, q("ReplacementInfoList"))
        for item in business.replacement_info:
            rep = etree.SubElement(lst, q("ReplacementInfo"))
            _sub(rep, "DocumentId", item.document_id)
            if item.organ_ids:
                ids = etree.SubElement(rep, q("OrganIdList"))
                for organ_id in item.organ_ids:
                    _sub(ids, "OrganId", organ_id)
    _staff(el, business.staff_info)


def _new_envelope():
    envelope = etree.Element(q("edXMLEnvelope"), nsmap={PREFIX: NS})
    header = etree.SubElement(envelope, q("edXMLHeader"))
    return envelope, header


def _raise(errors: list[str]) -> None:
    if errors:
        raise EdxmlWriteError(
            "Gói tin edXML chưa đúng chuẩn QCVN 102:2016: " + " ".join(errors),
            errors={"edxml": errors},
        )


def package_envelope(package: Package) -> etree._Element:
    """The `edXMLEnvelope` of a document message (header, trace, business, manifest)."""
    errors: list[str] = []
    envelope, header = _new_envelope()
    mh = etree.SubElement(header, q("MessageHeader"))
    _organization(mh, "From", package.sender, errors)
    if not package.recipients:
        errors.append("Gói tin phải có ít nhất một nơi nhận (To).")
    for org in package.recipients:
        _organization(mh, "To", org, errors)
    match = DOCUMENT_ID.match(package.document_id or "")
    if not match or match["organ"] != package.sender.organ_id:
        errors.append(
            f"DocumentId «{package.document_id}» phải có dạng "
            "{mã cơ quan gửi},{yyyy/MM/dd},{số}/{ký hiệu}."
        )
    _sub(mh, "DocumentId", package.document_id)
    code = etree.SubElement(mh, q("Code"))
    _sub(code, "CodeNumber", package.code_number)
    _sub(code, "CodeNotation", package.code_notation)
    if package.place or package.promulgation_date:
        info = etree.SubElement(mh, q("PromulgationInfo"))
        _sub(info, "Place", package.place)
        _sub(info, "PromulgationDate", _date(package.promulgation_date))
    if package.type is not None or package.type_detail is not None or package.type_name:
        dtype = etree.SubElement(mh, q("DocumentType"))
        _sub(dtype, "Type", package.type)
        _sub(dtype, "TypeDetail", package.type_detail)
        _sub(dtype, "TypeName", package.type_name)
    if not package.subject:
        errors.append("Subject (trích yếu) là bắt buộc.")
    _sub(mh, "Subject", package.subject)
    _sub(mh, "Content", package.content)
    if package.signer_competence or package.signer_position or package.signer_full_name:
        signer = etree.SubElement(mh, q("SignerInfo"))
        _sub(signer, "Competence", package.signer_competence)
        _sub(signer, "Position", package.signer_position)
        _sub(signer, "FullName", package.signer_full_name)
    _sub(mh, "DueDate", _date(package.due_date))
    if package.to_places:
        places = etree.SubElement(mh, q("ToPlaces"))
        for place in package.to_places:
            _sub(places, "Place", place, always=True)
    other_values = (
        package.priority,
        package.sphere_of_promulgation,
        package.typer_notation,
        package.promulgation_amount,
        package.page_amount,
        package.appendixes,
        package.direction,
    )
    if any(v not in (None, "", []) for v in other_values):
        other = etree.SubElement(mh, q("OtherInfo"))
        _sub(other, "Priority", package.priority)
        _sub(other, "SphereOfPromulgation", package.sphere_of_promulgation)
        _sub(other, "TyperNotation", package.typer_notation)
        _sub(other, "PromulgationAmount", package.promulgation_amount)
        _sub(other, "PageAmount", package.page_amount)
        if package.appendixes:
            appendixes = etree.SubElement(other, q("Appendixes"))
            for item in package.appendixes:
                _sub(appendixes, "Appendix", item, always=True)
        _sub(other, "Direction", package.direction)
    for item in package.response_for:
        _response_for(mh, item)
    _sub(mh, "SteeringType", package.steering_type)
    trace_list = etree.SubElement(header, q("TraceHeaderList"))
    _traces(trace_list, package.traces)
    if package.business is not None:
        _business(trace_list, package.business, errors)
    body = etree.SubElement(envelope, q("edXMLBody"))
    manifest = etree.SubElement(body, q("edXMLManifest"), version="1.0")
    for attachment in package.attachments:
        ref = etree.SubElement(manifest, q("Reference"))
        _sub(ref, "ContentId", _cid(attachment))
        _sub(ref, "ContentType", attachment.content_type)
        _sub(ref, "Description", attachment.description)
        _sub(ref, "AttachmentName", attachment.name)
        # The file's digest inside the signed envelope (an XML-DSig manifest reference,
        # validated by the receiver): the envelope signature then covers the attachment.
        method = etree.SubElement(ref, f"{{{DSIG_NS}}}DigestMethod", nsmap={"ds": DSIG_NS})
        method.set("Algorithm", SHA256_URI)
        value = etree.SubElement(ref, f"{{{DSIG_NS}}}DigestValue", nsmap={"ds": DSIG_NS})
        value.text = base64.b64encode(bytes.fromhex(_sha256_of(attachment))).decode()
    _raise(errors)
    return envelope


def status_envelope(message: StatusMessage) -> etree._Element:
    """The `edXMLEnvelope` of a status message: same envelope, no body."""
    errors: list[str] = []
    if message.status_code not in STATUS_CODES:
        errors.append(f"StatusCode «{message.status_code}» không thuộc danh mục mã trạng thái.")
    if not message.response_for.document_id:
        errors.append("ResponseFor/DocumentId là bắt buộc.")
    if message.timestamp is None:
        errors.append("Timestamp là bắt buộc.")
    envelope, header = _new_envelope()
    mh = etree.SubElement(header, q("MessageHeader"))
    _organization(mh, "From", message.sender, errors)
    _response_for(mh, message.response_for)
    _staff(mh, message.staff_info)
    _sub(mh, "StatusCode", message.status_code)
    _sub(mh, "Description", message.description)
    _sub(mh, "Timestamp", message.timestamp.strftime(TIMESTAMP_FORMAT) if message.timestamp else "")
    trace_list = etree.SubElement(header, q("TraceHeaderList"))
    _traces(trace_list, message.traces)
    _raise(errors)
    return envelope


def _sha256_of(attachment: Attachment) -> str:
    if not attachment.sha256:
        digest = hashlib.sha256()
        for piece in _chunks(attachment):
            digest.update(piece)
        attachment.sha256 = digest.hexdigest()
    return attachment.sha256


def _cid(attachment: Attachment) -> str:
    cid = attachment.content_id or ""
    return cid if cid.startswith("cid:") else f"cid:{cid}"


def _chunks(attachment: Attachment):
    if attachment.source is not None:
        yield from attachment.source()
        return
    with open(attachment.path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def write_message(
    out: BinaryIO,
    message: Package | StatusMessage,
    *,
    signer: Signer | None = None,
) -> None:
    """Write the whole edXML file to `out`. `signer` (see dsig.py) adds the enveloped
    XML-DSig signature to the envelope's header."""
    if isinstance(message, Package):
        for index, attachment in enumerate(message.attachments, start=1):
            if not attachment.content_id:
                attachment.content_id = f"cid:{index}"
        envelope = package_envelope(message)
    else:
        envelope = status_envelope(message)
    if signer is not None:
        envelope = signer(envelope)
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<{PREFIX} xmlns="{NS}">'.encode())
    out.write(etree.tostring(envelope, encoding="utf-8"))
    attachments = message.attachments if isinstance(message, Package) else []
    if attachments:
        out.write(b"<AttachmentEncoded>")
        for attachment in attachments:
            out.write(b"<Attachment>")
            for tag, value in (
                ("ContentId", _cid(attachment)),
                ("AttachmentName", attachment.name),
                ("Description", attachment.description),
                ("ContentType", attachment.content_type),
            ):
                if value:
                    out.write(f"<{tag}>{escape(value)}</{tag}>".encode())
            out.write(f'<{PREFIX}:ContentTransferEncoded xmlns:{PREFIX}="{NS}">'.encode())
            rest = b""
            for piece in _chunks(attachment):
                data = rest + piece
                cut = len(data) // 3 * 3
                rest = data[cut:]
                if cut:
                    out.write(base64.b64encode(data[:cut]))
            if rest:
                out.write(base64.b64encode(rest))
            out.write(f"</{PREFIX}:ContentTransferEncoded>".encode())
            out.write(b"</Attachment>")
        out.write(b"</AttachmentEncoded>")
    out.write(f"</{PREFIX}>".encode())


def message_bytes(message: Package | StatusMessage, *, signer: Signer | None = None) -> bytes:
    import io

    buffer = io.BytesIO()
    write_message(buffer, message, signer=signer)
    return buffer.getvalue()
