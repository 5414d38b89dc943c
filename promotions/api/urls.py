from django.urls import path
from rest_framework.routers import SimpleRouter

from . import counter, views

router = SimpleRouter()
router.register("vouchers", views.VoucherViewSet, basename="voucher")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("promotions", views.PromotionViewSet, basename="promotion")
router.register("redemptions", views.RedemptionViewSet, basename="redemption")
router.register("voucher-batches", views.VoucherBatchViewSet, basename="voucher-batch")
router.register("budget-plans", views.BudgetPlanViewSet, basename="budget-plan")

# The action paths come first so that "quote", "validate" and "redeem" never read as an id.
urlpatterns = [
    path("promotions/quote/", views.QuoteApi.as_view(), name="promotions-quote"),
    path("vouchers/validate/", views.VoucherValidateApi.as_view(), name="vouchers-validate"),
    path("vouchers/redeem/", views.VoucherRedeemApi.as_view(), name="vouchers-redeem"),
    path("vouchers/<int:pk>/void/", views.RedemptionVoidApi.as_view(), name="vouchers-void"),
    path("cashier/customer/", counter.CounterCustomerApi.as_view(), name="promotions-api-counter-customer"),
    path("cashier/otp/", counter.CounterOtpApi.as_view(), name="promotions-api-counter-otp"),
    path("cashier/points/", counter.CounterPointsApi.as_view(), name="promotions-api-counter-points"),
    *router.urls,
]
