from django.urls import path

from qlvb.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.failed_list, name="failed"),
    path("<str:label>/<int:pk>/thu-lai/", views.retry, name="retry"),
]
