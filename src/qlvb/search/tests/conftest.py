import datetime as dt
import io

import pytest

from qlvb.documents.services import Upload
from qlvb.incoming import services as incoming_services
from qlvb.incoming.tests.conftest import make_person, office, pdf, people, sender  # noqa: F401
from qlvb.jobs.runner import run_due

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_pdf(text: str) -> io.BytesIO:
    """A PDF with a real text layer (Vietnamese, embedded TrueType font)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", DEJAVU))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont("DejaVu", 12)
    for i, line in enumerate(text.splitlines()):
        page.drawString(72, 770 - 16 * i, line)
    page.save()
    out.seek(0)
    return out


def docx(*paragraphs: str) -> io.BytesIO:
    from qlvb.search.bench import docx_bytes

    return io.BytesIO(docx_bytes(list(paragraphs)))


def xlsx(rows) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


_counter = iter(range(1, 10**6))


def register(clerk, *, subject, notation="", number=None, uploads=None, **extra):
    """A paper document registered by the clerk, indexed (the worker's jobs run here)."""
    n = next(_counter)
    metadata = {
        "type_name": "Công văn",
        "code_number": str(number or n),
        "code_notation": notation or f"STC-NS{n}",
        "issued_date": dt.date(2026, 3, 1) + dt.timedelta(days=n % 20),
        "organ_name": "Sở Tài chính",
        "subject": subject,
        **extra,
    }
    incoming = incoming_services.incoming_register(
        actor=clerk, metadata=metadata, uploads=uploads or [Upload(pdf(), "scan.pdf")]
    )
    run_due()
    return incoming


@pytest.fixture
def index(people):  # noqa: F811
    """A few documents in the office, indexed."""
    clerk = people["clerk"]
    return {
        "decision": register(
            clerk,
            subject="Quyết định phê duyệt kế hoạch phát triển tỉnh Đắk Lắk",
            number="2999",
            notation="UBND-KGVX",
            type_name="Quyết định",
        ),
        "folded": register(clerk, subject="Quyet dinh ve viec kiem tra (go khong dau)"),
        "budget": register(clerk, subject="V/v đề nghị bổ sung kinh phí năm 2026", urgency="khan"),
    }


@pytest.fixture(autouse=True)
def _no_ocr(settings):
    """OCR costs seconds of a shared CPU: only the tests that are about it turn it on."""
    settings.QLVB_OCR = False


def scan_image(lines: list[str], *, fmt: str = "PNG", pages: int = 1) -> io.BytesIO:
    """A 'scan' rendered here from Vietnamese text: black DejaVu text on white, 300 DPI."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(DEJAVU, 48)
    images = []
    for page in range(pages):
        image = Image.new("L", (1800, 120 + 90 * len(lines)), 255)
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((60, 60 + 90 * i), f"{line} {page + 1}" if pages > 1 else line, font=font)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, fmt, dpi=(300, 300), save_all=pages > 1, append_images=images[1:])
    out.seek(0)
    return out
