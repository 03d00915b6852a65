"""Signed PDFs as they arrive from elsewhere: valid, altered after signing, revoked signer."""

import io

from qlvb.documents.services import Upload
from qlvb.incoming import services as incoming_services
from qlvb.signing import engine, samples


def signed_pdf(issued, pdf: bytes | None = None) -> bytes:
    return engine.sign(
        pdf or samples.document_pdf(),
        signer=engine.simple_signer(issued.key, issued.cert, issued.chain),
        appearance=engine.Appearance(),
    )


def altered(signed: bytes) -> bytes:
    """One byte changed inside the signed range (the producer string): the file still opens."""
    out = bytearray(signed)
    at = signed.find(b"/Producer")
    assert at > 0
    out[at + 1] = ord("Q")
    return bytes(out)


def deliver(agency, sender, files: dict[str, bytes], *, subject: str, ref: str):
    uploads = [
        Upload(io.BytesIO(data), name, "main" if i == 0 else "appendix")
        for i, (name, data) in enumerate(files.items())
    ]
    return incoming_services.incoming_deliver(
        agency=agency,
        metadata={"subject": subject, "organ_name": sender.name},
        uploads=uploads,
        origin_reference=ref,
        sender=sender,
    )
