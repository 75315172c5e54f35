from django.urls import path

from publishing import views

app_name = "publishing"

# Included under /desk/.
urlpatterns = [
    path("precincts/<slug:slug>/channels/", views.channel_list, name="channel_list"),
    path("precincts/<slug:slug>/channels/<int:channel_id>/", views.channel_action, name="channel_action"),
    path("precincts/<slug:slug>/deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="delivery_retry"),
]
