from django.urls import path

from . import views

urlpatterns = [
    path("reports/o2o/", views.O2OReportApi.as_view(), name="reports-api-o2o"),
    path("reports/segments/preview/", views.SegmentPreviewApi.as_view(), name="reports-api-segment-preview"),
]
