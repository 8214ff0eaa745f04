"""The permission to book off the slot grid or outside hours (accounts/migrations/0003 gives it to managers)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0020_schedule_hours_guard"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="booking",
            options={
                "ordering": ["starts_at"],
                "permissions": [
                    ("view_every_practitioner", "Can see every practitioner's bookings and patients"),
                    ("book_off_grid", "Can book off the slot grid or outside hours"),
                ],
            },
        ),
    ]
