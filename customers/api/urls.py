from django.urls import path

from . import views

urlpatterns = [
    path("customers/", views.CustomerListApi.as_view(), name="customers-api-list"),
    path("customers/resolve/", views.CustomerResolveApi.as_view(), name="customers-api-resolve"),
    path("customers/merge-candidates/", views.MergeCandidateListApi.as_view(), name="customers-api-merge-candidates"),
    path("customers/merges/<int:pk>/undo/", views.MergeUndoApi.as_view(), name="customers-api-merge-undo"),
    path("customers/<int:pk>/", views.CustomerDetailApi.as_view(), name="customers-api-detail"),
    path("customers/<int:pk>/contacts/", views.CustomerContactAddApi.as_view(), name="customers-api-contacts"),
    path("customers/<int:pk>/timeline/", views.CustomerTimelineApi.as_view(), name="customers-api-timeline"),
    path("customers/<int:pk>/merge/", views.CustomerMergeApi.as_view(), name="customers-api-merge"),
    path("customers/<int:pk>/export/", views.CustomerExportApi.as_view(), name="customers-api-export"),
    path("customers/<int:pk>/erase/", views.CustomerEraseApi.as_view(), name="customers-api-erase"),
    path("customers/<int:pk>/consents/", views.CustomerConsentApi.as_view(), name="customers-api-consents"),
    path("customers/<int:pk>/points/", views.CustomerPointsApi.as_view(), name="customers-api-points"),
]
