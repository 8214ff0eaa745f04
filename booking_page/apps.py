from django.apps import AppConfig


class BookingPageConfig(AppConfig):
    """The patients' booking and manage pages: server-rendered, enhanced by htmx, embeddable."""

    name = "booking_page"
    verbose_name = "Booking page"
