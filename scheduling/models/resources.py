"""Rooms and machines a booking needs besides its practitioner, and group sessions whose seats patients book.

A `Resource` is one physical unit (treatment room 2, the ultrasound machine). Types name what they need by
pool (`ResourceRequirement`: one of the treatment rooms), and each booking of such a type claims distinct
units of each pool, one `ResourceClaim` row per unit, in the booking's own transaction. The database refuses
two overlapping claims of one unit (scheduling/guards.py, `resource_no_overlap`), and keeps each claim's
status equal to its booking's (`resource_claims_follow_booking`).

A type with `capacity` above one is a group session: each patient's booking is a seat of a `GroupSession`.
The seats of one session share the practitioner's and the rooms' time (the guards let bookings of one
session overlap one another, never anything else), and the database refuses a seat beyond the session's
capacity (`session_seats`).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from scheduling import clinic_time
from scheduling.models.catalogue import AppointmentType, Away, HasFeed, Practitioner, WeeklyInterval

MAX_QUANTITY = 10
MAX_TURNOVER_MINUTES = 240


class ResourceKind(models.TextChoices):
    ROOM = "room", "Room"
    EQUIPMENT = "equipment", "Equipment"


class Resource(HasFeed):
    """One physical unit a booking can claim: a room, a machine. Two claims of one unit never overlap."""

    Kind = ResourceKind

    slug = models.SlugField(unique=True, help_text="Used by the API, for example 'room-2'.")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=ResourceKind.choices, default=ResourceKind.ROOM)
    is_active = models.BooleanField(default=True, help_text="Inactive units are never assigned.")
    turnover_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_TURNOVER_MINUTES)],
        help_text="Time kept free after each booking to clean or reset it.",
    )

    class Meta:
        ordering = ["kind", "name", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ResourceKind.values), name="resource_kind_valid"),
            models.CheckConstraint(
                condition=Q(turnover_minutes__lte=MAX_TURNOVER_MINUTES), name="resource_turnover_bounded"
            ),
        ]

    def __str__(self):
        return self.name


class ResourcePool(models.Model):
    """Interchangeable units a type may need any of: "a treatment room", "an ultrasound machine"."""

    slug = models.SlugField(unique=True, help_text="Used by the API, for example 'treatment-rooms'.")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Resource, related_name="pools", blank=True, verbose_name="units")

    class Meta:
        ordering = ["name", "slug"]

    def __str__(self):
        return self.name


class ResourceRequirement(models.Model):
    """That every booking of a type needs `quantity` distinct units of a pool."""

    appointment_type = models.ForeignKey(AppointmentType, models.CASCADE, related_name="requirements")
    pool = models.ForeignKey(ResourcePool, models.PROTECT, related_name="requirements")
    quantity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )

    class Meta:
        ordering = ["appointment_type", "pool"]
        constraints = [
            models.UniqueConstraint(fields=["appointment_type", "pool"], name="requirement_one_per_pool"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY), name="requirement_quantity_valid"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} of {self.pool}"

    def clean(self):
        problem = larger_than_pool(self.pool if self.pool_id else None, self.quantity)
        if problem:
            raise ValidationError({"quantity": problem})


def larger_than_pool(pool: ResourcePool | None, quantity: int | None) -> str | None:
    """Why a requirement of `quantity` units of `pool` can never be met (more than its active members), or
    None. The admin's type form and any API writing types ask this one question."""
    if pool is None or not quantity:
        return None
    members = pool.members.filter(is_active=True).count() if pool.pk else 0
    if quantity <= members:
        return None
    return (
        f"{pool.name}: {quantity} unit{'s' if quantity != 1 else ''} needed, but the pool has only {members} "
        "active; add units to the pool or ask for fewer."
    )


class ResourceHours(WeeklyInterval):
    """One interval of a unit's weekly hours. A unit with none is available whenever the clinic is open."""

    resource = models.ForeignKey(Resource, models.CASCADE, related_name="hours")

    class Meta:
        ordering = ["resource", "weekday", "opens_at"]
        verbose_name = "weekly hours"
        verbose_name_plural = "weekly hours"
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="resource_hours_close_after_open"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="resource_hours_weekday_valid"),
        ]


class ResourceTimeOff(Away):
    """A span when one unit takes no bookings: maintenance, a repair. Clinic closures apply to every unit."""

    resource = models.ForeignKey(Resource, models.CASCADE, related_name="time_off")

    class Meta:
        ordering = ["starts_at"]
        verbose_name = "time off"
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="resource_time_off_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.resource}: {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"


class GroupSession(models.Model):
    """One sitting of a group type (a class, a vaccination slot) with one practitioner: its bookings are
    its seats, never more than `capacity` of them blocking (the database counts them: `session_seats`)."""

    appointment_type = models.ForeignKey(AppointmentType, models.PROTECT, related_name="sessions")
    practitioner = models.ForeignKey(Practitioner, models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "appointment_type", "starts_at"], name="session_one_per_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.appointment_type.name} {clinic_time.local(self.starts_at):%Y-%m-%d %H:%M}"


class ResourceClaim(models.Model):
    """One unit's time taken by one booking: the booking's blocked time, and the unit's turnover after it.

    Its status is always its booking's (a trigger copies it), so only claims of blocking bookings block.
    Seats of one group session share their units: `session` (the booking's) is the guard's key for that.
    """

    booking = models.ForeignKey("scheduling.Booking", models.CASCADE, related_name="resource_claims")
    resource = models.ForeignKey(Resource, models.PROTECT, related_name="claims")
    # Which requirement of the booking's type this unit fills.
    pool = models.ForeignKey(ResourcePool, models.PROTECT, related_name="claims")
    session = models.ForeignKey(GroupSession, models.PROTECT, null=True, blank=True, related_name="claims")
    blocked_from = models.DateTimeField()
    blocked_until = models.DateTimeField()
    status = models.CharField(max_length=10)

    class Meta:
        ordering = ["booking", "pool", "resource"]
        indexes = [
            # The guard and availability read one unit's claims starting in a bounded range before a slot.
            models.Index(fields=["resource", "status", "blocked_from"], name="claim_resource_from_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["booking", "resource"], name="claim_one_per_unit"),
            models.CheckConstraint(condition=Q(blocked_until__gt=F("blocked_from")), name="claim_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.resource} for {self.booking_id}"
