from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("collect/sources", views.SourceViewSet, basename="collect-source")

urlpatterns = router.urls
