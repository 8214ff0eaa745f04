"""How dates and times read wherever Django formats them (the admin's lists and read-only fields, `date`
and `time` without a format): the same as scheduling.clinic_time.for_staff, 24-hour, never "a.m."/"p.m.".
Django shows them on the clinic's clock (TIME_ZONE is CLINIC_TIME_ZONE)."""

DATE_FORMAT = "D Y-m-d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
# Time fields (opening hours, part-day closures, time off) show HH:MM, as staff type them and the docs write
# them; seconds are still accepted when typed.
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
