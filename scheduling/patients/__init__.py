"""Patients' records: matching each booking to the person it is for (`matching`), and merging records
staff find to be one person (`merging`)."""

from scheduling.patients.matching import patient_for, record_for
from scheduling.patients.merging import dismiss, history_pks, merge, unmerge

__all__ = ["dismiss", "history_pks", "merge", "patient_for", "record_for", "unmerge"]
