"""The log of reads of patient data, for whoever audits access: who saw which booking, when, how and from
where. View-only for everyone, superusers included (the database refuses edits anyway), and behind its own
permission, "Can view read of patient data", which booking permissions do not give.

Reading the log is not itself logged: it shows booking references, never a patient's details.
"""

from __future__ import annotations

from django.contrib import admin

from scheduling import clinic_time
from scheduling.admin.records import RecordAdmin
from scheduling.models import PatientDataRead


@admin.register(PatientDataRead)
class PatientDataReadAdmin(RecordAdmin):
    list_display = ["when", "actor_name", "action", "channel", "booking", "client_address"]
    list_filter = [("actor", admin.RelatedOnlyFieldListFilter), "channel", "action", "at"]
    # A reference or an e-mail address exactly, or the start of a username or feed name.
    search_fields = ["=booking__reference", "=booking__patient_email", "^actor_name"]
    search_help_text = "A booking reference (bk_…), a patient's e-mail address, or a staff username."
    date_hierarchy = "at"
    list_select_related = ["booking"]
    # Counting every row of a long log for "n of N" costs more than the page itself.
    show_full_result_count = False
    fields = ["when", "actor", "actor_name", "action", "channel", "booking", "client_address"]
    readonly_fields = fields

    @admin.display(description="When", ordering="at")
    def when(self, read: PatientDataRead) -> str:
        return clinic_time.for_staff(read.at, seconds=True)
