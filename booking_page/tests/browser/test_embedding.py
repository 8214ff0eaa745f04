"""embed.js on a clinic's own site: the page inline and in a dialog, its height and events posted to that
site's origin only, with no patient data; a site not on the allow-list cannot frame the page at all."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from scheduling.models import Booking, Clinic

CLINIC_SITE = "http://127.0.0.1:9"
OTHER_SITE = "http://127.0.0.1:7"

HOST_PAGE = """<!doctype html><html lang="en"><head><title>Example Clinic</title></head><body>
<h1>Example Clinic</h1>
<div id="inline" data-clinic-booking data-name="Ann Lee" data-email="ann@example.com" data-phone="0113 496 0000"></div>
<button type="button" id="popup" data-clinic-booking-popup data-type="follow-up">Book a follow-up</button>
<script>
  window.received = [];
  window.events = [];
  window.addEventListener("message", (e) => window.received.push({origin: e.origin, data: e.data}));
  for (const type of ["time_chosen", "booked"]) {
    document.addEventListener("clinic-booking:" + type, (e) => window.events.push({type, detail: e.detail}));
  }
</script>
<script src="%(site)s/embed.js"></script>
</body></html>"""


def serve_host_page(page: Page, origin: str, site: str) -> None:
    # A page Playwright serves counts as public, and the live server is on loopback: Chromium lets a public
    # page reach a local one only with this permission (a clinic's real site and server are both public).
    page.context.grant_permissions(["local-network-access"], origin=origin)
    page.route(f"{origin}/", lambda route: route.fulfill(content_type="text/html", body=HOST_PAGE % {"site": site}))
    page.goto(f"{origin}/")


def settled(frame, heading) -> None:
    """Wait until htmx has settled the page it swapped in. It gives the focus to the page's heading then, 20 ms
    after the new buttons appear: a key pressed on one of them in between would land on the heading instead."""
    expect(heading).to_be_visible()
    expect(frame.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")).to_have_count(0)


def test_the_embedded_page_books_and_tells_its_host_only_what_it_may(page, site, tomorrow):
    Clinic.objects.update_or_create(pk=1, defaults={"embed_origins": CLINIC_SITE})
    seen = []  # every address the browser asked the booking site for
    page.on("request", lambda sent: seen.append(sent.url) if sent.url.startswith(site) else None)
    serve_host_page(page, CLINIC_SITE, site)
    frame = page.frame_locator("#inline iframe")
    frame.get_by_role("link", name="Consultation").click()
    frame.get_by_role("link", name="Any available practitioner").click()
    expect(frame.get_by_text("With any available practitioner.")).to_be_visible()
    if not frame.locator(f'button.day[value="{tomorrow}"]').count():
        frame.get_by_role("link", name="next month").click()
    frame.locator(f'button.day[value="{tomorrow}"]').click()
    settled(frame, frame.get_by_role("heading", name="Free times on"))
    # By keyboard: the host resizes the frame to each page's height as it arrives, which can move a
    # button away from under a click aimed a moment earlier.
    frame.get_by_role("button", name="14:00 UTC").press("Enter")
    expect(frame.get_by_label("Full name")).to_have_value("Ann Lee")  # prefilled by the host, by postMessage
    expect(frame.get_by_label("E-mail")).to_have_value("ann@example.com")
    expect(frame.get_by_label("Phone")).to_have_value("0113 496 0000")
    frame.get_by_label("Reason for visit (optional)").fill("Knee pain")
    frame.get_by_role("button", name="Book this appointment").click()
    expect(frame.get_by_role("heading", name="You are booked")).to_be_visible()
    booking = Booking.objects.get()

    page.wait_for_function("window.events.some(e => e.type === 'booked')")
    received = page.evaluate("window.received")
    assert {m["origin"] for m in received} == {site}
    kinds = [m["data"]["type"] for m in received]
    assert "height" in kinds and "time_chosen" in kinds and kinds[-1] in ("booked", "height")
    booked = next(m["data"] for m in received if m["data"]["type"] == "booked")
    assert booked == {"source": "clinic-booking", "type": "booked", "booking_id": booking.reference}
    everything = json.dumps(received) + " ".join(seen)  # what the host heard, and every address asked for
    assert len(seen) > 10
    for private in ("Ann", "ann", "0113", "Knee", "hold_", "token"):
        assert private not in everything
    assert page.evaluate("window.events") == [
        {"type": "time_chosen", "detail": {"start": booking.starts_at.isoformat()}},
        {"type": "booked", "detail": {"booking_id": booking.reference}},
    ]
    last_height = [m["data"]["height"] for m in received if m["data"]["type"] == "height"][-1]
    assert page.locator("#inline iframe").evaluate("f => f.style.height") == f"{last_height}px"


def test_the_popup_opens_the_page_in_a_dialog_and_gives_the_focus_back(page, site):
    Clinic.objects.update_or_create(pk=1, defaults={"embed_origins": CLINIC_SITE})
    serve_host_page(page, CLINIC_SITE, site)
    page.get_by_role("button", name="Book a follow-up").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(page.frame_locator("dialog iframe").get_by_text("Who would you like to see?")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("button", name="Book a follow-up")).to_be_focused()


def test_a_site_not_on_the_list_cannot_frame_the_page_or_hear_from_it(page, site):
    Clinic.objects.update_or_create(pk=1, defaults={"embed_origins": CLINIC_SITE})
    serve_host_page(page, OTHER_SITE, site)
    page.wait_for_timeout(1500)
    assert page.evaluate("window.received") == []
    expect(page.frame_locator("#inline iframe").get_by_role("heading", name="Book an appointment")).to_have_count(0)


def test_the_host_prefills_only_a_page_from_the_booking_site_and_only_empty_fields(page, site, tomorrow):
    """The details come by postMessage to the booking site's origin: typed values are never overwritten, and
    a message from anyone but the host page is ignored."""
    Clinic.objects.update_or_create(pk=1, defaults={"embed_origins": CLINIC_SITE})
    serve_host_page(page, CLINIC_SITE, site)
    frame = page.frame_locator("#inline iframe")
    frame.get_by_role("link", name="Consultation").click()
    frame.get_by_role("link", name="Any available practitioner").click()
    expect(frame.get_by_text("With any available practitioner.")).to_be_visible()
    settled(frame, frame.get_by_role("heading", name="Consultation", level=1))
    if not frame.locator(f'button.day[value="{tomorrow}"]').count():
        frame.get_by_role("link", name="next month").press("Enter")
        settled(frame, frame.get_by_role("heading", name="Consultation", level=1))
    frame.locator(f'button.day[value="{tomorrow}"]').press("Enter")  # by keyboard: the frame resizes
    settled(frame, frame.get_by_role("heading", name="Free times on"))
    frame.get_by_role("button", name="10:00 UTC").press("Enter")
    expect(frame.get_by_label("E-mail")).to_have_value("ann@example.com")
    frame.get_by_label("Full name").fill("")
    frame.get_by_label("Phone").fill("0113 000 0000")  # the patient's own
    # Another window (here the frame itself) posting a prefill is not the host: nothing changes.
    frame.locator("body").evaluate(
        """() => window.postMessage({source: "clinic-booking-host", type: "prefill", name: "Eve"}, "*")"""
    )
    frame.get_by_role("button", name="Book this appointment").press("Enter")  # errors: the form comes back
    expect(frame.get_by_label("Full name")).to_have_value("Ann Lee")  # empty again, so filled again
    expect(frame.get_by_label("Phone")).to_have_value("0113 000 0000")  # typed, so kept
    expect(frame.get_by_label("E-mail")).to_have_value("ann@example.com")
