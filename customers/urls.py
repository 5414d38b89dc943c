from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/access-log/", views.access_log, name="access-log"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/consent/", views.customer_consent, name="consent"),
    path("customers/<int:pk>/contacts/", views.customer_contact_add, name="contact-add"),
    path("l/<str:token>", views.link_redirect, name="link"),
]
