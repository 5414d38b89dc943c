from django.urls import path

from . import views

app_name = "promotions"

urlpatterns = [
    path("cashier/", views.cashier, name="cashier"),
    path("cashier/check/", views.cashier_check, name="cashier-check"),
    path("cashier/confirm/", views.cashier_confirm, name="cashier-confirm"),
    path("cashier/void/<int:pk>/", views.cashier_void, name="cashier-void"),
    path("cashier/customer/", views.cashier_customer, name="cashier-customer"),
    path("promotions/", views.overview, name="overview"),
    path("promotions/batches/", views.batches, name="batches"),
    path("v/<str:code>/", views.voucher_public, name="voucher-public"),
    path("v/<str:code>/qr.svg", views.voucher_qr, name="voucher-qr"),
]
