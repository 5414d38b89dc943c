from django.urls import path

from . import views

app_name = "channels"

urlpatterns = [
    path("channels/sync/", views.sync_status, name="sync-status"),
    path("channels/sync/<slug:code>/retry/", views.sync_retry, name="sync-retry"),
    path("channels/orders/", views.order_list, name="orders"),
    path("channels/orders/<str:number>/", views.order_detail, name="order-detail"),
    path("channels/goals/", views.goals, name="goals"),
    path("channels/pickups/", views.pickups, name="pickups"),
    path("c/<str:token>/", views.pickup_pass, name="pickup-pass"),
    path("channels/stores/<slug:code>/qr/", views.store_qr, name="store-qr"),
    path("channels/feeds/<slug:code>.tsv", views.channel_feed, name="feed"),
    path("s/<slug:code>/", views.store_checkin, name="store-checkin"),
    path("s/<slug:code>/confirm/", views.store_checkin_confirm, name="store-checkin-confirm"),
    path("p/<str:code>/", views.product_page, name="product-page"),
]
