"""A patient who was read a code on the phone (tokens.manage_code) types it here and reaches the same page
as the manage link. The code is as good as the link, so it arrives in a POST body only (no log keeps it),
each try spends the client's `manage_code` allowance, and a wrong, revoked or expired code says nothing
about any booking."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking_page.forms import ManageCodeForm
from booking_page.headers import page, wait_seconds
from booking_page.passes import Pass
from booking_page.views.common import show, too_many
from scheduling.models import Booking

NOT_FOUND = 404


@page
@require_http_methods(["GET", "POST"])
def enter_code(request):
    form = ManageCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = wait_seconds(request, "manage_code")
        if wait:
            return too_many(request, wait, "manage_code")
        if form.is_valid():
            booking = Booking.objects.opened_by_code(form.cleaned_data["code"])
            if booking is not None:
                manage = Pass.to("manage-booking", booking.reference)
                return manage.see(request, reverse("manage-booking", args=[booking.reference]), booking.manage_token)
            form.add_error("code", _("No booking has this code. Check it with the clinic, or call them."))
            status = NOT_FOUND
    return show(request, "manage_code.html", {"form": form, "action": reverse("manage-code")}, status=status)
