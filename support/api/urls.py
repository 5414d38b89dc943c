from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("support/tickets", views.TicketViewSet, basename="support-ticket")
router.register("support/departments", views.DepartmentViewSet, basename="support-department")
router.register("support/categories", views.CategoryViewSet, basename="support-category")
router.register("support/calls", views.CallViewSet, basename="support-call")

urlpatterns = [
    path("support/lookup/", views.LookupApi.as_view(), name="support-lookup"),
    path("support/customers/<int:pk>/overview/", views.CustomerOverviewApi.as_view(), name="support-overview"),
    path("support/reports/satisfaction/", views.SatisfactionReportApi.as_view(), name="support-satisfaction"),
    *router.urls,
]
