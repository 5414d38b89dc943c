from django.urls import path

from . import views

app_name = "channels"

urlpatterns = [
    path("channels/sync/", views.sync_status, name="sync-status"),
]
