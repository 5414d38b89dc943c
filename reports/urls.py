from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/o2o/", views.o2o, name="o2o"),
    path("reports/o2o/offline-conversions.csv", views.offline_conversions, name="offline-conversions"),
    path("reports/goals/", views.goals, name="goals"),
    path("reports/stores/", views.stores, name="stores"),
    path("reports/budget/", views.budget, name="budget"),
]
