"""API v1 routes."""

from rest_framework.routers import DefaultRouter

from crosswalk.api.views import InstrumentViewSet, ProvisionViewSet

router = DefaultRouter()
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("provisions", ProvisionViewSet, basename="provision")

urlpatterns = router.urls
