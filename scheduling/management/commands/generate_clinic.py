import random
from datetime import time, timedelta

from django.core.management.base import BaseCommand

from scheduling import bookings, clinic_time
from scheduling.models import AppointmentType, Booking, OpeningHours, Practitioner, new_reference

OPENS, CLOSES = time(8), time(18)
# A busy clinic's mix: mostly short follow-ups, some consultations, a little therapy.
MIX = [("follow-up", 0.80), ("consultation", 0.15), ("therapy", 0.05)]
FUTURE_DAYS = 30  # booked ahead; later days stay empty for the benchmark's own bookings


class Command(BaseCommand):
    help = "Create benchmark practitioners and years of realistic, non-overlapping bookings (for bench/)."

    def add_arguments(self, parser):
        parser.add_argument("--practitioners", type=int, default=20)
        parser.add_argument("--years", type=float, default=3, help="history to generate; 0 for none")
        parser.add_argument("--fill", type=float, default=0.95, help="share of 15-minute steps that start a visit")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, practitioners, years, fill, seed, **options):
        rng = random.Random(seed)
        types = {t.slug: t for t in AppointmentType.objects.filter(slug__in=[slug for slug, _ in MIX])}
        practitioners = self.practitioners(practitioners, list(types.values()))
        today = clinic_time.today()
        first_day = today - timedelta(days=int(years * 365)) + timedelta(days=FUTURE_DAYS)
        days = [first_day + timedelta(days=n) for n in range((today + timedelta(days=FUTURE_DAYS) - first_day).days)]
        created = 0
        batch: list[Booking] = []
        for day in days if years else []:
            for practitioner in practitioners:
                batch.extend(self.day_of_bookings(rng, practitioner, types, day, fill))
            if len(batch) >= 20_000:
                created += bookings.import_history(batch)
                batch = []
        created += bookings.import_history(batch)
        self.stdout.write(
            f"{len(practitioners)} practitioners, {created} bookings over {len(days) if years else 0} days"
        )

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

    def day_of_bookings(self, rng, practitioner, types, day, fill):
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
                    patient_name=f"Patient {rng.randrange(10**6):06d}",
                    starts_at=start,
                    ends_at=end,
                    blocked_from=start,
                    blocked_until=end,
                    status=Booking.Status.CANCELLED if cancelled else Booking.Status.CONFIRMED,
                )
                start = end
            else:
                start += timedelta(minutes=15)
