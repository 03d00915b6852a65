from django.urls import include, path

from qlvb.api import api

urlpatterns = [
    path("", include("qlvb.web.urls")),
    path("tai-khoan/", include("qlvb.accounts.urls")),
    path("quan-tri/tac-vu/", include("qlvb.jobs.urls")),
    path("api/v1/", api.urls),
]
