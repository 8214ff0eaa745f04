from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling.api import views

# No trailing slash: keeps the prototype's paths exact (/api/calendly/availability, /api/calendly/book).
router = SimpleRouter(trailing_slash=False)
router.register("availability", views.AvailabilityViewSet, basename="availability")
router.register("book", views.NewBookingViewSet, basename="book")
router.register("holds", views.HoldViewSet, basename="hold")
router.register("appointment-types", views.AppointmentTypeViewSet, basename="appointment-type")
router.register("practitioners", views.PractitionerViewSet, basename="practitioner")
router.register("bookings", views.BookingViewSet, basename="booking")

urlpatterns = [
    *router.urls,
    # After the router, so /holds/release is not taken for an id.
    path("holds/<str:hold_id>", views.hold_id_in_path, name="hold-id-in-path"),
]
