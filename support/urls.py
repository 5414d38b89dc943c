from django.urls import path, re_path

from . import views

app_name = "support"

# The ticket page's forms post here; any other word after the ticket number is a 404 page.
TICKET_ACTIONS = "transition|comment|assign|followup|confirm"

urlpatterns = [
    path("hotline/", views.hotline, name="hotline"),
    path("hotline/pop/", views.hotline_pop, name="pop"),
    path("hotline/calls/<int:pk>/answer/", views.call_answer, name="call-answer"),
    path("hotline/calls/<int:pk>/notes/", views.call_notes, name="call-notes"),
    path("hotline/calls/<int:pk>/end/", views.call_end, name="call-end"),
    path("hotline/customers/new/", views.new_customer, name="new-customer"),
    path("hotline/customers/<int:pk>/", views.customer, name="customer"),
    path("hotline/customers/<int:pk>/tickets/", views.ticket_create, name="ticket-create"),
    path("support/tickets/", views.tickets, name="tickets"),
    path("support/tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    re_path(
        rf"^support/tickets/(?P<pk>[0-9]+)/(?P<action>{TICKET_ACTIONS})/$", views.ticket_action, name="ticket-action"
    ),
    path("support/satisfaction/", views.satisfaction_report, name="satisfaction"),
    path("support/confirm/<str:token>/", views.confirm, name="confirm"),
]
