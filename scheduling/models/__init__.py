"""The core's tables: the clinic, what staff configure, bookings with their history, who read them,
idempotency keys.

Every name is re-exported here, so `from scheduling.models import Booking` (and the migrations' references
such as `scheduling.models.new_reference`) keep working whichever module a model lives in.
"""

from scheduling.models.access import PatientDataRead
from scheduling.models.bookings import Booking, BookingEvent, BookingQuerySet, BookingStatus, new_reference
from scheduling.models.catalogue import (
    MAX_REMINDERS,
    MINUTES_IN_A_DAY,
    REMINDER_MINUTES_LIMIT,
    AppointmentType,
    ClinicClosure,
    OpeningHours,
    Practitioner,
    TimeOff,
    Weekday,
    default_reminders,
    overlapping_hours,
    validate_reminders,
)
from scheduling.models.clinic import (
    AA_CONTRAST,
    LOGO_MAX_BYTES,
    LOGO_TYPES,
    ORIGIN,
    Clinic,
    contrast_with_white,
    logo_content_type,
    phone_number,
    validate_accent_colour,
    validate_embed_origins,
    web_origins,
)
from scheduling.models.idempotency import IdempotencyRecord
from scheduling.models.patients import MatchCandidate, Patient, PatientMerge, new_patient_reference
from scheduling.models.privacy import ErasurePermit, PatientErasure
from scheduling.models.privacy_requests import PrivacyRequest
from scheduling.models.resources import (
    MAX_QUANTITY,
    GroupSession,
    Resource,
    ResourceClaim,
    ResourceHours,
    ResourceKind,
    ResourcePool,
    ResourceRequirement,
    ResourceTimeOff,
    larger_than_pool,
)
from scheduling.models.series import (
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_WEEKDAYS,
    MIN_COUNT,
    BookingSeries,
    OnConflict,
    SeriesStatus,
    new_series_reference,
)
from scheduling.tokens import accepts_derived_token, manage_token, token_digest

__all__ = [
    "AA_CONTRAST",
    "LOGO_MAX_BYTES",
    "LOGO_TYPES",
    "MAX_COUNT",
    "MAX_INTERVAL",
    "MAX_QUANTITY",
    "MAX_REMINDERS",
    "MAX_WEEKDAYS",
    "MINUTES_IN_A_DAY",
    "MIN_COUNT",
    "ORIGIN",
    "REMINDER_MINUTES_LIMIT",
    "AppointmentType",
    "Booking",
    "BookingEvent",
    "BookingQuerySet",
    "BookingSeries",
    "BookingStatus",
    "Clinic",
    "ClinicClosure",
    "ErasurePermit",
    "GroupSession",
    "IdempotencyRecord",
    "MatchCandidate",
    "OnConflict",
    "OpeningHours",
    "Patient",
    "PatientDataRead",
    "PatientErasure",
    "PatientMerge",
    "Practitioner",
    "PrivacyRequest",
    "Resource",
    "ResourceClaim",
    "ResourceHours",
    "ResourceKind",
    "ResourcePool",
    "ResourceRequirement",
    "ResourceTimeOff",
    "SeriesStatus",
    "TimeOff",
    "Weekday",
    "accepts_derived_token",
    "contrast_with_white",
    "default_reminders",
    "larger_than_pool",
    "logo_content_type",
    "manage_token",
    "new_patient_reference",
    "new_reference",
    "new_series_reference",
    "overlapping_hours",
    "phone_number",
    "token_digest",
    "validate_accent_colour",
    "validate_embed_origins",
    "validate_reminders",
    "web_origins",
]
