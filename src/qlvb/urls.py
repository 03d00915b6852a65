from django.urls import include, path

from qlvb.api import api
from qlvb.exchange.inbox import inbox as exchange_inbox

urlpatterns = [
    path("nhiem-vu/", include("qlvb.directives.urls")),
    path("tim-kiem/", include("qlvb.search.urls")),
    path("bao-cao/", include("qlvb.reports.urls")),
    path("thong-bao/", include("qlvb.notifications.urls")),
    path("", include("qlvb.web.urls")),
    path("van-ban-den/", include("qlvb.incoming.urls")),
    path("van-ban-di/", include("qlvb.outgoing.urls")),
    path("tai-khoan/", include("qlvb.accounts.urls")),
    path("danh-ba/", include("qlvb.agencies.urls")),
    path("quan-tri/tac-vu/", include("qlvb.jobs.urls")),
    path("quan-tri/nhat-ky/", include("qlvb.audit.urls")),
    path("lien-thong/", include("qlvb.exchange.urls")),
    path("api/v1/exchange/inbox", exchange_inbox, name="exchange-inbox"),
    path("api/v1/", api.urls),
]

handler404 = "qlvb.web.views.not_found"
handler500 = "qlvb.web.views.server_error"
