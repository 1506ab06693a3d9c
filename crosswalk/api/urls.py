"""API v1 routes, schema and documentation (served from the app, no CDN)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from crosswalk.api import exports, topics, views
from crosswalk.views import not_found

router = DefaultRouter()
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("instruments", views.InstrumentViewSet, basename="instrument")
router.register("provisions", views.ProvisionViewSet, basename="provision")
router.register("mappings", views.MappingViewSet, basename="mapping")
router.register("topics", topics.TopicViewSet, basename="topic")

urlpatterns = [
    path("crosswalk/", views.CrosswalkView.as_view(), name="crosswalk"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("compare/", topics.CompareView.as_view(), name="compare"),
    # Before the router: "matrix" would otherwise read as a topic slug.
    path("topics/matrix/", topics.TopicMatrixView.as_view(), name="topic-matrix"),
    path("topics/matrix.csv", topics.TopicMatrixCsvView.as_view(), name="topic-matrix-csv"),
    path("exports/provisions.csv", exports.ProvisionExportView.as_view(), name="export-provisions"),
    path("exports/mappings.csv", exports.MappingExportView.as_view(), name="export-mappings"),
    path("exports/mappings.oscal.json", exports.OscalExportView.as_view(), name="export-oscal"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    *router.urls,
    # Anything else under /api/v1/ is a 404 in the API's error shape, whatever DEBUG says.
    re_path(r"^", not_found),
]
