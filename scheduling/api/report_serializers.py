"""The reports' contract: the query (from, to, practitioner) and the answer, one shape per figure."""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework import serializers

from scheduling import clinic_time
from scheduling.api.fields import IsoDateField, StrictCharField
from scheduling.api.serializers import QueryParameters
from scheduling.reports import reading
from scheduling.reports.figures import in_hours
from scheduling.reports.registry import FIGURES
from scheduling.reports.tables import DEFINITIONS


class ReportQuery(QueryParameters):
    """`from` and `to` are clinic-local days, inclusive; without them the last four weeks."""

    refuses_unknown = True
    vars()["from"] = IsoDateField(required=False, help_text="First day, YYYY-MM-DD. Default: four weeks up to `to`.")
    to = IsoDateField(
        required=False,
        help_text=f"Last day, inclusive (at most {reading.MAX_DAYS} days). Default: today, or four weeks from `from`.",
    )
    practitioner = StrictCharField(
        required=False, help_text="Slug of one practitioner. Default: every practitioner the caller may see."
    )

    def validate(self, attrs):
        try:
            first, last = reading.days_asked(attrs.get("from"), attrs.get("to"), clinic_time.today())
        except reading.RangeRefused as refused:
            raise serializers.ValidationError({refused.field: refused.message}) from None
        slug = attrs.get("practitioner")
        practitioners = reading.practitioners_for(self.context["user"], slug)
        if slug and not practitioners:
            raise serializers.ValidationError({"practitioner": f"Unknown practitioner '{slug}'."})
        return {"first_day": first, "last_day": last, "practitioner": slug, "practitioners": practitioners}


def ratio_shape(name: str, part: str, whole: str, description: str) -> type[serializers.Serializer]:
    """A part of a whole over the range and per day, with the part and whole named for what they count."""

    def counted(name: str, source: str) -> serializers.IntegerField:
        return serializers.IntegerField() if name == source else serializers.IntegerField(source=source)

    ratio = serializers.FloatField(allow_null=True, help_text=f"{part} over {whole}; null when {whole} is 0.")
    day = type(
        f"{name}Day",
        (serializers.Serializer,),
        {
            "date": serializers.DateField(source="day"),
            part: counted(part, "part"),
            whole: counted(whole, "whole"),
            "ratio": ratio,
        },
    )
    return type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": description,
            part: counted(part, "part"),
            whole: counted(whole, "whole"),
            "ratio": ratio,
            "days": day(many=True, help_text="Every day of the range, zeros included."),
        },
    )


Utilisation = ratio_shape("Utilisation", "booked_minutes", "open_minutes", DEFINITIONS["utilisation"])
NoShows = ratio_shape("NoShows", "no_shows", "visits_due", DEFINITIONS["no_shows"])
LateCancellations = ratio_shape("LateCancellations", "late", "cancellations", DEFINITIONS["late_cancellations"])
RegisteredDay = ratio_shape("RegisteredFigureDays", "part", "whole", "")


class CancellationReason(serializers.Serializer):
    reason = serializers.CharField(help_text="As typed, trimmed and in lower case; `no reason given` for none.")
    by_patient = serializers.IntegerField()
    by_staff = serializers.IntegerField()
    not_recorded = serializers.IntegerField(source="by_nobody_recorded", help_text="Imported without who cancelled.")
    total = serializers.IntegerField()


class LeadTimeBucket(serializers.Serializer):
    label = serializers.CharField()
    bookings = serializers.IntegerField()

    def to_representation(self, bucket):
        label, bookings = bucket
        return {"label": label, "bookings": bookings}


class LeadTime(serializers.Serializer):
    __doc__ = DEFINITIONS["lead_time"]
    bookings = serializers.IntegerField()
    median_hours = serializers.SerializerMethodField()
    p90_hours = serializers.SerializerMethodField()
    mean_hours = serializers.SerializerMethodField()
    buckets = LeadTimeBucket(many=True)

    def get_median_hours(self, lead) -> float | None:
        return in_hours(lead.median)

    def get_p90_hours(self, lead) -> float | None:
        return in_hours(lead.p90)

    def get_mean_hours(self, lead) -> float | None:
        return in_hours(lead.mean)


class RegisteredFigure(RegisteredDay):
    """A figure an app built on the core adds (the waitlist's fill rate), with its own title and definition."""

    name = serializers.CharField()
    title = serializers.CharField()
    definition = serializers.CharField()
    part_label = serializers.CharField()
    whole_label = serializers.CharField()

    def to_representation(self, named):
        name, value = named
        figure = FIGURES[name]
        described = {f: getattr(figure, f) for f in ("name", "title", "definition", "part_label", "whole_label")}
        return super().to_representation(
            SimpleNamespace(**described, part=value.part, whole=value.whole, ratio=value.ratio, days=value.days)
        )


class Report(serializers.Serializer):
    """Every figure for the days and the practitioner (or everyone the caller may see). Aggregates only."""

    vars()["from"] = serializers.DateField(source="first_day")
    to = serializers.DateField(source="last_day")
    practitioner = serializers.CharField(allow_null=True, help_text="The slug asked for; null for everyone.")
    made_at = serializers.DateTimeField()
    utilisation = Utilisation()
    no_shows = NoShows()
    late_cancellations = LateCancellations()
    cancellation_reasons = CancellationReason(source="reasons", many=True)
    lead_time = LeadTime()
    more = RegisteredFigure(many=True, help_text="Figures the apps built on the core add: the waitlist's fill rate.")
