from django.urls import path

from . import views

urlpatterns = [
    path("journeys/", views.JourneyListApi.as_view(), name="journeys-api-list"),
    path("journeys/<int:journey_id>/", views.JourneyDetailApi.as_view(), name="journeys-api-detail"),
    path("journeys/<int:journey_id>/stats/", views.JourneyStatsApi.as_view(), name="journeys-api-stats"),
    path("journeys/<int:journey_id>/dry-run/", views.JourneyDryRunApi.as_view(), name="journeys-api-dry-run"),
    path("journeys/<int:journey_id>/enroll/", views.JourneyEnrollApi.as_view(), name="journeys-api-enroll"),
    path("journeys/<int:journey_id>/<slug:action>/", views.JourneyActionApi.as_view(), name="journeys-api-action"),
]
