"""What a patient types into the booking page's details form."""

PATIENT = {
    "patient_name": "Mary Jones",
    "patient_email": "mary@example.com",
    "patient_phone": "+44 20 7946 0000",
    "reason_for_visit": "Knee pain",
}
