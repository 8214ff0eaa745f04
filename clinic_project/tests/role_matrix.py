"""The role matrix: every admin page and staff API URL, and what each role gets from it for its own
object and for another practitioner's (test_role_matrix.py visits every cell).

A row is one URL pattern (its name, or its route when it has none), what it names (`of`), the method, and
one cell per role in ROLES order. A cell is `answer` for both objects, or `own|other`:

    200:3     the page, and exactly 3 rows written to the log of reads of patient data (none: `200`)
    200:3+    ... and the page names the object (its patient, for a list: the object is in it)
    200:3-    ... and the page does not name it
    302:home  the admin's "does not exist" (or "may not"), back to the admin home
    302:to    any other redirect (the object's change page, after a POST action...)
    403, 404, 405, 409...   that status and no row written

`of` is what the URL's parameters name, own and other: "booking", "entry", "offer", "message", "delivery",
"time off", "practitioner", "read" (a row of the log itself), "patient", "candidate" (a possible duplicate),
"series" (a course of treatment whose one visit is the booking).
A list's + and - are about that object. A row with `of=""` names no practitioner's object and has one cell
per role, the `own` part only. Whatever the cell, an answer that writes no row names no patient at all.

The world the cells describe (test_role_matrix.py `world`): two practitioners, "own" (linked to the
practitioner role's account) and "other" (the prototype's clinic), each with one confirmed booking
tomorrow at 10:00 (its patient e-mailed a confirmation), one course of treatment asked for with them by
that patient (no visits booked), one waitlist entry with an open offer of a held
slot tomorrow at 14:00, one time off, and one possible duplicate (the waiting patient's record and the
booked one's). Lists count rows: the booking admin lists both bookings and both offered holds (4; a
practitioner's own: 2); the staff API lists confirmed bookings and holds (4, 2); patients' records: 4, 2.

Adding an endpoint: add its row here. A URL pattern without a row fails the matrix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

RECEPTIONIST, PRACTITIONER, MANAGER, PRIVACY_OFFICER, NO_ROLE, SUPERUSER = ROLES = (
    "receptionist",
    "practitioner",
    "manager",
    "privacy officer",
    "no role",  # a staff account in no group
    "superuser",
)


@dataclass(frozen=True)
class Row:
    url: str  # the URL pattern's name, or its route when it has none
    cells: tuple[str, ...]  # one per role, in ROLES order
    of: str = ""
    method: str = "get"
    query: str = ""  # added to the URL; {tomorrow} is the world's tomorrow

    def answer(self, role: str, variant: str) -> str:
        cell = self.cells[ROLES.index(role)]
        own, _, other = cell.partition("|")
        return other if variant == "other" and other else own

    @property
    def variants(self) -> tuple[str, ...]:
        return ("own", "other") if self.of else ("any",)


def admin_model(label: str, *, of: str = "", **pages: tuple[str, ...]) -> list[Row]:
    """The six URLs the admin gives a model (`app.model`): changelist, add, history, delete, change and the
    bare object URL (a redirect to its change page). `pages` holds each one's cells."""
    app, model = label.split(".")
    names = {
        "changelist": f"admin:{app}_{model}_changelist",
        "add": f"admin:{app}_{model}_add",
        "history": f"admin:{app}_{model}_history",
        "delete": f"admin:{app}_{model}_delete",
        "change": f"admin:{app}_{model}_change",
        "object": f"admin/{app}/{model}/<path:object_id>/",
    }
    assert set(pages) == set(names), f"{label}: cells for {sorted(set(names) - set(pages))} missing"
    return [Row(names[page], cells, of=of) for page, cells in pages.items()]


# The object URL of every admin model redirects to its change page, whoever asks: the change page decides.
TO_CHANGE = ("302:to",) * 6
# Pages with nothing of any patient on them, by who may open them.
#                receptionist practitioner manager privacy  no role  superuser
ALL_SEE = ("200", "200", "200", "200", "200", "200")
CATALOGUE_VIEW = ("200", "200", "200", "403", "403", "200")  # hours, types, closures: only managers change them
ONLY_MANAGER = ("403", "403", "200", "403", "403", "200")
ONLY_SUPERUSER = ("403", "403", "403", "403", "403", "200")
NO_ONE = ("403",) * 6


def record_admin(label: str, *, superuser_deletes: bool = False) -> list[Row]:
    """A superuser's read-only record (sign-ins, lockouts, jobs): nobody adds or changes one."""
    return admin_model(
        label,
        changelist=ONLY_SUPERUSER,
        add=NO_ONE,
        history=ONLY_SUPERUSER,
        delete=ONLY_SUPERUSER if superuser_deletes else NO_ONE,
        change=ONLY_SUPERUSER,
        object=TO_CHANGE,
    )


def catalogue_admin(label: str, *, of: str = "") -> list[Row]:
    return admin_model(
        label,
        of=of,
        changelist=CATALOGUE_VIEW,
        add=ONLY_MANAGER,
        history=CATALOGUE_VIEW,
        delete=ONLY_MANAGER,
        change=CATALOGUE_VIEW,
        object=TO_CHANGE,
    )


ROWS: list[Row] = [
    # Patients' requests for a copy of their data or its erasure: the privacy officer's and the manager's.
    *admin_model(
        "scheduling.privacyrequest",
        of="privacy request",
        changelist=("403", "403", "200:2+", "200:2+", "403", "200:2+"),
        add=NO_ONE,
        history=("403", "403", "200", "200", "403", "200"),  # its title names the request, not the patient
        delete=NO_ONE,
        change=("403", "403", "200:1+", "200:1+", "403", "200:1+"),
        object=TO_CHANGE,
    ),
    # The admin's own pages.
    Row("admin:index", ALL_SEE),
    Row("admin:password_change", ALL_SEE),
    Row("admin:password_change_done", ALL_SEE),
    Row("admin:jsi18n", ALL_SEE),
    Row("admin:app_list", ("200", "200", "200", "200", "404", "200")),  # /admin/scheduling/
    Row("admin/(?P<url>.*)$", ("404",) * 6),  # no such page
    Row("admin:view_on_site", ("404",) * 6, of="booking"),  # bookings have no page outside the admin
    # The booking form's practitioner choices: a practitioner books into their own calendar only.
    Row(
        "admin:autocomplete",
        ("200+", "200+|200-", "200+", "403", "403", "200+"),
        of="practitioner",
        query="app_label=scheduling&model_name=booking&field_name=practitioner",
    ),
    # The bookings desk: a practitioner's own bookings only; others' "do not exist".
    *admin_model(
        "scheduling.booking",
        of="booking",
        changelist=("200:4+", "200:2+|200:2-", "200:4+", "200:4+", "403", "200:4+"),
        add=("200", "403", "200", "403", "403", "200"),
        history=("200", "200|302:home", "200", "200", "302:home", "200"),
        delete=NO_ONE,  # bookings are cancelled, never deleted
        change=("200:1+", "200:1+|302:home", "200:1+", "200:1+", "403", "200:1+"),
        object=TO_CHANGE,
    ),
    Row(
        "admin:scheduling_booking_day",
        ("200:4+", "200:2+|200:2-", "200:4+", "200:4+", "403", "200:4+"),  # bookings and offered holds
        of="booking",
        query="date={tomorrow}",
    ),
    # The week calendar (scheduling/admin/week_calendar.py): the day schedule's reach, a week at a time.
    Row(
        "admin:scheduling_booking_calendar",
        ("200:4+", "200:2+|200:2-", "200:4+", "200:4+", "403", "200:4+"),  # bookings and offered holds
        of="booking",
        query="date={tomorrow}",
    ),
    Row(
        "admin:scheduling_booking_print_day",
        ("200:2+", "200:1+|200:1-", "200:2+", "200:2+", "403", "200:2+"),  # bookings, not holds
        of="booking",
        query="date={tomorrow}",
    ),
    Row("admin:scheduling_booking_start_times", ("200", "403", "200", "403", "403", "200")),  # who may add
    Row(
        "admin:scheduling_booking_move",
        ("200:1+", "200:1+|404", "200:1+", "403", "403", "200:1+"),  # who may change it
        of="booking",
    ),
    Row(
        "admin:scheduling_booking_move_confirm",
        ("200:1+", "200:1+|404", "200:1+", "403", "403", "200:1+"),
        of="booking",
    ),
    Row(
        "admin:scheduling_booking_revoke_link",
        ("302:to", "302:to|302:home", "302:to", "403", "302:home", "302:to"),
        of="booking",
        method="post",
    ),
    # Courses of treatment (scheduling/admin/courses.py): the bookings' permissions and reach; the add page is
    # the course form, empty until opened from a patient or a booking; nobody edits or deletes a course.
    *admin_model(
        "scheduling.bookingseries",
        of="series",
        changelist=("200:2+", "200:1+|200:1-", "200:2+", "200:2+", "403", "200:2+"),
        add=("200", "403", "200", "403", "403", "200"),
        history=("200", "200|302:home", "200", "200", "302:home", "200"),  # its title names no patient
        delete=NO_ONE,
        change=("200:1+", "200:1+|302:home", "200:1+", "200:1+", "403", "200:1+"),
        object=TO_CHANGE,
    ),
    Row(
        "admin:scheduling_bookingseries_cancel",
        ("200:1+", "200:1+|302:home", "200:1+", "403", "302:home", "200:1+"),  # the confirmation, by who may change
        of="series",
    ),
    # Messages to patients (a confirmation per booking, an offer per held slot): a practitioner's own
    # bookings' only; the list logs each booking it names.
    *admin_model(
        "notifications.message",
        of="message",
        changelist=("200:4+", "200:2+|200:2-", "200:4+", "403", "403", "200:4+"),
        add=NO_ONE,  # messages come from booking changes
        history=("200:1+", "200:1+|302:home", "200:1+", "403", "302:home", "200:1+"),
        delete=NO_ONE,
        change=("200:1+", "200:1+|302:home", "200:1+", "403", "403", "200:1+"),
        object=TO_CHANGE,
    ),
    # The waitlist: a practitioner's own entries; offers are the front desk's and the manager's.
    *admin_model(
        "waitlist.entry",
        of="entry",
        changelist=("200:2+", "200:1+|200:1-", "200:2+", "403", "403", "200:2+"),
        add=("200", "403", "200", "403", "403", "200"),
        history=("200:1+", "200:1+|302:home", "200:1+", "403", "302:home", "200:1+"),
        delete=NO_ONE,  # taken out of line instead
        change=("200:1+", "200:1+|302:home", "200:1+", "403", "403", "200:1+"),
        object=TO_CHANGE,
    ),
    *admin_model(
        "waitlist.offer",
        of="offer",
        changelist=("200:2+", "403", "200:2+", "403", "403", "200:2+"),
        add=NO_ONE,
        history=("200", "403|302:home", "200", "403", "302:home", "200"),
        delete=NO_ONE,
        change=("200:1+", "403", "200:1+", "403", "403", "200:1+"),
        object=TO_CHANGE,
    ),
    # Patients' records: a practitioner's own patients (who booked or wait for them) only. The world's
    # four (two booked, two waiting; the offered holds are the waiting ones') are each a possible duplicate
    # of the booked one of the same practitioner's.
    *admin_model(
        "scheduling.patient",
        of="patient",
        changelist=("200:4+", "200:2+|200:2-", "200:4+", "200:4+", "403", "200:4+"),
        add=NO_ONE,  # records come from bookings
        history=("200:1+", "200:1+|302:home", "200:1+", "200:1+", "302:home", "200:1+"),
        delete=NO_ONE,  # erasure is a privacy request
        change=("200:1+", "200:1+|302:home", "200:1+", "200:1+", "403", "200:1+"),
        object=TO_CHANGE,
    ),
    Row("admin:scheduling_patient_merge", ("200:1+", "403", "200:1+", "403", "403", "200:1+"), of="patient"),
    Row(
        "admin:scheduling_patient_unmerge",
        ("404", "403", "404", "403", "403", "404"),  # no merge named: none to undo
        of="patient",
        method="post",
    ),
    *admin_model(
        "scheduling.matchcandidate",
        of="candidate",
        changelist=("200:4+", "403", "200:4+", "200:4+", "403", "200:4+"),
        add=NO_ONE,
        history=("200", "403|302:home", "200", "200", "302:home", "200"),
        delete=NO_ONE,
        change=("200:2+", "403|302:home", "200:2+", "200:2+", "302:home", "200:2+"),  # the two side by side
        object=TO_CHANGE,
    ),
    Row(
        "admin:scheduling_matchcandidate_decide",
        ("302:to", "403", "302:to", "403", "403", "302:to"),  # not the same person, then back to the list
        of="candidate",
        method="post",
    ),
    # The log of reads: the privacy officer's and the manager's; reading it is not itself logged.
    *admin_model(
        "scheduling.patientdataread",
        of="read",
        changelist=("403", "403", "200+", "200+", "403", "200+"),
        add=NO_ONE,
        history=("403", "403", "200", "200", "403", "200"),
        delete=NO_ONE,
        change=("403", "403", "200+", "200+", "403", "200+"),
        object=TO_CHANGE,
    ),
    # Settings: managers change them, the desk and practitioners read them, the privacy officer has none.
    *admin_model(
        "scheduling.clinic",
        changelist=("302:to", "302:to", "302:to", "403", "403", "302:to"),  # straight to the one record
        add=NO_ONE,
        history=CATALOGUE_VIEW,
        delete=NO_ONE,
        change=CATALOGUE_VIEW,
        object=TO_CHANGE,
    ),
    *catalogue_admin("scheduling.appointmenttype"),
    *catalogue_admin("scheduling.practitioner", of="practitioner"),
    *catalogue_admin("scheduling.timeoff", of="time off"),
    *catalogue_admin("scheduling.clinicclosure"),
    # Rooms, equipment and their pools: the catalogue's rules (scheduling/admin/resources.py).
    *catalogue_admin("scheduling.resource"),
    *catalogue_admin("scheduling.resourcepool"),
    # Group sessions: read by whoever reads the catalogue, edited by nobody (their seats are bookings).
    *admin_model(
        "scheduling.groupsession",
        changelist=CATALOGUE_VIEW,
        add=NO_ONE,
        history=CATALOGUE_VIEW,
        delete=NO_ONE,
        change=CATALOGUE_VIEW,
        object=TO_CHANGE,
    ),
    # Webhooks: the manager's (deliveries carry no patient details).
    *admin_model(
        "webhooks.endpoint",
        changelist=ONLY_MANAGER,
        add=ONLY_MANAGER,
        history=ONLY_MANAGER,
        delete=ONLY_MANAGER,
        change=ONLY_MANAGER,
        object=TO_CHANGE,
    ),
    *admin_model(
        "webhooks.delivery",
        of="delivery",
        changelist=("403", "403", "200+", "403", "403", "200+"),
        add=NO_ONE,
        history=("403", "403|302:home", "200", "403", "302:home", "200"),
        delete=NO_ONE,
        change=("403", "403", "200+", "403", "403", "200+"),
        object=TO_CHANGE,
    ),
    # Staff accounts, groups (the roles), sign-in records and background jobs: the superuser's.
    *admin_model(
        "auth.user",
        changelist=ONLY_SUPERUSER,
        add=ONLY_SUPERUSER,
        history=ONLY_SUPERUSER,
        delete=ONLY_SUPERUSER,
        change=ONLY_SUPERUSER,
        object=TO_CHANGE,
    ),
    Row("admin:auth_user_password_change", ONLY_SUPERUSER),
    *admin_model(
        "auth.group",
        changelist=ONLY_SUPERUSER,
        add=ONLY_SUPERUSER,
        history=ONLY_SUPERUSER,
        delete=ONLY_SUPERUSER,
        change=ONLY_SUPERUSER,
        object=TO_CHANGE,
    ),
    # The reports: aggregates, no patient named; managers see everyone's figures, a practitioner their own.
    Row("admin:scheduling_reports", ("403", "200", "200", "403", "403", "200")),
    *admin_model(
        "accounts.stafftoken",  # the token of another account: only whoever manages every token finds it
        changelist=ONLY_SUPERUSER,
        add=ONLY_SUPERUSER,
        history=("302:home",) * 5 + ("200",),
        delete=ONLY_SUPERUSER,
        change=ONLY_SUPERUSER,
        object=TO_CHANGE,
    ),
    *record_admin("axes.accessfailurelog"),
    *record_admin("axes.accesslog"),
    *record_admin("axes.accessattempt", superuser_deletes=True),  # deleting one lifts a lockout
    *record_admin("django_tasks_database.dbtaskresult"),
    # The staff API: a practitioner's own bookings; another's is not found (without its manage token).
    Row("booking-list", ("200:4+", "200:2+|200:2-", "200:4+", "200:4+", "403", "200:4+"), of="booking"),
    Row("booking-detail", ("200:1+", "200:1+|404", "200:1+", "200:1+", "404", "200:1+"), of="booking"),
    Row("booking-events", ("200:1", "200:1|404", "200:1", "200:1", "403", "200:1"), of="booking"),
    # Tomorrow's booking can be neither checked in, completed nor marked a no-show yet: 400, once reached.
    Row("booking-check-in", ("400", "400|404", "400", "403", "403", "400"), of="booking", method="post"),
    Row("booking-complete", ("400", "400|404", "400", "403", "403", "400"), of="booking", method="post"),
    Row("booking-no-show", ("400", "400|404", "400", "403", "403", "400"), of="booking", method="post"),
    Row("booking-cancel", ("200:1+", "200:1+|404", "200:1+", "404", "404", "200:1+"), of="booking", method="post"),
    Row("booking-reschedule", ("400", "400|404", "400", "404", "404", "400"), of="booking", method="post"),
    # Hours, time off and closures (scheduling/api/schedule.py): the catalogue's permissions, the role's reach.
    Row("opening-hours-list", CATALOGUE_VIEW),
    Row("opening-hours-detail", ("200-", "200-|404", "200-", "403", "403", "200-"), of="practitioner"),
    Row("time-off-list", CATALOGUE_VIEW),
    Row("time-off-detail", ("200-", "200-|404", "200-", "403", "403", "200-"), of="time off"),
    Row("closure-list", CATALOGUE_VIEW),
    Row("closure-detail", CATALOGUE_VIEW),
    # Rooms and equipment (scheduling/api/resources.py): read as the catalogue; time off added by managers
    # (an empty body: 400 naming the fields).
    Row("resource-list", CATALOGUE_VIEW),
    Row("resource-detail", CATALOGUE_VIEW),
    Row("resource-time-off", ("403", "403", "400", "403", "403", "400"), method="post"),
    Row("patient-list", ("200:4+", "200:2+|200:2-", "200:4+", "200:4+", "403", "200:4+"), of="patient"),
    Row("patient-detail", ("200:1+", "200:1+|404", "200:1+", "200:1+", "403", "200:1+"), of="patient"),
    Row("patient-merge", ("400", "403", "400", "403", "403", "400"), of="patient", method="post"),  # no `into`
    Row("patient-unmerge", ("400", "403", "400", "403", "403", "400"), of="patient", method="post"),  # not merged
    # Exports and erasures: the privacy officer's and the manager's. An erasure without a reason is refused.
    Row("patient-export", ("403", "403", "200:1+", "200:1+", "403", "200:1+"), of="patient"),
    Row("patient-erase", ("403", "403", "400", "400", "403", "400"), of="patient", method="post"),
    # Courses of treatment (scheduling/api/series.py): staff whose role reaches the patient, as a booking.
    Row("series-detail", ("200:1+", "200:1+|404", "200:1+", "200:1+", "404", "200:1+"), of="series"),
    Row("series-cancel", ("200:1+", "200:1+|404", "200:1+", "404", "404", "200:1+"), of="series", method="post"),
    # A patient's request from their booking: with the manage token only, which staff do not send here.
    Row("booking-privacy-request", ("404",) * 6, of="booking", method="post"),
    Row("waitlist-detail", ("200:1+", "200:1+|404", "200:1+", "404", "404", "200:1+"), of="entry"),
    Row("waitlist-accept", ("200-", "404", "200-", "404", "404", "200-"), of="entry", method="post"),  # names no one
    Row("waitlist-decline", ("200:1+", "404", "200:1+", "404", "404", "200:1+"), of="entry", method="post"),
    Row("reports", ("403", "200", "200", "403", "403", "200")),
    Row("webhook-list", ONLY_MANAGER),
    Row("webhook-detail", ONLY_MANAGER),
    Row("webhook-rotate", ONLY_MANAGER, method="post"),
    # The calendar feeds open with their token only, whoever is signed in.
    Row("practitioner-feed", ("404",) * 6, of="practitioner"),
    Row("resource-feed", ("404",) * 6),
]


def url_patterns(patterns=None, prefix="", namespace=""):
    """(route, name, callback) of every URL pattern, included ones too, routes joined as Django joins them."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield prefix + str(pattern.pattern), name, pattern.callback


def concrete_url(route: str, samples: dict[str, str]) -> str:
    """The route with each converter (`<path:object_id>`) and named group (`(?P<pk>...)`) filled in."""
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: samples[m[1]], route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: samples[m[1]], url)
    return "/" + url.replace("^", "").replace("$", "")


def matrix_size() -> tuple[int, int]:
    """(rows, cells): the cells are every row's roles times its own and other's object (or its one)."""
    return len(ROWS), sum(len(ROLES) * len(row.variants) for row in ROWS)
