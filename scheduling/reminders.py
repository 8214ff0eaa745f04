"""Reminder offsets as staff write them ('24h, 2h 30m, 2d') and as they are stored (whole minutes)."""

from __future__ import annotations

import re

UNITS = {"d": 24 * 60, "h": 60, "m": 1}
OFFSET = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?$")


def describe(minutes: int) -> str:
    """1440 -> '24h'; 90 -> '1h 30m'; 2880 -> '2d'. Whole days of 24 hours or more read as days."""
    days, rest = divmod(minutes, UNITS["d"]) if minutes % UNITS["d"] == 0 and minutes > UNITS["d"] else (0, minutes)
    hours, mins = divmod(rest, UNITS["h"])
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "m")) if n]
    return " ".join(parts) or "0m"


def parse(text: str) -> list[int]:
    """'24h, 2h 30m' -> [1440, 150]; ValueError naming the part it cannot read."""
    offsets = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        match = OFFSET.match(part)
        if not match or not any(match.groups()):
            raise ValueError(f"'{part}' is not a time before the start such as 24h, 90m, 2d or 1h 30m.")
        offsets.append(sum(int(n or 0) * UNITS[unit] for n, unit in zip(match.groups(), "dhm", strict=True)))
    return offsets
