from django.urls import path

from . import views, views_segments

app_name = "reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/o2o/", views.o2o, name="o2o"),
    path("reports/o2o/offline-conversions.csv", views.offline_conversions, name="offline-conversions"),
    path("reports/goals/", views.goals, name="goals"),
    path("reports/stores/", views.stores, name="stores"),
    path("reports/budget/", views.budget, name="budget"),
    path("reports/segments/", views_segments.segment_list, name="segments"),
    path("reports/segments/recompute/", views_segments.segment_recompute, name="segments-recompute"),
    path("reports/segments/new/", views_segments.segment_new, name="segment-new"),
    path("reports/segments/<int:segment_id>/", views_segments.segment_detail, name="segment"),
    path("reports/segments/<int:segment_id>/edit/", views_segments.segment_edit, name="segment-edit"),
    path("reports/segments/<int:segment_id>/contacts.csv", views_segments.segment_export, name="segment-export"),
    path("reports/segments/<int:segment_id>/message/", views_segments.segment_message, name="segment-message"),
    path("reports/segments/<int:segment_id>/vouchers/", views_segments.segment_vouchers, name="segment-vouchers"),
    path(
        "reports/segments/<int:segment_id>/progress/", views_segments.segment_actions_progress, name="segment-progress"
    ),
    path(
        "reports/message-campaigns/<int:campaign_id>/cancel/",
        views_segments.message_campaign_cancel,
        name="message-campaign-cancel",
    ),
]
