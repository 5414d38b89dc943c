from django.urls import path

from . import views

app_name = "promotions"

urlpatterns = [
    path("cashier/", views.cashier, name="cashier"),
]
