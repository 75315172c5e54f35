from django.urls import path

from incidents import api

app_name = "api"

urlpatterns = [
    path("posts/check/", api.PostCheckView.as_view(), name="post_check"),
]
