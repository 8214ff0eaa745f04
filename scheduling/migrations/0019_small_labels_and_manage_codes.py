# Sentence-case labels (no SQL) and the manage code digest: a nullable column and a partial index, so adding
# it to 500k bookings rewrites no row.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0018_privacy_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="manage_code_digest",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="booking",
            name="status",
            field=models.CharField(
                choices=[
                    ("held", "Held"),
                    ("confirmed", "Confirmed"),
                    ("checked_in", "Checked in"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                    ("cancelled", "Cancelled"),
                    ("released", "Hold released"),
                    ("expired", "Hold expired"),
                ],
                default="confirmed",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="bookingevent",
            name="channel",
            field=models.CharField(
                choices=[
                    ("api", "API"),
                    ("admin", "Admin"),
                    ("booking_page", "Booking page"),
                    ("waitlist", "Waitlist"),
                    ("system", "System"),
                ],
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="bookingevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("held", "Held"),
                    ("offered", "Offered"),
                    ("hold_released", "Hold released"),
                    ("hold_expired", "Hold expired"),
                    ("rescheduled", "Rescheduled"),
                    ("cancelled", "Cancelled"),
                    ("checked_in", "Checked in"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                    ("patient_details_changed", "Patient details changed"),
                    ("manage_link_revoked", "Manage link revoked"),
                ],
                max_length=24,
            ),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("manage_code_digest__isnull", False)),
                fields=["manage_code_digest"],
                name="booking_manage_code_idx",
            ),
        ),
    ]
