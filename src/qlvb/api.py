"""The HTTP API (django-ninja) under /api/v1. Each app contributes a router from its api.py.

- docs page: /api/v1/docs (Swagger UI served from static files), schema: /api/v1/openapi.json
- authentication (qlvb.accounts.auth.api_auth): the browser's session (with CSRF on writes) or a
  per-system API token scoped to one agency (`Authorization: Bearer <token>`)
- every error is an RFC 9457 problem response (qlvb.core.api)
"""

from ninja import NinjaAPI

from qlvb.accounts.auth import api_auth
from qlvb.agencies.api import router as agencies_router
from qlvb.core.api import install_problem_handlers
from qlvb.directives.api import router as directives_router
from qlvb.documents.api import router as documents_router
from qlvb.incoming.api import router as incoming_router
from qlvb.jobs.api import router as jobs_router
from qlvb.notifications.api import router as notifications_router
from qlvb.outgoing.api import router as outgoing_router
from qlvb.reports.api import router as reports_router
from qlvb.search.api import router as search_router
from qlvb.signing.api import router as signing_router

API_DESCRIPTION = """
API của hệ thống Quản lý văn bản và điều hành (qlvb).

**Xác thực**: phiên đăng nhập của trình duyệt (kèm mã CSRF khi ghi) hoặc mã truy cập API cấp
cho từng hệ thống, gắn với một cơ quan: `Authorization: Bearer <mã>`.

**Phạm vi**: mọi người dùng và mọi mã truy cập được đọc danh bạ cơ quan và nhóm nơi nhận; cán bộ
chỉ xem được cán bộ của cơ quan mình (mã truy cập: của cơ quan được cấp mã). Sửa danh bạ, giao
hoặc thu hồi vai trò là việc của người quản trị đăng nhập; mã truy cập API không có vai trò nên
không được sửa danh bạ (403).

**Lỗi**: mọi lỗi trả về theo RFC 9457 (`application/problem+json`) với `type`, `title`,
`status`, `detail`, `instance`, `code` và, khi có, `errors` (lỗi theo trường hoặc theo dòng).
"""

api = NinjaAPI(
    title="qlvb API",
    version="1",
    description=API_DESCRIPTION,
    urls_namespace="api",
    auth=api_auth,
)
install_problem_handlers(api)

api.add_router("/", agencies_router)
api.add_router("/", jobs_router)

api.add_router("/", incoming_router)
api.add_router("/", documents_router)
api.add_router("/", outgoing_router)
api.add_router("/", directives_router)
api.add_router("/", search_router)
api.add_router("/", reports_router)
api.add_router("/", notifications_router)
api.add_router("/", signing_router)
