from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling.api import patients, privacy, reports, resources, schedule, series, views

# No trailing slash: keeps the prototype's paths exact (/api/calendly/availability, /api/calendly/book).
router = SimpleRouter(trailing_slash=False)
router.register("availability", views.AvailabilityViewSet, basename="availability")
router.register("book", views.NewBookingViewSet, basename="book")
router.register("holds", views.HoldViewSet, basename="hold")
router.register("appointment-types", views.AppointmentTypeViewSet, basename="appointment-type")
router.register("practitioners", views.PractitionerViewSet, basename="practitioner")
router.register("bookings", views.BookingViewSet, basename="booking")
router.register("patients", patients.PatientViewSet, basename="patient")
router.register("hours", schedule.OpeningHoursViewSet, basename="opening-hours")
router.register("time-off", schedule.TimeOffViewSet, basename="time-off")
router.register("closures", schedule.ClosureViewSet, basename="closure")
router.register("resources", resources.ResourceViewSet, basename="resource")
router.register("series", series.SeriesViewSet, basename="series")

urlpatterns = [
    # Before the router, whose patients/<reference> would take them.
    path("patients/<str:patient_id>/export", privacy.PatientExportView.as_view(), name="patient-export"),
    path("patients/<str:patient_id>/erase", privacy.PatientErasureView.as_view(), name="patient-erase"),
    path("reports", reports.ReportView.as_view(), name="reports"),
    *router.urls,
    # After the router, so /holds/release is not taken for an id.
    path("holds/<str:hold_id>", views.hold_id_in_path, name="hold-id-in-path"),
]
