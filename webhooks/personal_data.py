"""What in the webhooks' tables looks personal but is not, for the core's registry
(scheduling/privacy/registry.py): deliveries carry no patient details by design (webhooks/receivers.py)."""

from __future__ import annotations

from scheduling.privacy.registry import not_personal
from webhooks.models import Attempt, Delivery, Endpoint


def register_personal_data() -> None:
    not_personal(
        Delivery,
        ["body"],
        "a thin payload: the booking's reference, status, times and slugs, never the patient "
        "(webhooks/receivers.py); a cancellation an erasure makes is still delivered, without a name",
    )
    not_personal(Delivery, ["last_error"], "what the integrator's endpoint answered")
    not_personal(Delivery, ["message_id"], "the webhook-id header: random")
    not_personal(Attempt, ["error"], "what the integrator's endpoint answered")
    not_personal(Endpoint, ["description", "disabled_reason"], "the integrator's endpoint, as staff describe it")
