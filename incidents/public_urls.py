from django.urls import path

from incidents import public_views

urlpatterns = [
    path("", public_views.home, name="home"),
]
