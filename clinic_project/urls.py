from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from clinic_project.health import healthz
from notifications.feeds import practitioner_feed, resource_feed

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/calendly/", include("scheduling.api.urls")),
    path("api/calendly/", include("webhooks.api")),
    path("api/calendly/", include("waitlist.api")),
    path("calendars/<slug:practitioner>.ics", practitioner_feed, name="practitioner-feed"),
    path("calendars/resources/<slug:resource>.ics", resource_feed, name="resource-feed"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("booking_page.urls")),
]

handler400 = "clinic_project.errors.bad_request"
handler403 = "clinic_project.errors.permission_denied"
handler404 = "clinic_project.errors.page_not_found"
handler500 = "clinic_project.errors.server_error"
