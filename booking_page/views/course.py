"""Courses of treatment on the booking page: book a course of weekly visits, and the patient's own course."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking_page.headers import page
from booking_page.views.common import not_found


@page
@require_http_methods(["GET", "POST"])
def manage_course(request, reference):
    # Filled in by the course pages (issue 24); until then a course link finds nothing.
    return not_found(request, _("No course matches this link. Check that you used the whole link."))
