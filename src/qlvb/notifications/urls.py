from django.urls import path

from qlvb.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("chuong/", views.bell, name="bell"),
    path("doc-tat-ca/", views.read_all_view, name="read_all"),
    path("thiet-lap/", views.preferences_view, name="preferences"),
    path("co-quan/", views.agency_view, name="agency"),
    path("thu-tin-nhan/", views.messages_view, name="messages"),
    path("<int:pk>/mo/", views.open_view, name="open"),
]
