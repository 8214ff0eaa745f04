"""The prototype's clinic: three appointment types and one practitioner, "clinic", open 09:00-17:00 every day.

Staff change all of it in the admin; with this single practitioner both prototype endpoints answer exactly
as the prototype did.
"""

from datetime import time

from django.db import migrations

TYPES = [("consultation", "Consultation", 30), ("follow-up", "Follow-up", 15), ("therapy", "Therapy", 60)]
PRACTITIONER_SLUG = "clinic"


def create_clinic(apps, schema_editor):
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    Practitioner = apps.get_model("scheduling", "Practitioner")
    OpeningHours = apps.get_model("scheduling", "OpeningHours")
    types = [
        AppointmentType.objects.get_or_create(slug=slug, defaults={"name": name, "duration_minutes": minutes})[0]
        for slug, name, minutes in TYPES
    ]
    practitioner, created = Practitioner.objects.get_or_create(slug=PRACTITIONER_SLUG, defaults={"name": "Clinic"})
    if created:
        practitioner.appointment_types.set(types)
        OpeningHours.objects.bulk_create(
            OpeningHours(practitioner=practitioner, weekday=weekday, opens_at=time(9), closes_at=time(17))
            for weekday in range(7)
        )


def remove_clinic(apps, schema_editor):
    Booking = apps.get_model("scheduling", "Booking")
    if Booking.objects.exists():
        return  # bookings refer to the practitioner and types: leave the clinic as it is
    apps.get_model("scheduling", "Practitioner").objects.filter(slug=PRACTITIONER_SLUG).delete()
    apps.get_model("scheduling", "AppointmentType").objects.filter(slug__in=[t[0] for t in TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_overlap_guard")]
    operations = [migrations.RunPython(create_clinic, remove_clinic)]
