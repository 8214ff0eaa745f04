"""The staff API's contract for rooms and equipment: the list, making one inactive, giving one time off,
and the bookings such a change hits (scheduling/resource_changes.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from scheduling.api.fields import StrictCharField
from scheduling.models import Resource, ResourceTimeOff

REASSIGN_HELP = (
    "Move each booking still to come that the change hits to another free active unit of the same pool. If "
    "one cannot move, nothing changes and the answer (409 `resource_in_use`) lists those that cannot."
)


class ResourceRecord(serializers.ModelSerializer):
    pools = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Slugs of the pools the unit belongs to."
    )
    is_active = serializers.BooleanField(help_text="Inactive units are never assigned.")
    reassign = serializers.BooleanField(required=False, default=False, write_only=True, help_text=REASSIGN_HELP)

    class Meta:
        model = Resource
        fields = ["slug", "name", "kind", "is_active", "turnover_minutes", "pools", "reassign"]
        read_only_fields = ["slug", "name", "kind", "turnover_minutes"]


class ResourceTimeOffRecord(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    resource = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the unit.")
    reason = StrictCharField(required=False, allow_blank=True, max_length=200, help_text="For staff only.")
    reassign = serializers.BooleanField(required=False, default=False, write_only=True, help_text=REASSIGN_HELP)

    class Meta:
        model = ResourceTimeOff
        fields = ["id", "resource", "starts_at", "ends_at", "reason", "reassign"]

    def validate(self, attrs):
        try:
            ResourceTimeOff(starts_at=attrs["starts_at"], ends_at=attrs["ends_at"]).clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class HitBooking(serializers.Serializer):
    """A booking a change hits, as staff decide about it: no patient details."""

    booking_id = serializers.CharField(help_text="The booking's reference.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    practitioner = serializers.CharField(help_text="Slug of the booking's practitioner.")
    appointment_type = serializers.CharField(help_text="Slug of the booking's type.")
    pool = serializers.CharField(help_text="Slug of the pool the unit fills for it.")
    can_move = serializers.BooleanField(
        help_text="Whether another free unit of the pool could take it (false only when a reassign was refused)."
    )


class ResourceInUseResponse(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="`resource_in_use`, or `resource_taken` (a booking took a unit meanwhile).")
    affected_bookings = HitBooking(many=True, help_text="Every booking still to come the change hits.")


def hit_json(claims, stuck) -> list[dict]:
    unmovable = {claim.pk for claim in stuck}
    return [
        {
            "booking_id": claim.booking.reference,
            "starts_at": claim.booking.starts_at,
            "ends_at": claim.booking.ends_at,
            "practitioner": claim.booking.practitioner.slug,
            "appointment_type": claim.booking.appointment_type.slug,
            "pool": claim.pool.slug,
            "can_move": claim.pk not in unmovable,
        }
        for claim in claims
    ]
