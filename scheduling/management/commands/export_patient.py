import json

from django.core.management.base import BaseCommand, CommandError

from scheduling.models import Patient, PatientDataRead
from scheduling.privacy import export


class Command(BaseCommand):
    help = "Print everything the clinic holds about one patient (JSON, or a FHIR R4 Bundle); the read is logged."

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The patient's reference, pt_...")
        parser.add_argument("--format", choices=["json", "fhir"], default="json")

    def handle(self, *args, reference, format, **options):
        patient = Patient.objects.filter(reference=reference).first()
        if patient is None:
            raise CommandError(f"No patient {reference}.")
        body = export.fhir_bundle(patient) if format == "fhir" else export.patient_export(patient)
        PatientDataRead.objects.create(
            actor_name="manage.py export_patient",
            patient=patient,
            action=PatientDataRead.Action.EXPORTED,
            channel=PatientDataRead.Channel.COMMAND,
        )
        self.stdout.write(json.dumps(body, indent=2, ensure_ascii=False))
