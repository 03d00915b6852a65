from django.urls import include, path

urlpatterns = [
    path("", include("qlvb.web.urls")),
]
