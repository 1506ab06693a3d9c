"""URL configuration."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from crosswalk.api.docs import OfflineRedocView
from crosswalk.views import bad_request, healthz, not_found, server_error

handler400 = bad_request
handler404 = not_found
handler500 = server_error

# The documentation pages answer GET and HEAD only (DRF's OPTIONS would render its metadata with
# their HTML template and fail). Swagger UI's set-up script is served by the same view as a file
# (?script), so that the Content-Security-Policy needs no inline script.
DOCS_METHODS = ["get", "head"]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crosswalk.api.urls")),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", http_method_names=DOCS_METHODS),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        OfflineRedocView.as_view(url_name="schema", http_method_names=DOCS_METHODS),
        name="redoc",
    ),
]
