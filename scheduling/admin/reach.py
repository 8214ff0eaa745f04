"""Admin lists and pages of what belongs to a practitioner (bookings, and what other apps hang on them):
staff who do not see every practitioner's see their own practitioner's rows only (scheduling/roles.py).

The admin finds an object for its change, history and delete pages and its actions through `get_queryset`,
so a row out of reach is absent from the list and "does not exist" on its own pages."""

from __future__ import annotations

from scheduling import roles


class PractitionersOwnAdmin:
    """Mixed into a ModelAdmin; `reach_through` names the lookup from a row to its practitioner."""

    reach_through = "practitioner"

    def get_queryset(self, request):
        return roles.reached(request.user, super().get_queryset(request), through=self.reach_through)
