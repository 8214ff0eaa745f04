"""The valid start times the desk booking form lists for the type, practitioner and day chosen so far.

They are the availability the API and the booking page show (`scheduling.open_days`), never re-derived
here: staff pick one instead of guessing a time on the slot grid. An htmx request refreshes the list as the
form changes; without JavaScript the form's "Show times" button sends the form back with it listed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.contrib.admin.widgets import AdminTimeWidget
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_date

from scheduling import clinic_time, roles
from scheduling.models import AppointmentType, Practitioner
from scheduling.open_days import open_days
from scheduling.rules import BookingError


def _chosen_day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value or ""))
    except ValueError:  # well-formed but not on the calendar
        return None


def _chosen(model, value):
    value = getattr(value, "pk", value)
    if not (str(value or "").isascii() and str(value or "").isdigit()):  # "²".isdigit() is true too
        return None
    return model.objects.filter(pk=value).first()


def start_times_for(values: Mapping, user=None) -> list[str] | None:
    """'HH:MM' starts free on the chosen day for the chosen type (and practitioner, if one is chosen); None
    until a type and a day are chosen. `values` is a form's data or initial data."""
    appointment_type = _chosen(AppointmentType, values.get("appointment_type"))
    day = _chosen_day(values.get("date"))
    practitioner = _chosen(Practitioner, values.get("practitioner"))
    if appointment_type is None or day is None:
        return None
    if practitioner is None and user is not None and not roles.sees_every_practitioner(user):
        return []  # "any free practitioner" is for staff who see them all
    try:
        found = open_days(appointment_type, day, day, now=clinic_time.now(), practitioner=practitioner)
    except BookingError:  # a practitioner who does not offer the type
        return []
    return [f"{clinic_time.local(slot.span.start):%H:%M}" for slot in found.get(day, [])]


class StartTimeInput(AdminTimeWidget):
    """The admin's time field, with the valid start times listed beside it (as buttons JavaScript uses to
    fill the field, and as the field's own suggestions) and a "Show times" button for pages without
    JavaScript. Only the add form sets `start_times`; other forms render the plain field."""

    template_name = "admin/scheduling/booking/start_time_widget.html"
    listed = False
    start_times: list[str] | None = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.listed:
            context["listed"] = True
            context["start_times"] = self.start_times
            context["chosen"] = self.start_times is not None
            context["start_times_url"] = reverse("admin:scheduling_booking_start_times")
            context["widget"]["attrs"]["list"] = "valid-start-times"
        return context


def start_times_view(request, model_admin):
    """The htmx partial: the start times for the form's current type, practitioner and day."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    start_times = start_times_for(request.GET, request.user)
    return render(
        request,
        "admin/scheduling/booking/start_times.html",
        {"start_times": start_times, "chosen": start_times is not None},
    )
