from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import views
from .auth import AuthTokenApi

admin.site.site_header = "O2O back office"
admin.site.site_title = "O2O back office"
admin.site.index_title = "Quản trị"

# Each app's API lives at the root of /api/v1/ (paths like /api/v1/customers/, /api/v1/vouchers/).
api_v1 = [
    path("", include("customers.api.urls")),
    path("", include("channels.api.urls")),
    path("", include("promotions.api.urls")),
    path("", include("collect.api.urls")),
    path("", include("support.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("journeys.api.urls")),
    path("auth/token/", AuthTokenApi.as_view(), name="api-auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says; without this every first visit logs a 404.
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("customers.urls")),
    path("", include("channels.urls")),
    path("", include("promotions.urls")),
    path("", include("collect.urls")),
    path("", include("support.urls")),
    path("", include("reports.urls")),
    path("", include("journeys.urls")),
]

handler400 = "o2o_site.views.handler400"
handler403 = "o2o_site.views.handler403"
handler404 = "o2o_site.views.handler404"
handler500 = "o2o_site.views.handler500"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
