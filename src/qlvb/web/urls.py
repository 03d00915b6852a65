from django.urls import include, path

from qlvb.web import views

app_name = "web"

# Placeholders live under their own prefix so they never shadow a feature app's real page.
urlpatterns = [
    path("", views.home, name="home"),
    path("dang-xay-dung/van-ban-di/", views.placeholder, {"section": "outgoing"}, name="outgoing"),
    path("dang-xay-dung/lien-thong/", views.placeholder, {"section": "exchange"}, name="exchange"),
    path("dang-xay-dung/nhiem-vu/", views.placeholder, {"section": "tasks"}, name="tasks"),
    path("dang-xay-dung/bao-cao/", views.placeholder, {"section": "reports"}, name="reports"),
    path("dang-xay-dung/tim-kiem/", views.placeholder, {"section": "search"}, name="search"),
    path("quan-tri/", views.admin_index, name="admin"),
    path("i18n/", include("django.conf.urls.i18n")),
]
