"""OpenAPI additions for the waitlist (a drf-spectacular postprocessing hook, after the core's): links from
a new entry to its own operations, and a joining example that succeeds."""

from __future__ import annotations

from datetime import timedelta

from scheduling import clinic_time
from scheduling.api.openapi import example_body, link, operations_in

AS_ITS_PATIENT = {"waitlist_id": "$response.body#/waitlist_id", "token": "$response.body#/manage_token"}
ENTRY_LINKS = {
    "ViewEntry": ("calendly_waitlist_retrieve", AS_ITS_PATIENT, "See the entry, its place in line and any offer."),
    "AcceptOffer": ("calendly_waitlist_accept_create", AS_ITS_PATIENT, "Book the offered time."),
    "DeclineOffer": ("calendly_waitlist_decline_create", AS_ITS_PATIENT, "Pass the offered time on."),
    "LeaveWaitlist": ("calendly_waitlist_destroy", AS_ITS_PATIENT, "Leave the waitlist."),
}


def link_and_exemplify(result, generator, request, public):
    operations = {operation["operationId"]: operation for operation in operations_in(result)}
    joining = operations["calendly_waitlist_create"]
    link(joining, "201", ENTRY_LINKS)
    tomorrow = clinic_time.today() + timedelta(days=1)
    example_body(
        joining,
        {
            "appointment_type": "consultation",
            "earliest_date": f"{tomorrow}",
            "latest_date": f"{tomorrow + timedelta(days=6)}",
            "earliest_time": "09:00",
            "latest_time": "12:00",
            "patient_name": "Rahul Sharma",
            "patient_email": "rahul@example.com",
        },
    )
    return result
