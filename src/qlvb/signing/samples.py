"""Sample files for the tests, the demo and the benchmarks: an administrative document whose
last page ends with the signer block (position, room for the signature, name), a blue
transparent signature image and a red seal image, all drawn here."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"


def document_pdf(
    *,
    pages: int = 1,
    position: str = "CHỦ TỊCH",
    name: str = "Nguyễn Văn An",
    subject: str = "Về việc triển khai ký số văn bản điện tử",
) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "LiberationSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("LiberationSerif", FONT))
        pdfmetrics.registerFont(TTFont("LiberationSerif-Bold", FONT_BOLD))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    for page in range(pages):
        c.setFont("LiberationSerif-Bold", 13)
        if page == 0:
            c.drawString(60, height - 70, "ỦY BAN NHÂN DÂN")
            c.drawCentredString(width - 170, height - 70, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            c.drawCentredString(width / 2, height - 150, subject)
        c.setFont("LiberationSerif", 13)
        y = height - 190
        for line in range(22 if page < pages - 1 else 12):
            c.drawString(
                85, y, f"Trang {page + 1}, đoạn {line + 1}: nội dung văn bản hành chính mẫu."
            )
            y -= 22
        if page == pages - 1:
            c.setFont("LiberationSerif-Bold", 13)
            c.drawCentredString(width - 160, 200, position)
            c.drawCentredString(width - 160, 110, name)
            c.setFont("LiberationSerif", 11)
            c.drawString(60, 200, "Nơi nhận:")
            c.drawString(60, 186, "- Như trên;")
        c.showPage()
    c.save()
    return out.getvalue()


def signature_png(width: int = 360, height: int = 150) -> bytes:
    """Blue handwriting-like strokes on a transparent background."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    points = [
        (20 + t * 3.2, height / 2 + 35 * math.sin(t / 9) * math.cos(t / 23)) for t in range(100)
    ]
    draw.line(points, fill=(20, 40, 200, 255), width=6, joint="curve")
    draw.line([(60, 120), (300, 40)], fill=(20, 40, 200, 255), width=4)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def seal_png(diameter_mm: float = 36, dpi: int = 300) -> bytes:
    """A red round seal (two rings, a star) at `diameter_mm`, its dpi recorded in the PNG."""
    size = round(diameter_mm / 25.4 * dpi)
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = (220, 20, 30, 235)
    draw.ellipse((4, 4, size - 4, size - 4), outline=red, width=max(4, size // 40))
    inner = size // 6
    draw.ellipse((inner, inner, size - inner, size - inner), outline=red, width=max(2, size // 90))
    cx = cy = size / 2
    r = size / 8
    star = []
    for i in range(10):
        radius = r if i % 2 == 0 else r / 2.5
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
