from django.urls import path

from . import views, views_leads

app_name = "journeys"

urlpatterns = [
    path("journeys/", views.journey_list, name="list"),
    path("journeys/new/", views.journey_new, name="new"),
    path("journeys/<int:journey_id>/", views.journey_detail, name="detail"),
    path("journeys/<int:journey_id>/edit/", views.journey_edit, name="edit"),
    path("journeys/<int:journey_id>/steps/new/", views.journey_step, name="step-new"),
    path("journeys/<int:journey_id>/steps/<slug:key>/", views.journey_step, name="step"),
    path("journeys/<int:journey_id>/steps/<slug:key>/delete/", views.journey_step_delete, name="step-delete"),
    path("journeys/<int:journey_id>/<slug:action>/", views.journey_action, name="action"),
    path("leads/", views_leads.lead_queue, name="leads"),
    path("leads/visits/", views_leads.store_visits, name="visits"),
    path("leads/report/", views_leads.leads_report, name="leads-report"),
    path("leads/<int:lead_id>/", views_leads.lead_detail, name="lead"),
    path("leads/<int:lead_id>/take/", views_leads.lead_take, name="lead-take"),
]
