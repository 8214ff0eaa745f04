"""The README's and docs/api.md's example requests, run against the API: each answers as documented (the
status, the fields of the JSON shown after it, and the shape of their values: paths, ids, dates), so the
examples cannot drift from the API again (the manage_url once named /api/calendly/bookings/ for /manage/).

An example is a `curl` line in a ```sh block; the ```json block right after it, if any, is its answer.
`$D`, `$ID`, `$TOKEN` and `$STAFF_TOKEN` are filled in as a reader would: a bookable day, a booking just made
and its token, a staff key. Examples naming anything else (a course, a patient) are listed in SKIPPED."""

from __future__ import annotations

import json
import re
import shlex
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "api.md"]
KNOWN = {"D", "ID", "TOKEN", "STAFF_TOKEN"}
SITE = "http://127.0.0.1:8000"
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"

BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass
class Example:
    document: str
    line: int
    command: str
    answer: object = None  # the documented JSON, if a ```json block follows
    status: int = 200  # as the bullet after it says ("- `201`; ..."), or 200
    variables: set[str] = field(default_factory=set)

    def __str__(self):
        return f"{self.document}:{self.line}"


def examples() -> list[Example]:
    found = []
    for path in DOCUMENTS:
        text = path.read_text()
        blocks = list(BLOCK.finditer(text))
        for i, block in enumerate(blocks):
            if block.group(1) != "sh":
                continue
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            answered = (
                following and following.group(1) == "json" and text[block.end() : following.start()].strip() == ""
            )
            commands = [c for c in block.group(2).replace("\\\n", " ").splitlines() if c.startswith("curl ")]
            line = text[: block.start()].count("\n") + 2
            status = documented_status(text, (following if answered else block).end())
            for command in commands:
                variables = set(re.findall(r"\$(\w+)", command))
                example = Example(path.name, line, command, status=status, variables=variables)
                if answered and len(commands) == 1:
                    example.answer = documented_json(following.group(2))
                found.append(example)
    return found


def documented_status(text: str, after: int) -> int:
    """The success status the prose right after an example names in its first bullet, else 200."""
    prose = text[after:].split("```", 1)[0]
    said = re.search(r"^- `(2\d\d)`", prose, re.MULTILINE)
    return int(said.group(1)) if said else 200


def documented_json(text: str):
    """The answer as the docs write it: JSON with `, ...` (or `, …`, `[…]`) for more of the same."""
    more = rf"(\.\.\.|{ELLIPSIS})"
    text = re.sub(rf",\s*{more}\s*([\]}}])", r"\2", text)
    return json.loads(re.sub(rf"\[\s*{more}\s*\]", "[]", text))


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: str | None


def parse(command: str, values: dict[str, str]) -> Request:
    command = command.replace("$(uuidgen)", str(uuid.uuid4()))
    for name, value in sorted(values.items(), key=lambda item: -len(item[0])):
        command = command.replace(f"${name}", value)
    words = shlex.split(command)[1:]
    method, headers, body, url = "GET", {}, None, None
    while words:
        word = words.pop(0)
        if word == "-X":
            method = words.pop(0)
        elif word == "-H":
            name, _, value = words.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = words.pop(0)
        else:
            url = word
    assert url.startswith(SITE), url
    return Request(method, url.removeprefix(SITE), headers, body)


def shape(documented: str) -> re.Pattern:
    """A documented string as a pattern: "…" (with the example letters before it) stands for anything, the
    example host for any host, and an example date or time for any."""
    pattern = ""
    for part in re.split(rf"([A-Za-z0-9]*{ELLIPSIS})", documented):
        if part.endswith(ELLIPSIS):
            pattern += ".+"
        else:
            pattern += re.escape(part)
    pattern = pattern.replace(re.escape(SITE), r"https?://[^/]+")
    return re.compile(pattern)


DATE_OR_TIME = re.compile(r"\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d)?)?|\d\d:\d\d")


def check(documented, answered, where: str) -> None:
    """Every documented field is in the answer, with a value of the documented kind and shape."""
    if isinstance(documented, dict):
        assert isinstance(answered, dict), f"{where}: documented an object, got {answered!r}"
        for key, value in documented.items():
            assert key in answered, f"{where}: documented field {key!r} is not in the answer {sorted(answered)}"
            check(value, answered[key], f"{where}.{key}")
    elif isinstance(documented, list):
        assert isinstance(answered, list), f"{where}: documented a list, got {answered!r}"
        if documented:
            assert answered, f"{where}: documented items, got none"
            check(documented[0], answered[0], f"{where}[0]")
    elif isinstance(documented, str) and DATE_OR_TIME.fullmatch(documented):
        kind = "date" if "T" not in documented and "-" in documented else "time" if ":" in documented[:3] else "both"
        assert isinstance(answered, str), f"{where}: documented a {kind}, got {answered!r}"
        if kind == "both":
            datetime.fromisoformat(answered)
        else:
            assert DATE_OR_TIME.fullmatch(answered), f"{where}: documented {documented!r}, got {answered!r}"
    elif isinstance(documented, str):
        assert isinstance(answered, str) and shape(documented).fullmatch(answered), (
            f"{where}: documented {documented!r}, got {answered!r}"
        )
    else:
        assert type(answered) is type(documented), f"{where}: documented {documented!r}, got {answered!r}"


# Examples that need more than the prototype's clinic, one booking to come and a staff key, and why; each is
# run by its own feature's tests.
NEEDS_MORE = {
    "/series": "a course of the demo clinic's physiotherapy",
    "/check-in": "a visit on its day",
    "/complete": "a visit in progress",
    "/no-show": "a visit whose start has passed",
    "dr-rao": "a practitioner of the reader's own clinic",
}


def runnable(example: Example) -> bool:
    """A patient's record (`$PT`) or a course (`$SERIES`) is not made here either."""
    return example.variables <= KNOWN and not any(needs in example.command for needs in NEEDS_MORE)


EXAMPLES = examples()
RUNNABLE = [e for e in EXAMPLES if runnable(e)]


def test_the_documents_have_examples_and_the_readmes_all_run():
    assert len(RUNNABLE) >= 10
    assert all(e.variables <= KNOWN for e in EXAMPLES if e.document == "README.md")
    assert any(e.answer for e in RUNNABLE if e.document == "README.md")


@pytest.fixture
def values(book, tomorrow, staff_key) -> dict[str, str]:
    """What a reader fills in: a day the clinic takes bookings, a booking of theirs on it, a staff key."""
    day = tomorrow + timedelta(days=1)
    booked = book(day, "11:00", patient_name="Ada Lovelace", patient_email="ada@example.com").json()
    return {
        "STAFF_TOKEN": staff_key(User.objects.create_superuser("desk")),
        "ID": booked["booking_id"],
        "TOKEN": booked["manage_token"],
        "D": day.isoformat(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("example", RUNNABLE, ids=str)
def test_an_example_answers_as_documented(api, example, values):
    request = parse(example.command, values)
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items() if k != "Content-Type"}
    response = api.generic(
        request.method,
        request.path,
        request.body or "",
        content_type=request.headers.get("Content-Type", "application/octet-stream"),
        **headers,
    )
    assert response.status_code == example.status, (
        f"{example}: {example.command}\n{response.status_code} {response.content[:300]}"
    )
    if example.answer is not None:
        check(example.answer, response.json(), str(example))
