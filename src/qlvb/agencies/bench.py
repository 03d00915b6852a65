"""Directory benchmarks: importing a 120,000-agency national directory, and search as you type
over it. Registered with qlvb.core.bench; run by `qlvb bench`."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from qlvb.agencies.models import Agency
from qlvb.agencies.selectors import (
    _COMMON_WORDS,
    SEARCH_CANDIDATES,
    SQLITE_FTS_TABLE,
    agency_search,
    search_terms,
)
from qlvb.agencies.services import CSV_HEADER, directory_import
from qlvb.core.bench import Benchmark, register, timed
from qlvb.core.text import fold

SIZE = 120_000

_SYLLABLES = [
    "An",
    "Bình",
    "Cẩm",
    "Châu",
    "Đông",
    "Đức",
    "Gia",
    "Giang",
    "Hà",
    "Hải",
    "Hòa",
    "Hồng",
    "Hưng",
    "Khánh",
    "Kim",
    "Lạc",
    "Lâm",
    "Lộc",
    "Long",
    "Minh",
    "Mỹ",
    "Nam",
    "Nghĩa",
    "Ngọc",
    "Nhơn",
    "Ninh",
    "Phong",
    "Phú",
    "Phúc",
    "Phước",
    "Quang",
    "Quảng",
    "Sơn",
    "Tân",
    "Thạch",
    "Thanh",
    "Thành",
    "Thạnh",
    "Thắng",
    "Thịnh",
    "Thuận",
    "Tiến",
    "Trà",
    "Trung",
    "Trường",
    "Tuy",
    "Vân",
    "Vĩnh",
    "Xuân",
    "Yên",
    "Ea",
    "Krông",
    "Buôn",
    "Đắk",
    "Lắk",
    "Cư",
    "Jút",
    "Pắc",
    "Búk",
    "Năng",
    "Súp",
    "Kar",
    "Đrắk",
    "Bông",
    "Ana",
    "Kuin",
    "Lăk",
    "Mgar",
    "Tơ",
    "Pơ",
    "Ia",
    "Grai",
    "Chư",
    "Păh",
    "Sê",
    "Kon",
    "Rẫy",
]
_DEPARTMENTS = [
    "Văn phòng UBND",
    "Văn phòng HĐND",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tài chính",
    "Sở Công Thương",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Giao thông vận tải",
    "Sở Xây dựng",
    "Sở Tài nguyên và Môi trường",
    "Sở Thông tin và Truyền thông",
    "Sở Lao động, Thương binh và Xã hội",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Thanh tra tỉnh",
    "Ban Dân tộc",
    "Sở Ngoại vụ",
    "Ban Quản lý các Khu công nghiệp",
    "Tỉnh Đoàn",
    "Đài Phát thanh và Truyền hình",
    "Bảo hiểm xã hội tỉnh",
    "Công an tỉnh",
    "Bộ Chỉ huy Quân sự tỉnh",
    "Cục Thuế tỉnh",
    "Kho bạc Nhà nước tỉnh",
    "Cục Thống kê tỉnh",
    "Liên minh Hợp tác xã tỉnh",
    "Hội Nông dân tỉnh",
    "Hội Liên hiệp Phụ nữ tỉnh",
    "Ủy ban Mặt trận Tổ quốc tỉnh",
    "Trường Chính trị tỉnh",
    "Ban Quản lý dự án đầu tư xây dựng",
    "Quỹ Đầu tư phát triển",
    "Trung tâm Phục vụ hành chính công",
    "Ban Tiếp công dân tỉnh",
    "Liên đoàn Lao động tỉnh",
    "Hội Cựu chiến binh tỉnh",
]


def _place(rng: random.Random) -> str:
    return f"{rng.choice(_SYLLABLES)} {rng.choice(_SYLLABLES)}"


def national_directory_rows(size: int = SIZE, seed: int = 2026) -> list[list[str]]:
    """A synthetic national directory: per province a root, 40 bodies, 30 districts, and
    communes; codes follow the QĐ 20/2020 shape. Rows are shuffled so that many children come
    before their parents in the file (the import must resolve parents in a second pass)."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    province = 0
    while len(rows) < size:
        province += 1
        letter = "HGKT"[(province - 1) // 99]
        suffix = f"{letter}{(province - 1) % 99 + 1:02d}"
        pname = _place(rng)
        root = f"000.00.00.{suffix}"
        rows.append(
            [root, f"UBND tỉnh {pname}", "UBND", "other_province", "", "", "", "", "", "", "", "0"]
        )
        for i, dept in enumerate(_DEPARTMENTS, start=1):
            code = f"000.00.{i:02d}.{suffix}"
            short = "".join(w[0] for w in fold(dept).split()).upper()[:10]
            email = f"{short.lower()}@{fold(pname).replace(' ', '')}.gov.vn"
            rows.append(
                [
                    code,
                    f"{dept} {pname}",
                    short,
                    "department",
                    root,
                    f"UBND tỉnh {pname}",
                    f"{rng.randint(1, 300)} đường {_place(rng)}",
                    email,
                    f"0{rng.randint(200, 299)} {rng.randint(1000000, 9999999)}",
                    "",
                    "",
                    "0",
                ]
            )
        for d in range(1, 31):
            district = f"000.{d:02d}.00.{suffix}"
            kind = rng.choice(["huyện", "huyện", "huyện", "thị xã", "thành phố"])
            rows.append(
                [
                    district,
                    f"UBND {kind} {_place(rng)}",
                    "UBND",
                    "district",
                    root,
                    f"UBND tỉnh {pname}",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "0",
                ]
            )
            for c in range(1, 63):
                ckind = rng.choice(["xã", "xã", "xã", "phường", "thị trấn"])
                rows.append(
                    [
                        f"000.{d:02d}.{c:02d}.{suffix}",
                        f"UBND {ckind} {_place(rng)}",
                        "UBND",
                        "commune",
                        district,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "0",
                    ]
                )
    rows = rows[:size]
    # Drop parents cut off by the size limit, then shuffle.
    codes = {r[0] for r in rows}
    for r in rows:
        if r[4] and r[4] not in codes:
            r[4] = ""
    rng.shuffle(rows)
    return rows


def write_directory_csv(path: Path, size: int = SIZE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(national_directory_rows(size))
    return path


def _csv_path(size: int) -> Path:
    return Path(settings.DATA_DIR) / f"bench-directory-{size}.csv"


def _clear_directory() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE agencies_agency SET parent_id = NULL")
        cursor.execute("DELETE FROM agencies_recipientgroup_members")
        cursor.execute("DELETE FROM agencies_agency")
    _vacuum()


def _vacuum() -> None:
    """Deleting and re-importing 120,000 rows six times leaves PostgreSQL's table several times
    its size in dead rows until autovacuum passes; a benchmark artefact, so clean up now
    rather than measure the bloat (a real directory is imported, not deleted in a loop)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE agencies_agency")


# --- import ---------------------------------------------------------------------------------------


def _import_setup(quick: bool):
    size = SIZE
    path = _csv_path(size)
    if not path.exists():
        write_directory_csv(path, size)
    return {"path": path, "size": size}


def _import_run(state, quick: bool) -> list[float]:
    samples = []
    for _ in range(1 if quick else 3):
        _clear_directory()
        samples.append(timed(lambda: directory_import(actor=None, stream_or_path=state["path"])))
    assert Agency.objects.count() == state["size"]
    return samples


def _import_floor(state, quick: bool) -> list[float]:
    """Bare executemany of the same rows (parents left empty, no checks, no audit)."""
    with state["path"].open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = list(reader)
    from django.utils import timezone

    now = timezone.now()
    params = [
        (
            r[0],
            r[1],
            r[2],
            r[3],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11] == "1",
            True,
            fold(f"{r[1]} {r[2]} {r[0]}"),
            now,
            now,
        )
        for r in rows
    ]
    sql = (
        "INSERT INTO agencies_agency (code, name, short_name, level, organization_in_charge, "
        "address, email, telephone, fax, website, on_installation, is_active, search_text, "
        "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "%s, %s)"
    )
    samples = []
    for _ in range(1 if quick else 3):
        _clear_directory()

        def insert():
            with transaction.atomic(), connection.cursor() as cursor:
                for i in range(0, len(params), 5000):
                    cursor.executemany(sql, params[i : i + 5000])

        samples.append(timed(insert))
    _clear_directory()
    return samples


def _reimport_setup(quick: bool):
    state = _import_setup(quick)
    if Agency.objects.count() != state["size"]:
        _clear_directory()
        directory_import(actor=None, stream_or_path=state["path"])
    return state


def _reimport_run(state, quick: bool) -> list[float]:
    samples = []
    for _ in range(1 if quick else 3):
        result = None

        def run():
            nonlocal result
            result = directory_import(actor=None, stream_or_path=state["path"])

        samples.append(timed(run))
        assert result.unchanged == state["size"], result
    return samples


register(
    Benchmark(
        name="directory_import",
        title="qlvb directory import of a 120 000-agency CSV into an empty directory "
        "(validation, parents resolved, search text, one audit event per agency)",
        size="120 000 agencies",
        target_seconds=60.0,
        metric="total",
        setup=_import_setup,
        run=_import_run,
        floor=_import_floor,
        notes="Floor: the same rows inserted with raw executemany, no validation, no parents, "
        "no audit.",
    )
)
register(
    Benchmark(
        name="directory_reimport",
        title="importing the same 120 000-agency file again (nothing changes, nothing audited)",
        size="120 000 agencies",
        target_seconds=60.0,
        metric="total",
        setup=_reimport_setup,
        run=_reimport_run,
    )
)


# --- search as you type ---------------------------------------------------------------------------

# What people type, keystroke by keystroke (from two characters, when the page starts asking).
_TYPED = [
    "Sở Tài chính",
    "ubnd xa hoa",
    "Văn phòng UBND",
    "krong",
    "Đắk Lắk",
    "thanh tra",
    "000.00.01",
    "ban quan ly du an",
    "phường",
    "so noi vu",
]


def _queries() -> list[str]:
    out = []
    for text in _TYPED:
        for end in range(2, len(text) + 1):
            if not text[end - 1].isspace():
                out.append(text[:end])
    return out


class _Viewer:
    is_authenticated = True
    is_superuser = False
    agency_id = None


def _search_setup(quick: bool):
    state = _reimport_setup(quick)
    _vacuum()
    return state | {"queries": _queries()}


def _search_run(state, quick: bool) -> list[float]:
    viewer = _Viewer()
    reps = 2 if quick else 5
    samples = []
    for q in state["queries"]:
        agency_search(viewer=viewer, query=q)  # warm this query's pages, as typing does
        for _ in range(reps):
            samples.append(timed(lambda q=q: agency_search(viewer=viewer, query=q)))
    return samples


def _floor_sql(terms: list[str]) -> tuple[str, list]:
    """One bare SQL query doing the selector's job for the rest of the directory: index
    candidates, then the first 20 by name, sorted by the database."""
    rare = [t for t in terms if t not in _COMMON_WORDS] or terms
    if connection.vendor == "sqlite":
        match = " AND ".join('"{}"*'.format(t.replace('"', '""')) for t in rare)
        inner = f"SELECT rowid FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s"  # noqa: S608
        params = [match]
    else:
        conditions = " AND ".join(["(search_text LIKE %s OR search_text LIKE %s)"] * len(rare))
        inner = f"SELECT id FROM agencies_agency WHERE {conditions}"  # noqa: S608
        params = [p for t in rare for p in (t + "%", "% " + t + "%")]
    cols = "id, code, name, short_name, level, on_installation, is_active, parent_id"
    sql = (
        f"SELECT {cols} FROM agencies_agency WHERE is_active AND id IN "  # noqa: S608
        f"(SELECT * FROM ({inner} LIMIT {SEARCH_CANDIDATES}) AS c) "
        "ORDER BY search_text LIMIT 20"
    )
    return sql, params


def _search_floor(state, quick: bool) -> list[float]:
    reps = 2 if quick else 5
    samples = []
    with connection.cursor() as cursor:
        for q in state["queries"]:
            sql, params = _floor_sql(search_terms(q))

            def run(sql=sql, params=params):
                cursor.execute(sql, params)
                cursor.fetchall()

            run()
            for _ in range(reps):
                samples.append(timed(run))
    return samples


register(
    Benchmark(
        name="agency_search",
        title="agency search as you type (selector agency_search, 20 results, server time) "
        f"over 120 000 agencies; {len(_queries())} keystrokes of {len(_TYPED)} typed queries",
        size="120 000 agencies",
        target_seconds=0.030,
        metric="p95",
        setup=_search_setup,
        run=_search_run,
        floor=_search_floor,
        notes="Floor: the same index query as raw SQL through the database cursor.",
    )
)
