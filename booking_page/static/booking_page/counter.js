// Counts the characters typed into a field with a limit (data-limit), below it. The hint above already
// says the limit, so without this script nothing is lost; the server refuses longer text either way.
(function () {
  "use strict";
  function update(counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    if (!field) return;
    var limit = Number(field.getAttribute("data-limit"));
    var length = Array.from(field.value).length; // characters, as the server counts them, not UTF-16 units
    var over = length - limit;
    counter.hidden = false;
    counter.classList.toggle("over", over > 0);
    counter.textContent = over > 0
      ? counter.getAttribute("data-over").replace("__over__", String(over))
      : counter.getAttribute("data-template").replace("__count__", String(length));
  }
  function updateAll(root) {
    root.querySelectorAll("[data-counter-for]").forEach(update);
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.id) return;
    var counter = document.getElementById(target.id + "_counter");
    if (counter && counter.hasAttribute("data-counter-for")) update(counter);
  });
  // hx-boost swaps the body in: count the fields of each page it brings.
  document.addEventListener("DOMContentLoaded", function () { updateAll(document); });
  document.addEventListener("htmx:load", function (event) { updateAll(event.target); });
})();
