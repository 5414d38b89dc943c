from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("hotline/", views.hotline, name="hotline"),
    path("hotline/pop/", views.hotline_pop, name="pop"),
    path("hotline/calls/<int:pk>/answer/", views.call_answer, name="call-answer"),
    path("hotline/customers/new/", views.new_customer, name="new-customer"),
    path("hotline/customers/<int:pk>/", views.customer, name="customer"),
    path("hotline/customers/<int:pk>/tickets/", views.ticket_create, name="ticket-create"),
    path("support/tickets/", views.tickets, name="tickets"),
    path("support/tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("support/tickets/<int:pk>/<slug:action>/", views.ticket_action, name="ticket-action"),
    path("support/satisfaction/", views.satisfaction_report, name="satisfaction"),
    path("support/confirm/<str:token>/", views.confirm, name="confirm"),
]
