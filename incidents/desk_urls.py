from django.urls import path

from incidents import views

app_name = "desk"

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<str:reference>/", views.incident_detail, name="incident_detail"),
]
