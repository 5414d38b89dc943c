from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("hotline/", views.hotline, name="hotline"),
    path("support/tickets/", views.tickets, name="tickets"),
    path("support/confirm/<str:token>/", views.confirm, name="confirm"),
]
