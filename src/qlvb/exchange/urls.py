from django.urls import path

from qlvb.exchange import views

app_name = "exchange"


urlpatterns = [
    path("", views.outbox, name="list"),
    path("gui/", views.outbox, name="outbox"),
    path("nhan/", views.inbox_list, name="inbox"),
    path("loi/", views.failed, name="failed"),
    path("loi/<int:pk>/gui-lai/", views.retry, name="retry"),
]
