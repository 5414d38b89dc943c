from django.urls import path

from . import views

urlpatterns = [
    path("stores/", views.StoreListApi.as_view(), name="channels-api-stores"),
    path("channels/", views.ChannelListApi.as_view(), name="channels-api-channels"),
    path("channels/<slug:code>/orders/", views.ChannelOrderCreateApi.as_view(), name="channels-api-channel-orders"),
    path("channels/<slug:code>/webhook/", views.ChannelWebhookApi.as_view(), name="channels-api-webhook"),
    path("products/", views.ProductListCreateApi.as_view(), name="channels-api-products"),
    path("products/<int:pk>/", views.ProductDetailApi.as_view(), name="channels-api-product"),
    path("skus/", views.SkuListApi.as_view(), name="channels-api-skus"),
    path("stock/", views.StockListApi.as_view(), name="channels-api-stock"),
    path("stock/receive/", views.StockReceiveApi.as_view(), name="channels-api-stock-receive"),
    path("stock/adjust/", views.StockAdjustApi.as_view(), name="channels-api-stock-adjust"),
    path("stock/transfer/", views.StockTransferApi.as_view(), name="channels-api-stock-transfer"),
    path("listings/", views.ListingListApi.as_view(), name="channels-api-listings"),
    path("listings/price/", views.ListingPriceApi.as_view(), name="channels-api-listings-price"),
    path("orders/", views.OrderListApi.as_view(), name="channels-api-orders"),
    path("orders/<str:number>/", views.OrderDetailApi.as_view(), name="channels-api-order"),
    path("orders/<str:number>/status/", views.OrderStatusApi.as_view(), name="channels-api-order-status"),
    path("orders/<str:number>/return/", views.OrderReturnApi.as_view(), name="channels-api-order-return"),
    path("pickups/collect/", views.PickupCollectApi.as_view(), name="channels-api-pickup-collect"),
    path("checkins/", views.CheckInListCreateApi.as_view(), name="channels-api-checkins"),
]
