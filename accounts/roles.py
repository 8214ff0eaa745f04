"""The clinic's roles, as Django groups with model permissions: what each may do. Which objects a member
reaches is scheduling/roles.py's (a practitioner's own bookings and patients).

accounts/migrations/0002_roles.py made the groups with these permissions; staff edit them in the admin
afterwards (Authentication and authorization, Groups), and nothing here puts them back.
"""

RECEPTIONIST = "receptionist"
PRACTITIONER = "practitioner"
MANAGER = "manager"
PRIVACY_OFFICER = "privacy officer"

ROLES = (RECEPTIONIST, PRACTITIONER, MANAGER, PRIVACY_OFFICER)
