"""Charts drawn on the server as inline SVG (no script, no CDN): bars by agency, or by year for
the trend reports. Two series at most, side by side."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

COLOURS = ("#1f6feb", "#d97706")


@dataclass
class Chart:
    svg: str


def bars(rows: list[dict], *, label: str, series: list[tuple[str, str]], limit: int = 40) -> str:
    """Horizontal bars, one group per row (agency or year), `series` = [(column, legend)]."""
    rows = [r for r in rows if any(isinstance(r.get(c), (int, float)) for c, _ in series)]
    rows = rows[:limit]
    if not rows:
        return ""
    top = max((r.get(c) or 0) for r in rows for c, _ in series) or 1
    bar, gap, left, width = 9, 8, 230, 420
    group = bar * len(series) + gap
    height = 30 + group * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="qlvb-chart" '
        f'viewBox="0 0 {left + width + 60} {height}" width="100%" '
        f'aria-label="{escape(label)}">'
    ]
    for i, (_, legend) in enumerate(series):
        x = 10 + i * 330
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[i]}"/>')
        parts.append(f'<text x="{x + 14}" y="13" font-size="11">{escape(legend)}</text>')
    for n, row in enumerate(rows):
        y = 24 + n * group
        name = str(row.get(label, ""))
        short = name if len(name) <= 38 else name[:36] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y + bar}" font-size="11" text-anchor="end">'
            f"<title>{escape(name)}</title>{escape(short)}</text>"
        )
        for i, (column, _) in enumerate(series):
            value = row.get(column) or 0
            w = int(width * value / top)
            yy = y + i * bar
            parts.append(
                f'<rect x="{left}" y="{yy}" width="{w}" height="{bar - 1}" fill="{COLOURS[i]}">'
                f"<title>{escape(name)}: {value}</title></rect>"
            )
            parts.append(
                f'<text x="{left + w + 4}" y="{yy + bar - 1}" font-size="10">{value}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


# What each report draws: (row label column, [(value column, legend)]).
CHARTS = {
    "exchange-summary": (
        "agency_name",
        [
            ("in_rate", "VB đến: tỷ lệ điện tử đến trước (%)"),
            ("out_rate", "VB đi: tỷ lệ gửi điện tử (%)"),
        ],
    ),
    "exchange-by-agency": ("agency_name", [("sent", "Gửi liên thông"), ("received", "Nhận")]),
    "yearly-volume": ("year", [("incoming", "Văn bản đến"), ("outgoing", "Văn bản đi")]),
    "electronic-ratio": ("label", [("value", "Số văn bản đi")]),
    "incoming-handling": ("assignee", [("done_on_time", "Đúng hạn"), ("open_overdue", "Quá hạn")]),
    "outgoing-handling": ("agency_name", [("accepted", "Đã tiếp nhận"), ("late", "Quá hạn")]),
    "tasks": ("agency_name", [("done_on_time", "Hoàn thành đúng hạn"), ("overdue", "Quá hạn")]),
}


def chart_for(name: str, rows: list[dict]) -> str:
    label, series = CHARTS[name]
    if name == "electronic-ratio" and rows:
        r = rows[0]
        rows = [
            {"label": "Hoàn toàn điện tử", "value": r["electronic_only"]},
            {"label": "Điện tử và bản giấy", "value": r["electronic_and_paper"]},
            {"label": "Chỉ bản giấy", "value": r["paper_only"]},
        ]
    return bars(rows, label=label, series=series)
