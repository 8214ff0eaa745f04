// Inside a clinic's own site (embed.js), the page tells its host its height and what happened: a time
// chosen, a booking made ({booking_id} only). Messages go to the one origin staff allowed, never to "*".
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

  function onPage() {
    sendHeight();
    sendPageEvent();
  }
  if ("ResizeObserver" in window) new ResizeObserver(sendHeight).observe(document.documentElement);
  window.addEventListener("load", onPage);
  document.addEventListener("htmx:afterSettle", onPage);
  onPage();
})();
