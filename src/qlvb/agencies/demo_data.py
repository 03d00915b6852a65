"""Demo province: Đắk Lắk as it appears in the seed reports (shared/seeds/000 and 001).

Identifier codes follow the shape of QĐ 20/2020/QĐ-TTg (`AAA.BB.CC.Lnn`, read right to left);
the numbers below are made up but consistent:
- `000.00.00.H15`       UBND tỉnh Đắk Lắk (H15 = Đắk Lắk);
- `000.00.NN.H15`       bodies under UBND tỉnh (sở, ban, ngành, Văn phòng HĐND, Tỉnh Đoàn), NN ≥ 01;
- `000.NN.00.H15`       UBND of a district, town or city, NN = 01..15;
- `000.NN.CC.H15`       a commune or ward (phường, xã) of district NN, CC ≥ 01;
- other provinces keep their own letter+number (H16 = Đắk Nông); central bodies use G.. codes.

Every demo account has the password DEMO_PASSWORD. The README lists DEMO_ACCOUNTS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_PASSWORD = "qlvb-demo-2026"  # noqa: S105 (published demo password, see README)
PROVINCE_CODE = "000.00.00.H15"
VPUBND_CODE = "000.00.01.H15"


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    short_name: str
    level: str
    parent: str | None
    slug: str  # ascii, for demo user names: vanthu.<slug>
    kind: str  # which department/position template: province, office, dept, district, commune
    on_installation: bool = True
    address: str = ""
    telephone: str = ""
    email: str = ""
    website: str = ""
    organization_in_charge: str = ""


def _dept(nn: int, name: str, short: str, slug: str, level: str = "department") -> DemoAgency:
    return DemoAgency(
        code=f"000.00.{nn:02d}.H15",
        name=name,
        short_name=short,
        level=level,
        parent=PROVINCE_CODE,
        slug=slug,
        kind="dept",
        address="Buôn Ma Thuột, Đắk Lắk",
        email=f"{slug}@daklak.gov.vn",
        website="https://daklak.gov.vn",
        organization_in_charge="UBND tỉnh Đắk Lắk",
    )


def _district(nn: int, name: str, slug: str) -> DemoAgency:
    return DemoAgency(
        code=f"000.{nn:02d}.00.H15",
        name=name,
        short_name="UBND",
        level="district",
        parent=PROVINCE_CODE,
        slug=slug,
        kind="district",
        email=f"ubnd.{slug}@daklak.gov.vn",
        organization_in_charge="UBND tỉnh Đắk Lắk",
    )


def _commune(district: int, cc: int, name: str, slug: str) -> DemoAgency:
    return DemoAgency(
        code=f"000.{district:02d}.{cc:02d}.H15",
        name=name,
        short_name="UBND",
        level="commune",
        parent=f"000.{district:02d}.00.H15",
        slug=slug,
        kind="commune",
    )


AGENCIES: list[DemoAgency] = [
    DemoAgency(
        code=PROVINCE_CODE,
        name="UBND tỉnh Đắk Lắk",
        short_name="UBND",
        level="province",
        parent=None,
        slug="ubndtinh",
        kind="province",
        address="09 Lê Duẩn, TP Buôn Ma Thuột, Đắk Lắk",
        telephone="0262 3852 628",
        email="ubnd@daklak.gov.vn",
        website="https://daklak.gov.vn",
    ),
    DemoAgency(
        code=VPUBND_CODE,
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level="department",
        parent=PROVINCE_CODE,
        slug="vpubnd",
        kind="office",
        address="09 Lê Duẩn, TP Buôn Ma Thuột, Đắk Lắk",
        telephone="0262 3852 631",
        email="vpubnd@daklak.gov.vn",
        website="https://daklak.gov.vn",
        organization_in_charge="UBND tỉnh Đắk Lắk",
    ),
    _dept(2, "Văn phòng HĐND tỉnh", "VPHĐND", "vphdnd"),
    _dept(3, "Sở Thông tin và Truyền thông", "STTTT", "stttt"),
    _dept(4, "Sở Tài nguyên và Môi trường", "STNMT", "stnmt"),
    _dept(5, "Sở Tài chính", "STC", "stc"),
    _dept(6, "Sở Y tế", "SYT", "syt"),
    _dept(7, "Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL", "svhttdl"),
    _dept(8, "Sở Kế hoạch và Đầu tư", "SKHĐT", "skhdt"),
    _dept(9, "Sở Giao thông vận tải", "SGTVT", "sgtvt"),
    _dept(10, "Sở Công Thương", "SCT", "sct"),
    _dept(11, "Sở Xây dựng", "SXD", "sxd"),
    _dept(12, "Sở Khoa học và Công nghệ", "SKHCN", "skhcn"),
    _dept(13, "Sở Ngoại vụ", "SNgV", "sngv"),
    _dept(14, "Sở Nông nghiệp và Phát triển nông thôn", "SNN&PTNT", "snnptnt"),
    _dept(15, "Sở Nội vụ", "SNV", "snv"),
    _dept(16, "Thanh tra tỉnh", "TTr", "ttr"),
    _dept(17, "Sở Tư pháp", "STP", "stp"),
    _dept(18, "Ban Dân tộc", "BDT", "bdt"),
    _dept(19, "Sở Giáo dục và Đào tạo", "SGDĐT", "sgddt"),
    _dept(20, "Ban Quản lý các Khu công nghiệp", "BQLKCN", "bqlkcn"),
    _dept(21, "Sở Lao động, Thương binh và Xã hội", "SLĐTBXH", "sldtbxh"),
    _dept(22, "Tỉnh Đoàn Đắk Lắk", "TĐ", "tinhdoan", level="party"),
    _district(1, "UBND thành phố Buôn Ma Thuột", "bmt"),
    _district(2, "UBND thị xã Buôn Hồ", "buonho"),
    _district(3, "UBND huyện Ea H'Leo", "eahleo"),
    _district(4, "UBND huyện Ea Súp", "easup"),
    _district(5, "UBND huyện Krông Năng", "krongnang"),
    _district(6, "UBND huyện Krông Búk", "krongbuk"),
    _district(7, "UBND huyện Buôn Đôn", "buondon"),
    _district(8, "UBND huyện Cư M'gar", "cumgar"),
    _district(9, "UBND huyện Ea Kar", "eakar"),
    _district(10, "UBND huyện M'Đrắk", "mdrak"),
    _district(11, "UBND huyện Krông Pắc", "krongpac"),
    _district(12, "UBND huyện Krông Bông", "krongbong"),
    _district(13, "UBND huyện Krông Ana", "krongana"),
    _district(14, "UBND huyện Lắk", "lak"),
    _district(15, "UBND huyện Cư Kuin", "cukuin"),
    _commune(1, 1, "UBND phường Tân Lợi", "tanloi"),
    _commune(1, 2, "UBND phường Tân An", "tanan"),
    _commune(1, 3, "UBND xã Hòa Thắng", "hoathang"),
    _commune(2, 1, "UBND phường An Lạc", "anlac"),
    DemoAgency(
        code="000.00.00.G22",
        name="Văn phòng Chính phủ",
        short_name="VPCP",
        level="central",
        parent=None,
        slug="vpcp",
        kind="external",
        on_installation=False,
        address="1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
        website="https://vpcp.chinhphu.vn",
    ),
    DemoAgency(
        code="000.00.00.H16",
        name="UBND tỉnh Đắk Nông",
        short_name="UBND",
        level="other_province",
        parent=None,
        slug="daknong",
        kind="external",
        on_installation=False,
        address="Gia Nghĩa, Đắk Nông",
    ),
    DemoAgency(
        code="000.00.00.G12",
        name="Bộ Thông tin và Truyền thông",
        short_name="BTTTT",
        level="central",
        parent=None,
        slug="btttt",
        kind="external",
        on_installation=False,
        address="18 Nguyễn Du, Hai Bà Trưng, Hà Nội",
    ),
]


@dataclass(frozen=True)
class DemoTemplate:
    departments: list[tuple[str, str]]  # (name, short name)
    positions: list[tuple[str, int]]  # (name, rank)
    # role -> (department short name, position name)
    placement: dict[str, tuple[str, str]] = field(default_factory=dict)


TEMPLATES: dict[str, DemoTemplate] = {
    "province": DemoTemplate(
        departments=[("Thường trực UBND tỉnh", "TT"), ("Bộ phận Một cửa", "MC")],
        positions=[("Chủ tịch", 1), ("Phó Chủ tịch", 2), ("Chuyên viên", 50), ("Văn thư", 60)],
        placement={
            "leader": ("TT", "Chủ tịch"),
            "clerk": ("MC", "Văn thư"),
            "specialist": ("MC", "Chuyên viên"),
            "admin": ("MC", "Chuyên viên"),
        },
    ),
    "office": DemoTemplate(
        departments=[
            ("Phòng Khoa giáo - Văn xã", "KGVX"),
            ("Phòng Tổng hợp", "TH"),
            ("Phòng Kinh tế", "KT"),
            ("Phòng Hành chính - Tổ chức", "HCTC"),
            ("Trung tâm Thông tin - Công báo", "TTCTB"),
        ],
        positions=[
            ("Chánh Văn phòng", 1),
            ("Phó Chánh Văn phòng", 2),
            ("Trưởng phòng", 10),
            ("Phó Trưởng phòng", 11),
            ("Chuyên viên", 50),
            ("Văn thư", 60),
        ],
        placement={
            "leader": ("HCTC", "Chánh Văn phòng"),
            "clerk": ("HCTC", "Văn thư"),
            "specialist": ("KGVX", "Chuyên viên"),
            "tracking": ("TH", "Chuyên viên"),
            "admin": ("HCTC", "Chuyên viên"),
        },
    ),
    "dept": DemoTemplate(
        departments=[
            ("Văn phòng", "VP"),
            ("Phòng Kế hoạch - Tài chính", "KHTC"),
            ("Phòng Nghiệp vụ", "NV"),
            ("Thanh tra", "TTr"),
        ],
        positions=[
            ("Giám đốc", 1),
            ("Phó Giám đốc", 2),
            ("Chánh Văn phòng", 10),
            ("Trưởng phòng", 10),
            ("Chuyên viên", 50),
            ("Văn thư", 60),
        ],
        placement={
            "leader": ("VP", "Giám đốc"),
            "clerk": ("VP", "Văn thư"),
            "specialist": ("NV", "Chuyên viên"),
            "admin": ("VP", "Chuyên viên"),
        },
    ),
    "district": DemoTemplate(
        departments=[
            ("Văn phòng HĐND và UBND", "VP"),
            ("Phòng Nội vụ", "NV"),
            ("Phòng Tài chính - Kế hoạch", "TCKH"),
            ("Phòng Tài nguyên và Môi trường", "TNMT"),
        ],
        positions=[
            ("Chủ tịch", 1),
            ("Phó Chủ tịch", 2),
            ("Chánh Văn phòng", 10),
            ("Trưởng phòng", 10),
            ("Chuyên viên", 50),
            ("Văn thư", 60),
        ],
        placement={
            "leader": ("VP", "Chủ tịch"),
            "clerk": ("VP", "Văn thư"),
            "specialist": ("TCKH", "Chuyên viên"),
            "admin": ("VP", "Chuyên viên"),
        },
    ),
    "commune": DemoTemplate(
        departments=[("Văn phòng - Thống kê", "VPTK"), ("Địa chính - Xây dựng", "ĐCXD")],
        positions=[("Chủ tịch", 1), ("Phó Chủ tịch", 2), ("Công chức", 50)],
        placement={
            "leader": ("VPTK", "Chủ tịch"),
            "clerk": ("VPTK", "Công chức"),
            "specialist": ("ĐCXD", "Công chức"),
            "admin": ("VPTK", "Công chức"),
        },
    ),
}

# User name prefix per role: vanthu.vpubnd, lanhdao.vpubnd, ...
ROLE_PREFIX = {
    "clerk": "vanthu",
    "leader": "lanhdao",
    "specialist": "chuyenvien",
    "tracking": "theodoi",
    "admin": "quantri",
}
# Tracking officers (cán bộ theo dõi nhiệm vụ) exist in Văn phòng UBND tỉnh only.
ROLES_BY_KIND = {
    "office": ["clerk", "leader", "specialist", "tracking", "admin"],
}
DEFAULT_ROLES = ["clerk", "leader", "specialist", "admin"]

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "H'"]
_MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Xuân"]
_MIDDLE_F = ["Thị", "Thị Thu", "Ngọc", "Thị Hồng", "Thị Kim", "Thu"]
_GIVEN_M = ["Hùng", "Dũng", "Tuấn", "Long", "Phong", "Sơn", "Thắng", "Bình", "Khánh", "Tài"]
_GIVEN_F = ["Lan", "Hương", "Mai", "Hà", "Trang", "Thảo", "Linh", "Yến", "Nhung", "Vân"]


def demo_full_name(index: int) -> str:
    """Deterministic, plausible Vietnamese names (Ê Đê names for a few: H'Nhung Niê)."""
    if index % 13 == 7:
        return f"H'{_GIVEN_F[index % len(_GIVEN_F)]} Niê"
    surname = _SURNAMES[index % 10]
    if index % 2:
        return f"{surname} {_MIDDLE_F[index % len(_MIDDLE_F)]} {_GIVEN_F[(index // 2) % 10]}"
    return f"{surname} {_MIDDLE_M[index % len(_MIDDLE_M)]} {_GIVEN_M[(index // 3) % 10]}"


# Names fixed for the accounts people log in with in the README and the browser test.
FIXED_NAMES = {
    "admin": "Quản trị hệ thống",
    "vanthu.vpubnd": "Nguyễn Thị Hồng Nhung",
    "lanhdao.vpubnd": "Trần Văn Phong",
    "chuyenvien.vpubnd": "Lê Thị Thu Hà",
    "theodoi.vpubnd": "Phạm Quốc Khánh",
    "quantri.vpubnd": "Võ Minh Tuấn",
}

# Installation-wide recipient groups (nhóm nơi nhận).
RECIPIENT_GROUPS = {
    "Các Sở, ban, ngành": [
        a.code for a in AGENCIES if a.kind == "dept" and a.level in {"department", "party"}
    ],
    "UBND các huyện, thị xã, thành phố": [a.code for a in AGENCIES if a.kind == "district"],
}


def demo_accounts() -> list[dict]:
    """[{username, role, agency, full_name}] in load order (for the README and the loader)."""
    accounts = [
        {
            "username": "admin",
            "role": "superuser",
            "agency": VPUBND_CODE,
            "full_name": FIXED_NAMES["admin"],
        }
    ]
    index = 0
    for agency in AGENCIES:
        if not agency.on_installation:
            continue
        for role in ROLES_BY_KIND.get(agency.kind, DEFAULT_ROLES):
            username = f"{ROLE_PREFIX[role]}.{agency.slug}"
            index += 1
            accounts.append(
                {
                    "username": username,
                    "role": role,
                    "agency": agency.code,
                    "full_name": FIXED_NAMES.get(username) or demo_full_name(index),
                }
            )
    return accounts
