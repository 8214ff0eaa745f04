"""Staff API for weekly hours, time off and closures (so an EHR can push a doctor's absence): list, create,
retrieve, change, delete, with the admin's model permissions and the role's reach (a practitioner's account:
only its own hours and time off).

A write that strands bookings answers 409 `unanswered_bookings` listing them until `affected_bookings`
answers each; `dry_run` lists them and saves nothing. The decisions are carried out by
scheduling/schedule_changes.py, with the change, in one transaction.
"""

from __future__ import annotations

from django.db import IntegrityError
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from clinic_project.errors import error_body
from scheduling import bookings, clinic_time, guards, roles, schedule_changes
from scheduling.api.caching import NeverCached
from scheduling.api.permissions import StaffMay
from scheduling.api.schedule_serializers import (
    ClosureRecord,
    DryRunAnswer,
    DryRunQuery,
    OpeningHoursRecord,
    ScheduleListQuery,
    TimeOffRecord,
    UnansweredBookingsResponse,
    stranded_json,
)
from scheduling.api.schema import INVALID, MISSING, STAFF_ONLY
from scheduling.models import BookingEvent, ClinicClosure, OpeningHours, TimeOff
from scheduling.schedule_changes import ScheduleChange, UnansweredBookings

DRY_RUN = OpenApiParameter(
    "dry_run", bool, OpenApiParameter.QUERY, required=False, description="List what the change strands; save nothing."
)
UNANSWERED = OpenApiResponse(
    UnansweredBookingsResponse,
    description="The change strands bookings without an answer in `affected_bookings` (`unanswered_bookings`), or "
    "a move's time is taken (`slot_unavailable`) or a booking changed meanwhile (`booking_changed`); nothing saved.",
)
VERBS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


def _write_schema(verb: str, noun: str, record, created: bool = False, deleting: bool = False):
    saved = {204: OpenApiResponse(description="Deleted.")} if deleting else {(201 if created else 200): record}
    if created or deleting:
        dry_run = {200: OpenApiResponse(DryRunAnswer, description="A dry run: what it strands; nothing saved.")}
    else:  # a change answers 200 either way
        saved = {}
        dry_run = {
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name=f"{record.__name__}OrDryRun",
                    serializers=[record, DryRunAnswer],
                    resource_type_field_name=None,
                ),
                description="Saved, with `outcomes`; or, for a dry run, what it strands (nothing saved).",
            )
        }
    return extend_schema(
        summary=f"{verb} {noun} (staff)",
        parameters=[DRY_RUN],
        request=record,
        responses={
            **saved,
            **dry_run,
            400: INVALID,
            401: STAFF_ONLY,
            403: STAFF_ONLY,
            404: MISSING,
            409: UNANSWERED,
        },
    )


def _schema(noun: str, plural: str, record, *, by_practitioner: bool = True):
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {plural} (staff)",
            parameters=[ScheduleListQuery] if by_practitioner else [],
            responses={200: record(many=True), 400: INVALID, 401: STAFF_ONLY, 403: STAFF_ONLY},
        ),
        retrieve=extend_schema(summary=f"One {noun} (staff)", responses={200: record, 401: STAFF_ONLY, 404: MISSING}),
        create=_write_schema("Add", noun, record, created=True),
        update=_write_schema("Change", noun, record),
        partial_update=_write_schema("Change part of", noun, record),
        destroy=_write_schema("Delete", noun, record, deleting=True),
    )


class ScheduleRowViewSet(NeverCached, viewsets.ModelViewSet):
    """One kind of schedule row; subclasses say how a row, changed or deleted, changes the schedule."""

    model = None
    by_practitioner = True
    lookup_value_regex = "[0-9]+"

    def get_permissions(self):
        verb = VERBS.get(self.action, "view")
        return [StaffMay(f"scheduling.{verb}_{self.model._meta.model_name}")]

    def get_queryset(self):
        rows = self.model.objects.all()
        if not self.by_practitioner:
            return rows
        rows = roles.reached(self.request.user, rows.select_related("practitioner"))
        if self.action == "list":
            query = ScheduleListQuery(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if query.validated_data.get("practitioner"):
                rows = rows.filter(practitioner__slug=query.validated_data["practitioner"])
        return rows

    def change_for(self, row, *, deleting: bool = False) -> ScheduleChange:
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields, control = body.split()
        row = self.model(**fields)
        return self._apply(request, self.change_for(row), row, control, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        row = self.get_object()
        body = self.get_serializer(row, data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        fields, control = body.split()
        for name, value in fields.items():
            setattr(row, name, value)
        return self._apply(request, self.change_for(row), row, control, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        row = self.get_object()
        body = self.get_serializer(row, data=request.data if isinstance(request.data, dict) else {}, partial=True)
        body.is_valid(raise_exception=True)
        _, control = body.split()
        return self._apply(request, self.change_for(row, deleting=True), row, control, status.HTTP_204_NO_CONTENT)

    def _apply(self, request, change: ScheduleChange, row, control: dict, answered: int) -> Response:
        now = clinic_time.now()
        asked = DryRunQuery(data=request.query_params)
        asked.is_valid(raise_exception=True)
        if control.get("dry_run") or asked.validated_data["dry_run"]:
            stranded = schedule_changes.affected(change, now)
            free = schedule_changes.free_times(change, stranded, now)
            return Response({"dry_run": True, "affected_bookings": stranded_json(stranded, free)})
        try:
            applied = schedule_changes.apply(
                change,
                control.get("affected_bookings"),
                by=bookings.Actor.staff(request.user),
                via=BookingEvent.Channel.API,
                reason=control.get("reason_for_patients", ""),
                now=now,
            )
        except UnansweredBookings as refused:
            body = error_body(refused.message, refused.code)
            body["affected_bookings"] = stranded_json(refused.unanswered, {})
            return Response(body, status=status.HTTP_409_CONFLICT)
        except IntegrityError as error:  # a race the serializer's check lost: the database's guard said no
            if guards.is_hours_overlap(error):
                raise ValidationError({"opens_at": ["These hours overlap other hours of that weekday."]}) from None
            raise
        if answered == status.HTTP_204_NO_CONTENT:
            return Response(status=answered)
        row.outcomes = applied.outcomes
        return Response(self.get_serializer(row).data, status=answered)


@_schema("weekly opening hours interval", "weekly opening hours", OpeningHoursRecord)
class OpeningHoursViewSet(ScheduleRowViewSet):
    model = OpeningHours
    lookup_url_kwarg = "hours_id"
    serializer_class = OpeningHoursRecord

    def change_for(self, row, *, deleting=False):
        adding = None if deleting else (row.weekday, row.opens_at, row.closes_at)
        existing = row if row.pk else None
        intervals = schedule_changes.hours_after_change(row.practitioner, replacing=existing, adding=adding)
        save = row.delete if deleting else row.save
        return ScheduleChange.new_hours(row.practitioner, intervals, save=save)


@_schema("time off", "time off", TimeOffRecord)
class TimeOffViewSet(ScheduleRowViewSet):
    model = TimeOff
    lookup_url_kwarg = "time_off_id"
    serializer_class = TimeOffRecord

    def change_for(self, row, *, deleting=False):
        return ScheduleChange.hitting_nothing(row.delete) if deleting else ScheduleChange.time_off(row)


@_schema("clinic closure", "clinic closures", ClosureRecord, by_practitioner=False)
class ClosureViewSet(ScheduleRowViewSet):
    model = ClinicClosure
    lookup_url_kwarg = "closure_id"
    serializer_class = ClosureRecord
    by_practitioner = False

    def change_for(self, row, *, deleting=False):
        return ScheduleChange.hitting_nothing(row.delete) if deleting else ScheduleChange.closure(row)
