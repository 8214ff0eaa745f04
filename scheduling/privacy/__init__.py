"""Privacy requests: the registry of every field holding a patient's personal data, their export, and their
erasure (which keeps the appointment rows for the retention period)."""
