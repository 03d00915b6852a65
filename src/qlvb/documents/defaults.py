"""The document types of ND30 Điều 7 / Phụ lục III (names and abbreviations), loaded as data."""

TYPES = [
    ("Nghị quyết", "NQ"),
    ("Quyết định", "QĐ"),
    ("Chỉ thị", "CT"),
    ("Quy chế", "QC"),
    ("Quy định", "QyĐ"),
    ("Thông cáo", "TC"),
    ("Thông báo", "TB"),
    ("Hướng dẫn", "HD"),
    ("Chương trình", "CTr"),
    ("Kế hoạch", "KH"),
    ("Phương án", "PA"),
    ("Đề án", "ĐA"),
    ("Dự án", "DA"),
    ("Báo cáo", "BC"),
    ("Biên bản", "BB"),
    ("Tờ trình", "TTr"),
    ("Hợp đồng", "HĐ"),
    ("Công điện", "CĐ"),
    ("Bản ghi nhớ", "BGN"),
    ("Bản thỏa thuận", "BTT"),
    ("Giấy ủy quyền", "GUQ"),
    ("Giấy mời", "GM"),
    ("Giấy giới thiệu", "GGT"),
    ("Giấy nghỉ phép", "GNP"),
    ("Phiếu gửi", "PG"),
    ("Phiếu chuyển", "PC"),
    ("Phiếu báo", "PB"),
    ("Công văn", ""),
    ("Thư công", ""),
    ("Bản sao y", "SY"),
    ("Bản trích sao", "TrS"),
    ("Bản sao lục", "SL"),
]


def ensure_document_types(DocumentType=None) -> int:
    """Create the ND30 types that are missing (never changes edited ones); returns how many."""
    if DocumentType is None:
        from qlvb.documents.models import DocumentType
    created = 0
    for order, (name, abbreviation) in enumerate(TYPES, start=1):
        _, was_created = DocumentType.objects.get_or_create(
            name=name, defaults={"abbreviation": abbreviation, "sort_order": order}
        )
        created += was_created
    return created
