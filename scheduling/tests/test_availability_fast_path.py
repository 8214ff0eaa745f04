"""The hot path for availability answers exactly as the DRF path does.

- `availability_query.parse` accepts exactly the queries `AvailabilityQuery` accepts, with the same values;
- the JSON both paths answer is what the published serializers render from the open slots;
- the headers are the same whichever path answered.
"""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from scheduling import clinic_time
from scheduling.api import availability_query
from scheduling.api.serializers import Availability, AvailabilityQuery, AvailabilityRange, AvailableSlot
from scheduling.models import TimeOff
from scheduling.open_days import open_days

pytestmark = pytest.mark.django_db

FIELDS = ("date", "start_date", "end_date", "appointment_type", "practitioner")
SLUGS = ["consultation", "follow-up", "therapy", "clinic", "dr-lee", "nobody", "Consultation", "", " clinic"]


def day_texts():
    """Dates as a client might write them: near and far, past and future, and not quite dates at all."""
    today = clinic_time.today()
    offsets = st.sampled_from([-400, -1, 0, 1, 2, 6, 30, 31, 32, 59, 60, 61, 89, 90, 91, 400, 3650, 3651, 5000])
    near = offsets.map(lambda n: (today + timedelta(days=n)).isoformat())
    odd = st.sampled_from(
        [
            "",
            "2026-02-30",
            "2026-2-3",
            f"{today.year}-13-01",
            f"{today.isoformat()} ",
            f"{today.isoformat()}\n",
            today.strftime("%Y%m%d"),
            "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0663\u0660",  # Arabic-Indic digits
            "tomorrow",
            "9999-12-31",
            "0000-01-01",
        ]
    )
    return st.one_of(near, near, odd)


@st.composite
def queries(draw) -> str:
    """A query string near the valid ones: a day or a range of a type (perhaps of one practitioner), then
    any field dropped, repeated (the last one counts), blank or replaced by an odd value, plus a stray one."""
    today = clinic_time.today()
    first = today + timedelta(days=draw(st.integers(-2, 40)))
    fields = {"appointment_type": draw(st.sampled_from(SLUGS[:3]))}
    if draw(st.booleans()):
        fields["practitioner"] = draw(st.sampled_from(SLUGS[3:5]))
    if draw(st.booleans()):
        fields["date"] = first.isoformat()
    else:
        fields["start_date"] = first.isoformat()
        fields["end_date"] = (first + timedelta(days=draw(st.integers(-2, 33)))).isoformat()
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=2, unique=True)):
        change = draw(st.sampled_from(["drop", "replace", "repeat"]))
        values = st.sampled_from(SLUGS) if name in ("appointment_type", "practitioner") else day_texts()
        if change == "drop":
            fields.pop(name, None)
        elif change == "replace":
            fields[name] = draw(values)
        else:
            fields[name] = [draw(values), fields.get(name, draw(values))]
    pairs = [
        (name, value) for name, values in fields.items() for value in ([values] if isinstance(values, str) else values)
    ]
    pairs += [("page", "2")] * draw(st.integers(0, 1))
    return urlencode(draw(st.permutations(pairs)))


@pytest.fixture
def second_practitioner(make_practitioner, follow_up):
    return make_practitioner("dr-lee", types=[follow_up])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query_string=queries())
def test_the_parser_accepts_exactly_what_the_serializer_accepts(second_practitioner, query_string):
    params = QueryDict(query_string)
    serializer = AvailabilityQuery(data=params)
    parsed = availability_query.parse(params, clinic_time.now())
    if serializer.is_valid():
        assert parsed == serializer.validated_data
    else:
        assert parsed is None, serializer.errors


def expected_json(appointment_type, practitioner, first_day, last_day, *, one_day: bool) -> bytes:
    """The answer as the serializers render it from the open slots the booking window admits now."""
    found = open_days(appointment_type, first_day, last_day, now=clinic_time.now(), practitioner=practitioner)
    slots = {day: AvailableSlot(found[day], many=True).data for day in found}
    head = {"appointment_type": appointment_type.slug, "duration_minutes": appointment_type.duration_minutes}
    if one_day:
        answer = Availability({"date": first_day, **head, "available_slots": slots[first_day]}).data
    else:
        days = [{"date": day, "available_slots": slots[day]} for day in sorted(slots)]
        answer = AvailabilityRange({"start_date": first_day, "end_date": last_day, **head, "days": days}).data
    return JSONRenderer().render(answer)


# An Accept header with a parameter goes the DRF way (the renderer reads parameters); none goes the fast way.
BY_DRF = {"HTTP_ACCEPT": "application/json; q=1"}


@pytest.mark.parametrize("practitioner_slug", [None, "clinic", "dr-lee"])
@pytest.mark.parametrize("days", [1, 7, 31])
def test_both_paths_answer_the_serializers_json(
    client, book, clinic, second_practitioner, follow_up, today, tomorrow, practitioner_slug, days, monkeypatch
):
    book(tomorrow, "10:00", "follow-up", practitioner="clinic")
    book(tomorrow, "11:00", "therapy", practitioner="clinic")
    start = clinic_time.at(tomorrow + timedelta(days=2), clinic_time.time(13))
    TimeOff.objects.create(practitioner=clinic, starts_at=start, ends_at=start + timedelta(hours=2))
    practitioner = {"clinic": clinic, "dr-lee": second_practitioner}.get(practitioner_slug)
    query = {"appointment_type": "follow-up"}
    if practitioner_slug:
        query["practitioner"] = practitioner_slug
    if days == 1:  # today: the times already past, and within the notice, are cut per request
        query["date"] = today.isoformat()
    else:
        query.update(start_date=today.isoformat(), end_date=(today + timedelta(days=days - 1)).isoformat())
    last_day = today + timedelta(days=days - 1)
    expected = expected_json(follow_up, practitioner, today, last_day, one_day=days == 1)

    by_drf = client.get("/api/calendly/availability", query, **BY_DRF)
    monkeypatch.setattr(AvailabilityQuery, "is_valid", lambda *args, **kwargs: pytest.fail("took the DRF path"))
    fast = client.get("/api/calendly/availability", query)
    assert fast.content == expected
    assert by_drf.content == expected
    for header in ("Content-Type", "Allow", "Vary"):
        assert fast.headers.get(header) == by_drf.headers.get(header), header


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_AUTHORIZATION": "Token not-a-real-token"},  # a wrong credential is still refused
        {"HTTP_ACCEPT": "text/html"},  # nothing here renders HTML
        {"QUERY_STRING": "format=xml"},
    ],
)
def test_what_the_fast_path_cannot_answer_gets_drfs_answer(client, tomorrow, extra):
    query = f"appointment_type=consultation&date={tomorrow}"
    environ = {**extra, "QUERY_STRING": f"{query}&{extra['QUERY_STRING']}" if "QUERY_STRING" in extra else query}
    response = client.generic("GET", "/api/calendly/availability", **environ)
    assert response.status_code in (401, 404, 406)
    assert "application/json" in response.headers["Content-Type"]
