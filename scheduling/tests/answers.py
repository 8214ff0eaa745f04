"""What tests read out of the API's answers."""

from __future__ import annotations


def starts(response) -> list[str]:
    """The start times an availability answer offers."""
    return [slot["start"] for slot in response.json()["available_slots"]]
