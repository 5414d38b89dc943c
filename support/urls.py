from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("hotline/", views.hotline, name="hotline"),
]
