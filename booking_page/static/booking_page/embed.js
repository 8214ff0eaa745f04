/* Put the clinic's booking page on your own website.
 *
 *   <script src="https://bookings.your-clinic.example/embed.js" defer></script>
 *   <div data-clinic-booking></div>                            the page inline, growing with its content
 *   <button type="button" data-clinic-booking-popup>Book an appointment</button>   the page in a dialog
 *
 * Optional attributes on either: data-type="consultation" (start at one appointment type), data-name,
 * data-email, data-phone (the patient's details, to fill in the form for them). The details never go in the
 * page's URL: when the page shows a form, it asks for them and this script answers with postMessage, to the
 * booking page's own origin only. Change the attributes at any time; the next form gets the new values.
 * Events on the element: "clinic-booking:time_chosen" and "clinic-booking:booked" (detail.booking_id).
 * Your site's origin must be listed in the clinic's settings ("Websites allowed to show the booking page").
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src).origin;
  var frames = [];

  function pageUrl(element) {
    var type = element.getAttribute("data-type");
    var url = new URL(type ? "/book/" + encodeURIComponent(type) + "/" : "/book/", base);
    url.searchParams.set("embed", "1");
    url.searchParams.set("origin", window.location.origin);
    return url.toString();
  }

  function frameFor(element) {
    var iframe = document.createElement("iframe");
    iframe.src = pageUrl(element);
    iframe.title = element.getAttribute("data-title") || "Book an appointment";
    iframe.style.width = "100%";
    iframe.style.minHeight = "480px";
    iframe.style.border = "0";
    iframe.style.display = "block";
    frames.push({ iframe: iframe, element: element });
    return iframe;
  }

  function inline(element) {
    element.appendChild(frameFor(element));
  }

  function popup(trigger) {
    trigger.addEventListener("click", function () {
      var dialog = document.createElement("dialog");
      dialog.setAttribute("aria-label", trigger.getAttribute("data-title") || "Book an appointment");
      dialog.style.width = "min(44rem, 100vw - 1rem)";
      dialog.style.maxHeight = "calc(100vh - 1rem)";
      dialog.style.padding = "0";
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = "Close";
      close.style.minHeight = "44px";
      close.style.margin = "0.25rem";
      close.addEventListener("click", function () { dialog.close(); });
      dialog.appendChild(close);
      dialog.appendChild(frameFor(trigger));
      dialog.addEventListener("close", function () {
        frames = frames.filter(function (f) { return !dialog.contains(f.iframe); });
        dialog.remove();
        trigger.focus();
      });
      document.body.appendChild(dialog);
      dialog.showModal();
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== base || !event.data || event.data.source !== "clinic-booking") return;
    var found = frames.filter(function (f) { return f.iframe.contentWindow === event.source; })[0];
    if (!found) return;
    if (event.data.type === "height") {
      found.iframe.style.height = Math.max(0, Number(event.data.height) || 0) + "px";
      return;
    }
    if (event.data.type === "prefill_wanted") {
      var prefill = { source: "clinic-booking-host", type: "prefill" };
      ["name", "email", "phone"].forEach(function (key) {
        var value = found.element.getAttribute("data-" + key);
        if (value) prefill[key] = value;
      });
      event.source.postMessage(prefill, base);  // to the booking page's origin only, never "*"
      return;
    }
    var detail = {};
    if (event.data.booking_id) detail.booking_id = String(event.data.booking_id);
    if (event.data.start) detail.start = String(event.data.start);
    found.element.dispatchEvent(new CustomEvent("clinic-booking:" + event.data.type, { detail: detail, bubbles: true }));
  });

  function start() {
    document.querySelectorAll("[data-clinic-booking]").forEach(inline);
    document.querySelectorAll("[data-clinic-booking-popup]").forEach(popup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
