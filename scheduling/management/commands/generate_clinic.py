import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction

from scheduling import bookings, clinic_time
from scheduling.models import (
    AppointmentType,
    Booking,
    MatchCandidate,
    OpeningHours,
    Patient,
    Practitioner,
    new_reference,
)
from scheduling.patients import linking

OPENS, CLOSES = time(8), time(18)
# A busy clinic's mix: mostly short follow-ups, some consultations, a little therapy.
MIX = [("follow-up", 0.80), ("consultation", 0.15), ("therapy", 0.05)]
FUTURE_DAYS = 30  # booked ahead; later days stay empty for the benchmark's own bookings

# Who books: about one new person per five bookings, the rest people coming back (the recent ones more often,
# as a course of follow-ups does). Some of the new people join a household already known and share its
# e-mail address or phone, with their own given name; some give no contact at all; some a birth date.
NEW_PERSON = 0.2
HOUSEHOLD = 0.12
NO_CONTACT = 0.05
HAS_EMAIL, HAS_PHONE, HAS_BIRTH_DATE = 0.85, 0.7, 0.6
# A returning patient types their details as people do: the birth date left out, the address in capitals, the
# number in another format. Matching has to see through each.
LEAVES_OUT_BIRTH_DATE, SHOUTS_ADDRESS, REFORMATS_PHONE = 0.3, 0.03, 0.2
GIVEN = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Sophia",
    "Grace",
    "Freya",
    "Aisha",
    "Fatima",
    "Priya",
    "Mei",
    "Zofia",
    "Noah",
    "Oliver",
    "George",
    "Leo",
    "Arthur",
    "Muhammad",
    "Harry",
    "Oscar",
    "Jack",
    "Theo",
    "Arjun",
    "Omar",
    "Kwame",
    "Mateo",
    "Luca",
    "Tomasz",
    "Chen",
    "Hiroshi",
    "Siobhan",
    "Eilidh",
    "Rhys",
]
FAMILY = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Robinson",
    "Walker",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Lewis",
    "Martin",
    "Jackson",
    "Clarke",
    "Clark",
    "Turner",
    "Hill",
    "Scott",
    "Cooper",
    "Morris",
    "Ward",
    "Khan",
    "Ali",
    "Begum",
    "Nowak",
    "Kowalski",
    "Murphy",
    "Kelly",
    "O'Brien",
    "Nguyen",
    "Okafor",
    "Mensah",
    "Rossi",
    "Garcia",
    "Silva",
    "Singh",
    "Kaur",
    "Chowdhury",
]


@dataclass
class Person:
    name: str
    email: str
    phone: str
    birth_date: date | None


class People:
    """The clinic's patients, drawn from one seeded rng: the same seed, the same people booking the same times."""

    def __init__(self, rng: random.Random, today: date):
        self.rng, self.today = rng, today
        self.known: list[Person] = []
        self.serial = 0

    def next_booker(self) -> Person:
        rng = self.rng
        if not self.known or rng.random() < NEW_PERSON:
            person = self._household_member() if self.known and rng.random() < HOUSEHOLD else self._stranger()
            self.known.append(person)
            return person
        # Recent patients come back more often than those of years ago.
        back = min(len(self.known) - 1, int(rng.expovariate(1 / 400)))
        return self.known[len(self.known) - 1 - back]

    def _stranger(self) -> Person:
        rng = self.rng
        self.serial += 1
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        no_contact = rng.random() < NO_CONTACT
        email = "" if no_contact or rng.random() > HAS_EMAIL else self._email(given, family)
        phone = "" if no_contact or rng.random() > HAS_PHONE else self._phone()
        return Person(f"{given} {family}", email, phone, self._birth_date())

    def _household_member(self) -> Person:
        """Someone sharing a known patient's address or phone (a child, a partner), under their family name."""
        rng = self.rng
        other = rng.choice(self.known)
        family = other.name.rsplit(" ", 1)[-1]
        given = rng.choice([g for g in GIVEN if not other.name.startswith(g + " ")])
        shares_email = bool(other.email) and (not other.phone or rng.random() < 0.6)
        return Person(
            f"{given} {family}",
            other.email if shares_email else "",
            other.phone if not shares_email else (other.phone if rng.random() < 0.3 else ""),
            self._birth_date(),
        )

    def _email(self, given: str, family: str) -> str:
        local = f"{given}.{family}".lower().replace("'", "")
        return f"{local}{self.serial}@{self.rng.choice(['example.com', 'example.org', 'example.net'])}"

    def _phone(self) -> str:
        # Ranges phonenumbers takes as real UK numbers (validate_phone): mobiles, London and Manchester lines.
        kind = self.rng.random()
        if kind < 0.7:
            return f"07400 {self.rng.randrange(10**6):06d}"
        if kind < 0.85:
            return f"020 7946 {self.rng.randrange(10**4):04d}"
        return f"0161 496 {self.rng.randrange(10**4):04d}"

    def _birth_date(self) -> date | None:
        if self.rng.random() > HAS_BIRTH_DATE:
            return None
        return self.today - timedelta(days=self.rng.randrange(365, 95 * 365))

    def as_typed(self, person: Person) -> dict:
        """The booking's snapshot: what this person typed this time."""
        rng = self.rng
        email = person.email.upper() if person.email and rng.random() < SHOUTS_ADDRESS else person.email
        phone = person.phone
        if phone and rng.random() < REFORMATS_PHONE:
            phone = "+44 " + phone[1:]
        birth_date = None if rng.random() < LEAVES_OUT_BIRTH_DATE else person.birth_date
        return {
            "patient_name": person.name,
            "patient_email": email,
            "patient_phone": phone,
            "patient_birth_date": birth_date,
        }


class Command(BaseCommand):
    help = "Create benchmark practitioners and years of realistic, non-overlapping bookings (for bench/)."

    def add_arguments(self, parser):
        parser.add_argument("--practitioners", type=int, default=20)
        parser.add_argument("--years", type=float, default=3, help="history to generate; 0 for none")
        parser.add_argument("--fill", type=float, default=0.95, help="share of 15-minute steps that start a visit")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--unlinked",
            action="store_true",
            help="leave the bookings without patients' records, as before records existed (to time the migration)",
        )

    def handle(self, *args, practitioners, years, fill, seed, unlinked, **options):
        rng = random.Random(seed)
        types = {t.slug: t for t in AppointmentType.objects.filter(slug__in=[slug for slug, _ in MIX])}
        practitioners = self.practitioners(practitioners, list(types.values()))
        today = clinic_time.today()
        people = People(rng, today)
        first_day = today - timedelta(days=int(years * 365)) + timedelta(days=FUTURE_DAYS)
        days = [first_day + timedelta(days=n) for n in range((today + timedelta(days=FUTURE_DAYS) - first_day).days)]
        created = 0
        batch: list[Booking] = []
        for day in days if years else []:
            for practitioner in practitioners:
                batch.extend(self.day_of_bookings(rng, people, practitioner, types, day, fill))
            if len(batch) >= 20_000:
                created += bookings.import_history(batch)
                batch = []
        created += bookings.import_history(batch)
        self.stdout.write(
            f"{len(practitioners)} practitioners, {created} bookings over {len(days) if years else 0} days, "
            f"by {len(people.known)} people"
        )
        if not unlinked and created:
            with transaction.atomic():
                linked, made, candidates = linking.link_unlinked(Booking, Patient, MatchCandidate)
            self.stdout.write(f"Linked {linked} bookings to {made} patients; {candidates} possible duplicates open")

    def practitioners(self, count, types):
        practitioners = []
        for n in range(count):
            practitioner, made = Practitioner.objects.get_or_create(
                slug=f"bench-{n:02d}", defaults={"name": f"Dr {n:02d}"}
            )
            if made:
                practitioner.appointment_types.set(types)
                OpeningHours.objects.bulk_create(
                    OpeningHours(practitioner=practitioner, weekday=w, opens_at=OPENS, closes_at=CLOSES)
                    for w in range(7)
                )
            practitioners.append(practitioner)
        return practitioners

    def day_of_bookings(self, rng, people, practitioner, types, day, fill):
        opens, closes = clinic_time.at(day, OPENS), clinic_time.at(day, CLOSES)
        start = opens
        while start < closes:
            slug = rng.choices([s for s, _ in MIX], weights=[w for _, w in MIX])[0]
            minutes = types[slug].duration_minutes
            on_grid = (start - opens) % timedelta(minutes=minutes) == timedelta(0)
            end = start + timedelta(minutes=minutes)
            if on_grid and end <= closes and rng.random() < fill:
                cancelled = rng.random() < 0.05
                yield Booking(
                    reference=new_reference(),
                    practitioner=practitioner,
                    appointment_type=types[slug],
                    **people.as_typed(people.next_booker()),
                    starts_at=start,
                    ends_at=end,
                    blocked_from=start,
                    blocked_until=end,
                    status=Booking.Status.CANCELLED if cancelled else Booking.Status.CONFIRMED,
                )
                start = end
            else:
                start += timedelta(minutes=15)
