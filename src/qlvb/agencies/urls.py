from django.urls import path

from qlvb.agencies import views

app_name = "agencies"

urlpatterns = [
    path("", views.agency_list_view, name="list"),
    path("co-quan/them/", views.agency_create_view, name="create"),
    path("co-quan/<str:code>/", views.agency_detail_view, name="detail"),
    path("co-quan/<str:code>/sua/", views.agency_edit_view, name="edit"),
    path("can-bo/", views.person_list_view, name="people"),
    path("can-bo/<int:pk>/", views.person_detail_view, name="person"),
    path("can-bo/<int:pk>/vai-tro/", views.role_grant_view, name="role_grant"),
    path("can-bo/<int:pk>/vai-tro/thu-hoi/", views.role_revoke_view, name="role_revoke"),
]
