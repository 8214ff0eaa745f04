"""Offering freed time to the waitlist, and the patient's answer.

Freed time goes to the first entry in order of joining that it fits (type, practitioner, days, times of
day), skipping entries that already have an open offer, that were offered this very time before, or whose
patient already has such an appointment in their window. The offer is a hold (scheduling.bookings.offer)
lasting WAITLIST_OFFER_MINUTES, never past the type's booking notice; the hold's OFFERED event puts the
e-mail in the outbox. Accepting confirms the held booking; declining or lapsing frees the time again, which
passes it to the next entry in line.

Every change locks rows in one order (entry, hold, offer), so answers, expiry and leaving never deadlock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django_tasks import task

from scheduling import bookings, clinic_time
from scheduling.models import Booking, BookingEvent, Practitioner
from scheduling.open_days import BookableTime
from scheduling.reference import reference_data
from scheduling.rules import BookingError, SlotUnavailable
from scheduling.slots import Span
from waitlist import line
from waitlist.models import Entry, FreedTime, Offer, local_days

logger = logging.getLogger(__name__)
Kind = BookingEvent.Kind
# An offer shorter than this could not reasonably be answered: the time is left for anyone to book.
SHORTEST_OFFER = timedelta(minutes=5)


class OfferEnded(SlotUnavailable):
    """The offer was already answered, withdrawn, or lapsed."""

    code = "offer_ended"


def offer_minutes() -> float:
    return settings.WAITLIST_OFFER_MINUTES


def offer_freed_time(freed: FreedTime, now: datetime | None = None) -> list[Offer]:
    """Offer what is free within `freed` to the entries in line it fits, one offer per entry."""
    now = now or clinic_time.now()
    today = clinic_time.local_date(now)
    first_day, last_day = local_days(freed.span)
    first_day = max(first_day, today)
    if last_day < first_day:
        return []
    reference = reference_data()
    practitioners = [p for p in reference.practitioners.values() if freed.practitioner_id in (None, p.pk)]
    in_line = (
        Entry.objects.waiting(today)
        .filter(earliest_date__lte=last_day, latest_date__gte=first_day)
        .exclude(offers__status=Offer.Status.OPEN)
        .select_related("appointment_type", "practitioner")
        .in_line()
    )
    made = []
    for entry in in_line:
        who = [
            p
            for p in practitioners
            if entry.practitioner_id in (None, p.pk) and reference.offers(p, entry.appointment_type)
        ]
        if not who or line.already_booked(entry):
            continue
        offer = _offer_to(entry, freed.span, who, now)
        if offer is not None:
            made.append(offer)
    return made


def _offer_to(entry: Entry, freed: Span, who: list[Practitioner], now: datetime) -> Offer | None:
    """Hold the earliest free slot within `freed` that fits the entry, and offer it."""
    kind = entry.appointment_type
    first_day, last_day = local_days(freed)
    first_day, last_day = max(first_day, entry.earliest_date), min(last_day, entry.latest_date)
    if last_day < first_day:
        return None
    bookable = BookableTime.load(kind, first_day, last_day, now=now, among=who)
    offered_before = set(entry.offers.values_list("hold__practitioner_id", "hold__starts_at"))
    fitting = sorted(
        (slot.start, practitioner.slug, slot, practitioner)
        for practitioner in who
        for slot in bookable.free(practitioner)
        if slot.overlaps(freed) and entry.fits(slot) and (practitioner.pk, slot.start) not in offered_before
    )
    for _, _, slot, practitioner in fitting:
        until = min(now + timedelta(minutes=offer_minutes()), slot.start - timedelta(minutes=kind.min_notice_minutes))
        if until - now < min(SHORTEST_OFFER, timedelta(minutes=offer_minutes())):
            continue
        try:
            return _hold_for(entry, slot, practitioner, until, now)
        except BookingError:  # taken meanwhile: the next fitting slot
            continue
    return None


def _hold_for(entry: Entry, slot: Span, practitioner: Practitioner, until: datetime, now: datetime) -> Offer | None:
    with transaction.atomic():
        locked = Entry.objects.select_for_update().filter(pk=entry.pk, status=Entry.Status.WAITING).first()
        if locked is None or locked.offers.filter(status=Offer.Status.OPEN).exists():
            return None  # left the line, or another worker made it an offer meanwhile
        held = bookings.offer(
            bookings.RequestedSlot.of(entry.appointment_type, slot.start, practitioner),
            patient=entry.patient_details,
            until=until,
            now=now,
        )
        offer = Offer.objects.create(entry=entry, hold=held, offered_at=now, expires_at=until)
        expire_offer.using(run_after=until).enqueue(offer.pk)
    logger.info("Waitlist entry %s offered %s until %s", entry.pk, held.reference, until.isoformat())
    return offer


def _answer(
    offer: Offer, status: str, now: datetime, *, still_open_at: datetime | None = None
) -> tuple[Entry, Booking]:
    """Lock the entry and the hold, then mark the open offer answered; OfferEnded if it is not open.

    Runs inside the caller's transaction."""
    entry = Entry.objects.select_for_update().get(pk=offer.entry_id)
    held = Booking.objects.select_for_update().select_related("appointment_type", "practitioner").get(pk=offer.hold_id)
    still_open = Offer.objects.filter(pk=offer.pk, status=Offer.Status.OPEN)
    if still_open_at is not None:
        still_open = still_open.filter(expires_at__gt=still_open_at)
    if not still_open.update(status=status, answered_at=now):
        offer.refresh_from_db()
        raise OfferEnded(_ended_because(offer))
    offer.status, offer.answered_at = status, now
    return entry, held


def _ended_because(offer: Offer) -> str:
    if offer.status == Offer.Status.ACCEPTED:
        return "This offer was already accepted."
    if offer.status in (Offer.Status.OPEN, Offer.Status.EXPIRED):
        return "This offer has lapsed and the time was offered to the next patient waiting."
    return "This offer is no longer open."


def accept(offer: Offer, *, via: str, now: datetime | None = None) -> tuple[Booking, str]:
    """The patient takes the offered time: the held booking becomes theirs, and their entry is done.
    Returns the booking and its manage token."""
    now = now or clinic_time.now()
    with transaction.atomic():
        entry, held = _answer(offer, Offer.Status.ACCEPTED, now, still_open_at=now)
        booking, token = bookings.confirm_hold(held, patient=entry.patient_details, via=via, now=now)
        Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.BOOKED, booking=booking, ended_at=now)
    return booking, token


def decline(offer: Offer, *, via: str, now: datetime | None = None) -> Offer:
    """The patient does not want this time: it goes to the next in line; they stay in line for others."""
    now = now or clinic_time.now()
    with transaction.atomic():
        _, held = _answer(offer, Offer.Status.DECLINED, now)
        bookings.release_hold(held, via=via, now=now)
    return offer


def end_with_hold(held: Booking, event: BookingEvent) -> None:
    """A hold that ended by some other way (lapsed, swept, let go) ends its open offer too."""
    status = Offer.Status.EXPIRED if event.kind == Kind.HOLD_EXPIRED else Offer.Status.WITHDRAWN
    Offer.objects.filter(hold=held, status=Offer.Status.OPEN).update(status=status, answered_at=event.occurred_at)


def expire(offer_id: int, now: datetime | None = None) -> str:
    """At its deadline, an unanswered offer lapses: its hold expires, which frees the time for the next."""
    now = now or clinic_time.now()
    offer = Offer.objects.select_related("hold").filter(pk=offer_id).first()
    if offer is None or not offer.is_open:
        return "skipped: answered or withdrawn"
    if offer.expires_at > now:
        return "skipped: not yet due"
    return "expired" if bookings.expire_hold(offer.hold, now) else "skipped: the hold changed meanwhile"


@task()
def expire_offer(offer_id: int) -> str:
    return expire(offer_id)
