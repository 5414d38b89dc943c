from django.urls import path

from . import views

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
]
