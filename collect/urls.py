from django.urls import path, re_path

from . import views
from .api import wire

app_name = "collect"

urlpatterns = [
    re_path(r"^collect/v1/(?P<kind>batch|import|track|page|screen|identify|alias|group)/?$", wire.collect, name="wire"),
    path("c.js", views.snippet, name="snippet"),
    path("f/<slug:slug>/", views.lead_form, name="lead-form"),
    path("collect/sources/", views.source_list, name="sources"),
    path("collect/sources/<int:source_id>/revoke/", views.source_revoke, name="source-revoke"),
]
