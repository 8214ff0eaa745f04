// Inside a clinic's own site (embed.js), the page tells its host its height and what happened: a time
// chosen, a booking made ({booking_id} only). Messages go to the one origin staff allowed, never to "*".
// When a page asks for the patient's contact details, it asks the host for what the host knows of them
// ("prefill_wanted") and fills the empty fields with the answer, taken only from that origin and only from
// the parent window: details never travel in a URL, where logs and history would keep them.
(function () {
  "use strict";
  var origin = document.documentElement.getAttribute("data-embed-origin");
  if (!origin || window.parent === window) return;

  function post(message) {
    message.source = "clinic-booking";
    window.parent.postMessage(message, origin);
  }

  var lastHeight = 0;
  function sendHeight() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      post({ type: "height", height: height });
    }
  }

  var announced = null;
  function sendPageEvent() {
    var data = document.getElementById("embed-event");
    if (!data || data.textContent === announced) return;
    announced = data.textContent;
    post(JSON.parse(data.textContent));
  }

  var PREFILL = { name: "patient_name", email: "patient_email", phone: "patient_phone" };
  function prefillFields() {
    return Object.keys(PREFILL)
      .map(function (key) { return { key: key, input: document.querySelector('input[name="' + PREFILL[key] + '"]') }; })
      .filter(function (field) { return field.input; });
  }

  function askForPrefill() {
    if (prefillFields().length) post({ type: "prefill_wanted" });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== origin) return;
    var data = event.data;
    if (!data || data.source !== "clinic-booking-host" || data.type !== "prefill") return;
    prefillFields().forEach(function (field) {
      var value = data[field.key];
      if (typeof value !== "string" || field.input.value) return;  // never over what is typed or sent back
      var longest = field.input.maxLength > 0 ? field.input.maxLength : 254;
      field.input.value = value.slice(0, longest);
    });
  });

  function onPage() {
    sendHeight();
    sendPageEvent();
    askForPrefill();
  }
  if ("ResizeObserver" in window) new ResizeObserver(sendHeight).observe(document.documentElement);
  window.addEventListener("load", onPage);
  document.addEventListener("htmx:afterSettle", onPage);
  onPage();
})();
