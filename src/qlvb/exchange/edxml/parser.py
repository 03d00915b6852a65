"""The lenient, hardened parser.

Lenient: elements are found by namespace URI and local name (never by prefix), in any order;
`cid:` optional; attachments zipped or not; optional parts missing or empty; messy values kept
as received and flagged in `warnings`.

Hardened: lxml with resolve_entities=False, no_network, no DTD loading, huge_tree=False; any
DOCTYPE refused; caps on the bytes read, the depth, the number of elements, the length of a
text, the number and decoded size of attachments, and what a ZIP may decompress to.

Streaming: the file is fed to a target parser in chunks; the text of
`ContentTransferEncoded` never sits in memory, it is base64-decoded as it arrives into a
temporary file. The rest (the envelope) is built as a small lxml tree, which the signature
check verifies as received.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import io
import mimetypes
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from qlvb.exchange.edxml.constants import (
    DSIG_NS,
    NS,
    ORGANIZATION_FIELDS,
    SHA256_URI,
    STAFF_FIELDS,
)
from qlvb.exchange.edxml.errors import EdxmlError, MalformedPackage, UnsafePackage, WrongNamespace
from qlvb.exchange.edxml.model import (
    Attachment,
    Business,
    Organization,
    Package,
    Reference,
    ReplacementInfo,
    ResponseFor,
    SignatureCheck,
    StaffInfo,
    StatusMessage,
    TraceHeader,
)

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 300 * MB  # the edXML file as received
    max_depth: int = 40
    max_elements: int = 50_000
    max_text: int = 1 * MB  # any text but an attachment's
    max_attachments: int = 200
    max_attachment_bytes: int = 200 * MB  # one decoded file
    max_unzipped_bytes: int = 300 * MB  # everything a package's ZIPs decompress to
    max_zip_members: int = 200


_WS = b" \t\r\n"
_OFFICE_MARKERS = {"[Content_Types].xml", "mimetype", "META-INF/manifest.xml"}


def _local(tag) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        uri, _, name = tag[1:].partition("}")
        return uri, name
    return "", tag


class _Decoder:
    """base64 text → temporary file, hashed and size-capped as it goes."""

    def __init__(self, limit: int) -> None:
        handle, self.path = tempfile.mkstemp(prefix="edxml-", suffix=".bin")
        self.file = os.fdopen(handle, "wb")
        self.rest = b""
        self.size = 0
        self.limit = limit
        self.sha = hashlib.sha256()

    def feed(self, text: str) -> None:
        try:
            data = self.rest + text.encode("ascii").translate(None, _WS)
        except UnicodeEncodeError:
            raise MalformedPackage("Tệp đính kèm không được mã hóa base64 đúng.") from None
        cut = len(data) // 4 * 4
        self.rest = data[cut:]
        if cut:
            self._write(data[:cut])

    def _write(self, data: bytes) -> None:
        try:
            raw = binascii.a2b_base64(data, strict_mode=True)
        except (binascii.Error, ValueError):
            raise MalformedPackage("Tệp đính kèm không được mã hóa base64 đúng.") from None
        self.size += len(raw)
        if self.size > self.limit:
            raise UnsafePackage(
                f"Tệp đính kèm vượt quá {self.limit // MB} MB sau khi giải mã.",
                code="edxml_attachment_too_large",
            )
        self.sha.update(raw)
        self.file.write(raw)

    def close(self) -> None:
        if self.rest:
            self._write(self.rest + b"=" * (-len(self.rest) % 4))
            self.rest = b""
        self.file.close()

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


class _Builder:
    """lxml parser target: builds the tree except attachment contents, enforces the caps."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.stack: list[etree._Element] = []
        self.root = None
        self.count = 0
        self.pending: list[str] = []
        self.pending_len = 0
        self.decoder: _Decoder | None = None
        # (ContentTransferEncoded element, its decoded file); holding the element keeps its
        # lxml proxy alive, so it is found again by identity.
        self.decoded: list[tuple[etree._Element, _Decoder]] = []

    # lxml calls these -------------------------------------------------------------------
    def doctype(self, *args) -> None:
        raise UnsafePackage(
            "Gói tin có khai báo DOCTYPE (DTD/thực thể): không được phép.", code="edxml_doctype"
        )

    def start(self, tag, attrib, nsmap=None) -> None:
        self._flush()
        self.count += 1
        if self.count > self.limits.max_elements:
            raise UnsafePackage("Gói tin có quá nhiều phần tử.", code="edxml_too_many")
        if len(self.stack) >= self.limits.max_depth:
            raise UnsafePackage("Gói tin lồng quá sâu.", code="edxml_too_deep")
        nsmap = {(k or None): v for k, v in nsmap.items()} if nsmap else None
        if self.stack:
            el = etree.SubElement(self.stack[-1], tag, dict(attrib), nsmap=nsmap)
        else:
            el = etree.Element(tag, dict(attrib), nsmap=nsmap)
            self.root = el
        self.stack.append(el)
        if _local(tag)[1] == "ContentTransferEncoded" and self._in_attachment():
            if len(self.decoded) >= self.limits.max_attachments:
                raise UnsafePackage("Gói tin có quá nhiều tệp đính kèm.", code="edxml_too_many")
            self.decoder = _Decoder(self.limits.max_attachment_bytes)
            self.decoded.append((el, self.decoder))

    def end(self, tag) -> None:
        if self.decoder is not None:
            self.decoder.close()
            self.decoder = None
        else:
            self._flush()
        self.stack.pop()

    def data(self, text: str) -> None:
        if self.decoder is not None:
            self.decoder.feed(text)
            return
        self.pending.append(text)
        self.pending_len += len(text)
        if self.pending_len > self.limits.max_text:
            raise UnsafePackage("Một trường của gói tin dài quá mức cho phép.", code="edxml_text")

    def comment(self, text) -> None:
        return None

    def pi(self, target, data=None) -> None:
        return None

    def close(self):
        return self.root

    # ----------------------------------------------------------------------------------------
    def _in_attachment(self) -> bool:
        return len(self.stack) >= 2 and _local(self.stack[-2].tag)[1] == "Attachment"

    def _flush(self) -> None:
        if not self.pending:
            return
        text = "".join(self.pending)
        self.pending, self.pending_len = [], 0
        if not self.stack:
            return
        current = self.stack[-1]
        if len(current):
            last = current[-1]
            last.tail = (last.tail or "") + text
        else:
            current.text = (current.text or "") + text

    def discard(self) -> None:
        if self.decoder is not None:
            self.decoder.discard()
        for _, decoder in self.decoded:
            decoder.discard()

    def take(self, element) -> _Decoder | None:
        for index, (el, decoder) in enumerate(self.decoded):
            if el is element:
                del self.decoded[index]
                return decoder
        return None


def _open(source) -> tuple[BinaryIO, bool]:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source), True
    if isinstance(source, str | Path):
        return open(source, "rb"), True
    return source, False


def _tree(stream: BinaryIO, limits: Limits) -> _Builder:
    builder = _Builder(limits)
    parser = etree.XMLParser(
        target=builder,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    read = 0
    try:
        while chunk := stream.read(256 * 1024):
            read += len(chunk)
            if read > limits.max_bytes:
                raise UnsafePackage(
                    f"Gói tin vượt quá {limits.max_bytes // MB} MB.", code="edxml_too_large"
                )
            if read == len(chunk) and b"<!DOCTYPE" in chunk[:4096].upper().replace(b"\x00", b""):
                builder.doctype()
            parser.feed(chunk)
        if read == 0:
            raise MalformedPackage("Gói tin rỗng.")
        root = parser.close()
    except EdxmlError:
        builder.discard()
        raise
    except etree.XMLSyntaxError as exc:
        builder.discard()
        raise MalformedPackage(f"Gói tin không phải XML hợp lệ: {exc}".strip()) from None
    except Exception as exc:  # lxml wraps what the target raises; anything else is malformed
        builder.discard()
        cause = exc.__context__ or exc.__cause__
        if isinstance(cause, EdxmlError):
            raise cause from None
        raise MalformedPackage(f"Gói tin không đọc được: {type(exc).__name__}.") from None
    if root is None:
        builder.discard()
        raise MalformedPackage("Gói tin không có phần tử gốc.")
    return builder


# --- reading values -------------------------------------------------------------------------


def _is_ours(el) -> bool:
    uri, _ = _local(el.tag)
    return uri in (NS, "")


def _child(el, name: str):
    if el is None:
        return None
    for child in el:
        uri, local = _local(child.tag)
        if local == name and uri in (NS, ""):
            return child
    return None


def _children(el, name: str) -> list:
    if el is None:
        return []
    return [c for c in el if _local(c.tag)[1] == name and _local(c.tag)[0] in (NS, "")]


def _first(*elements):
    return next((el for el in elements if el is not None), None)


def _text(el, name: str | None = None) -> str:
    node = el if name is None else _child(el, name)
    if node is None:
        return ""
    return " ".join((node.text or "").split())


class _Reader:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def flag(self, text: str) -> None:
        self.warnings.append(text)

    def date(self, raw: str, where: str) -> dt.date | None:
        if not raw:
            return None
        for fmt in ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
            try:
                value = dt.datetime.strptime(raw[:10], fmt).date()
            except ValueError:
                continue
            if fmt != "%Y/%m/%d" or len(raw) != 10:
                self.flag(f"{where}: ngày «{raw}» không theo định dạng yyyy/MM/dd.")
            return value
        self.flag(f"{where}: không đọc được ngày «{raw}».")
        return None

    def timestamp(self, raw: str, where: str) -> dt.datetime | None:
        if not raw:
            return None
        for fmt in (
            "%Y/%m/%d %H:%M:%S",
            "%d/%m/%Y %H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y/%m/%d %H:%M",
        ):
            try:
                value = dt.datetime.strptime(raw[:19], fmt)
            except ValueError:
                continue
            if fmt != "%Y/%m/%d %H:%M:%S":
                self.flag(f"{where}: thời điểm «{raw}» không theo định dạng yyyy/MM/dd HH:mm:ss.")
            return value
        self.flag(f"{where}: không đọc được thời điểm «{raw}».")
        return None

    def integer(self, raw: str, where: str) -> int | None:
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            self.flag(f"{where}: «{raw}» không phải số nguyên.")
            return None
        if not -(2**31) <= value < 2**31:
            self.flag(f"{where}: «{raw}» ngoài khoảng cho phép.")
            return None
        return value

    def organization(self, el, where: str) -> Organization:
        org = Organization(**{attr: _text(el, tag) for attr, tag in ORGANIZATION_FIELDS})
        if el is not None and len(org.organ_id) != 13:
            self.flag(f"{where}/OrganId «{org.organ_id}» không đủ 13 ký tự mã định danh.")
        return org

    def staff(self, el) -> StaffInfo:
        return StaffInfo(**{attr: _text(el, tag) for attr, tag in STAFF_FIELDS})

    def response_for(self, el) -> ResponseFor:
        return ResponseFor(
            organ_id=_text(el, "OrganId"),
            code=_text(el, "Code"),
            promulgation_date=self.date(_text(el, "PromulgationDate"), "ResponseFor"),
            document_id=_text(el, "DocumentId"),
        )

    def traces(self, trace_list) -> list[TraceHeader]:
        return [
            TraceHeader(
                organ_id=_text(t, "OrganId"),
                timestamp=self.timestamp(_text(t, "Timestamp"), "TraceHeader"),
            )
            for t in _children(trace_list, "TraceHeader")
        ]

    def business(self, el) -> Business | None:
        if el is None:
            return None
        kind = self.integer(_text(el, "BussinessDocType"), "BussinessDocType")
        if kind not in (0, 1, 2, 3):
            if kind is not None:
                self.flag(f"BussinessDocType «{kind}» không thuộc 0, 1, 2, 3; coi là văn bản mới.")
            kind = 0
        paper = self.integer(_text(el, "Paper"), "Paper")
        info_el = _child(el, "BussinessDocumentInfo")
        info = {}
        receivers: list[str] = []
        if info_el is not None:
            for child in info_el:
                if not _is_ours(child):
                    continue
                name = _local(child.tag)[1]
                if name == "ReceiverList":
                    receivers = [_text(r) for r in child if _is_ours(r) and _text(r)]
                else:
                    info[name] = _text(child)
        replacements = [
            ReplacementInfo(
                document_id=_text(rep, "DocumentId"),
                organ_ids=[
                    _text(o) for o in _children(_child(rep, "OrganIdList"), "OrganId") if _text(o)
                ],
            )
            for rep in _children(_child(el, "ReplacementInfoList"), "ReplacementInfo")
        ]
        return Business(
            document_id=_text(el, "DocumentId"),
            business_doc_type=kind,
            business_doc_reason=_text(el, "BussinessDocReason"),
            paper=1 if paper == 1 else 0,
            document_info=info,
            receiver_list=receivers,
            replacement_info=replacements,
            staff_info=self.staff(_child(el, "StaffInfo")),
        )


def _find_signature(header):
    """The signature element, wherever producers put it: XML-DSig namespace, QCVN namespace,
    or an empty `DigitalSignature`."""
    for el in header.iter():
        uri, local = _local(el.tag)
        if local == "Signature" and uri in (DSIG_NS, NS, ""):
            return el
        if local == "DigitalSignature" and uri in (NS, ""):
            return el
    return None


def _digest_of(ref) -> str:
    """The sha256 (hex) of a manifest Reference's ds:DigestValue, "" when absent or not
    SHA-256 (then the attachment is simply not covered)."""
    method = next((c for c in ref if _local(c.tag) == (DSIG_NS, "DigestMethod")), None)
    value = next((c for c in ref if _local(c.tag) == (DSIG_NS, "DigestValue")), None)
    if value is None or method is None or method.get("Algorithm") != SHA256_URI:
        return ""
    try:
        raw = binascii.a2b_base64((value.text or "").strip().encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return "invalid"
    return raw.hex() if len(raw) == 32 else "invalid"


def _check_digests(package: Package, decoded: list[tuple[str, str, str]]) -> None:
    """The envelope signature covers the attachments through the digests of the signed
    manifest: a file that does not match (or is missing from a manifest that lists digests)
    makes the signature invalid. A manifest without digests (other producers) is accepted
    with a warning: its signature covers the envelope only."""
    digests = {ref.content_id: ref.sha256 for ref in package.references if ref.sha256}
    if not decoded:
        return
    if not digests:
        if package.signature.valid:
            package.warnings.append(
                "Chữ ký số chỉ bao phủ phong bì, không bao phủ tệp đính kèm (danh mục không "
                "có mã băm)."
            )
        return
    for cid, name, sha in decoded:
        if digests.get(cid) != sha:
            reason = (
                f"Tệp đính kèm «{name}» không khớp mã băm trong phần đã ký: tệp đã bị thay "
                "đổi hoặc không thuộc gói tin đã ký."
            )
            package.warnings.append(reason)
            if package.signature.valid:
                package.signature.valid, package.signature.reason = False, reason
            return


def _normalise_cid(value: str) -> str:
    value = (value or "").strip().strip("<>")
    return value[4:] if value.lower().startswith("cid:") else value


def _unzip(attachment: Attachment, limits: Limits, budget: list[int]) -> list[Attachment]:
    """A file sent as a ZIP holding it: unwrap it, never past the decompression cap. Office
    files (ZIPs themselves) and files named .zip stay as they are."""
    if attachment.name.lower().endswith(".zip") or not zipfile.is_zipfile(attachment.path):
        return [attachment]
    try:
        archive = zipfile.ZipFile(attachment.path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return [attachment]
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if not members or _OFFICE_MARKERS & {m.filename for m in members}:
            return [attachment]
        if len(members) > limits.max_zip_members:
            raise UnsafePackage("Tệp nén có quá nhiều tệp con.", code="edxml_zip_bomb")
        out: list[Attachment] = []
        try:
            for index, member in enumerate(members, start=1):
                handle, path = tempfile.mkstemp(prefix="edxml-", suffix=".bin")
                sha, size = hashlib.sha256(), 0
                inner = Attachment(path=path)
                out.append(inner)
                with os.fdopen(handle, "wb") as target, archive.open(member) as source:
                    while chunk := source.read(256 * 1024):
                        size += len(chunk)
                        budget[0] += len(chunk)
                        if (
                            size > limits.max_attachment_bytes
                            or budget[0] > limits.max_unzipped_bytes
                        ):
                            raise UnsafePackage(
                                "Tệp nén giải nén ra quá lớn (nghi «bom nén»): từ chối.",
                                code="edxml_zip_bomb",
                            )
                        sha.update(chunk)
                        target.write(chunk)
                member_name = os.path.basename(member.filename) or f"tep-{index}"
                keep_name = len(members) == 1 and (
                    os.path.splitext(attachment.name)[1].lower()
                    == os.path.splitext(member_name)[1].lower()
                )
                inner.name = attachment.name if keep_name else member_name
                inner.content_id = (
                    attachment.content_id
                    if len(members) == 1
                    else f"{attachment.content_id}-{index}"
                )
                inner.description = attachment.description
                inner.content_type = (
                    mimetypes.guess_type(inner.name)[0] or "application/octet-stream"
                )
                inner.size, inner.sha256 = size, sha.hexdigest()
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
            for item in out:
                if os.path.exists(item.path):
                    os.unlink(item.path)
            if isinstance(exc, EdxmlError):
                raise
            raise MalformedPackage("Tệp nén đính kèm bị hỏng.") from None
        except BaseException:
            for item in out:
                if os.path.exists(item.path):
                    os.unlink(item.path)
            raise
    os.unlink(attachment.path)
    return out


def parse(source, *, limits: Limits | None = None, verifier=None) -> Package | StatusMessage:
    """Parse an edXML file (path, bytes or binary stream). Raises an `EdxmlError` (a
    DomainError) for anything it refuses. `verifier(envelope, sender_organ_id)` returns the
    `SignatureCheck` (see dsig.py); without one the signature is only detected."""
    limits = limits or Limits()
    stream, owned = _open(source)
    try:
        builder = _tree(stream, limits)
    finally:
        if owned:
            stream.close()
    try:
        return _build(builder, limits, verifier)
    except EdxmlError:
        builder.discard()
        raise
    except Exception as exc:
        builder.discard()
        raise MalformedPackage(f"Gói tin không đọc được: {type(exc).__name__}.") from None


def _build(builder: _Builder, limits: Limits, verifier) -> Package | StatusMessage:
    root = builder.root
    uri, local = _local(root.tag)
    if uri != NS or local != "edXML":
        raise WrongNamespace(
            f"Phần tử gốc phải là edXML trong không gian tên {NS} (nhận được «{root.tag}»)."
        )
    envelope = _child(root, "edXMLEnvelope")
    header = _child(envelope, "edXMLHeader")
    mh = _child(header, "MessageHeader")
    if mh is None:
        raise MalformedPackage("Gói tin thiếu edXMLEnvelope/edXMLHeader/MessageHeader.")
    reader = _Reader()
    sender_el = _child(mh, "From")
    if sender_el is None:
        raise MalformedPackage("Gói tin thiếu phần người gửi (From).")
    sender = reader.organization(sender_el, "From")
    recipients = [reader.organization(el, "To") for el in _children(mh, "To")]
    trace_list = _child(header, "TraceHeaderList")
    traces = reader.traces(trace_list)
    signature = SignatureCheck()
    sig_el = _find_signature(header)
    if sig_el is not None:
        signature.present = bool(len(sig_el))
        if not signature.present:
            signature.reason = "Chữ ký số rỗng."
        elif verifier is not None:
            signature = verifier(envelope, sender.organ_id)
        else:
            signature.reason = "Chưa kiểm tra chữ ký."
    else:
        signature.reason = "Gói tin không có chữ ký số."

    if _child(mh, "StatusCode") is not None:
        code = _text(mh, "StatusCode")
        if len(code) == 1 and code.isdigit():
            reader.flag(f"StatusCode «{code}» thiếu số 0 đứng trước.")
            code = f"0{code}"
        response = reader.response_for(_child(mh, "ResponseFor"))
        if not response.document_id:
            raise MalformedPackage("Gói tin trạng thái thiếu ResponseFor/DocumentId.")
        message = StatusMessage(
            sender=sender,
            recipients=recipients,
            response_for=response,
            staff_info=reader.staff(_child(mh, "StaffInfo")),
            status_code=code,
            description=_text(mh, "Description"),
            timestamp=reader.timestamp(_text(mh, "Timestamp"), "Timestamp"),
            traces=traces,
            signature=signature,
            warnings=reader.warnings,
        )
        from qlvb.exchange.edxml.constants import STATUS_CODES

        if code not in STATUS_CODES:
            raise MalformedPackage(f"Mã trạng thái «{code}» không thuộc danh mục QCVN 102:2016.")
        builder.discard()  # a status message has no attachments
        return message

    document_id = _text(mh, "DocumentId")
    code_el = _child(mh, "Code")
    promulgation = _child(mh, "PromulgationInfo")
    dtype = _child(mh, "DocumentType")
    signer = _child(mh, "SignerInfo")
    other = _child(mh, "OtherInfo")
    package = Package(
        sender=sender,
        recipients=recipients,
        document_id=document_id,
        code_number=_text(code_el, "CodeNumber"),
        code_notation=_text(code_el, "CodeNotation"),
        place=_text(promulgation, "Place"),
        promulgation_date=reader.date(_text(promulgation, "PromulgationDate"), "PromulgationDate"),
        type=reader.integer(_text(dtype, "Type"), "DocumentType/Type"),
        type_detail=reader.integer(_text(dtype, "TypeDetail"), "DocumentType/TypeDetail"),
        type_name=_text(dtype, "TypeName"),
        subject=_text(mh, "Subject"),
        content=_text(mh, "Content"),
        signer_competence=_text(signer, "Competence"),
        signer_position=_text(signer, "Position"),
        signer_full_name=_text(signer, "FullName"),
        due_date=reader.date(_text(mh, "DueDate"), "DueDate"),
        to_places=[_text(p) for p in _children(_child(mh, "ToPlaces"), "Place")],
        priority=reader.integer(_text(other, "Priority"), "Priority"),
        sphere_of_promulgation=_text(other, "SphereOfPromulgation"),
        typer_notation=_text(other, "TyperNotation"),
        promulgation_amount=reader.integer(
            _text(other, "PromulgationAmount"), "PromulgationAmount"
        ),
        page_amount=reader.integer(_text(other, "PageAmount"), "PageAmount"),
        appendixes=[_text(a) for a in _children(_child(other, "Appendixes"), "Appendix")],
        direction=_text(other, "Direction") or _text(mh, "Direction"),
        response_for=[reader.response_for(el) for el in _children(mh, "ResponseFor")],
        steering_type=reader.integer(_text(mh, "SteeringType"), "SteeringType"),
        traces=traces,
        business=reader.business(
            _first(_child(trace_list, "Bussiness"), _child(header, "Bussiness"))
        ),
        signature=signature,
        warnings=reader.warnings,
    )
    if not document_id:
        raise MalformedPackage("Gói tin thiếu DocumentId.")
    if not re.match(r"^[^,]+,[^,]+,.+$", document_id):
        reader.flag(f"DocumentId «{document_id}» không theo dạng mã cơ quan,ngày,số/ký hiệu.")
    if package.code_number and not package.code_number.isdigit():
        reader.flag(f"CodeNumber «{package.code_number}» không phải số.")
    if not package.subject:
        reader.flag("Gói tin không có trích yếu (Subject).")
    manifest = _child(_child(envelope, "edXMLBody"), "edXMLManifest")
    package.references = [
        Reference(
            content_id=_normalise_cid(_text(ref, "ContentId")),
            content_type=_text(ref, "ContentType"),
            description=_text(ref, "Description"),
            attachment_name=_text(ref, "AttachmentName"),
            sha256=_digest_of(ref),
        )
        for ref in _children(manifest, "Reference")
    ]
    by_cid = {ref.content_id: ref for ref in package.references}
    budget = [0]
    attachments: list[Attachment] = []
    decoded: list[tuple[str, str, str]] = []  # (cid, name, sha256) as received, before unzip
    try:
        for index, el in enumerate(_children(_child(root, "AttachmentEncoded"), "Attachment"), 1):
            encoded = next((c for c in el if _local(c.tag)[1] == "ContentTransferEncoded"), None)
            decoder = builder.take(encoded) if encoded is not None else None
            if decoder is None:
                reader.flag(f"Tệp đính kèm thứ {index} không có nội dung.")
                continue
            cid = _normalise_cid(_text(el, "ContentId")) or str(index)
            ref = by_cid.get(cid, Reference())
            item = Attachment(
                content_id=cid,
                name=_text(el, "AttachmentName") or ref.attachment_name or f"tep-{index}",
                description=_text(el, "Description") or ref.description,
                content_type=_text(el, "ContentType")
                or ref.content_type
                or "application/octet-stream",
                path=decoder.path,
                size=decoder.size,
                sha256=decoder.sha.hexdigest(),
            )
            attachments.append(item)
            decoded.append((cid, item.name, item.sha256))
            attachments[-1:] = _unzip(item, limits, budget)
        for ref in package.references:
            if not any(a.content_id.split("-")[0] == ref.content_id for a in attachments):
                reader.flag(
                    f"Tệp «{ref.attachment_name or ref.content_id}» có trong danh mục "
                    "nhưng không có nội dung."
                )
        _check_digests(package, decoded)
    except BaseException:
        for item in attachments:
            if item.path and os.path.exists(item.path):
                os.unlink(item.path)
        raise
    package.attachments = attachments
    builder.discard()  # decoders never matched to an Attachment
    return package
