/* The week calendar's drag to move, and the desk form's start-time buttons. Everything here has a way
   without JavaScript: a booking's "Move" link, and the form's "Show times" button. A drop only opens the
   server's confirmation page; nothing moves until staff press its Move button. */
(function () {
  "use strict";

  let dragged = null;

  function onDragStart(event) {
    const block = event.target.closest(".block[data-move-url]");
    if (!block) return;
    dragged = block;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.dataset.reference || "");
  }

  function freeCell(event) {
    return dragged && event.target.closest ? event.target.closest(".cal .free") : null;
  }

  function onDragOver(event) {
    const cell = freeCell(event);
    if (!cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("drop-target");
  }

  function onDragLeave(event) {
    const cell = freeCell(event);
    if (cell) cell.classList.remove("drop-target");
  }

  function onDrop(event) {
    const cell = freeCell(event);
    if (!cell) return;
    event.preventDefault();
    const column = cell.closest(".cal-col");
    const query = new URLSearchParams({
      date: column.dataset.date,
      start_time: cell.dataset.time,
      practitioner: column.dataset.practitioner,
      view: column.closest(".cal").dataset.view,  // back to the view the drag started in
    });
    window.location.assign(dragged.dataset.moveUrl + "?" + query.toString());
  }

  function onClick(event) {
    const button = event.target.closest && event.target.closest("button[data-start-time]");
    if (!button) return;
    const field = document.getElementById("id_start_time");
    if (!field) return;
    field.value = button.dataset.startTime;
    field.dispatchEvent(new Event("change", { bubbles: true }));
    document.querySelectorAll("button[data-start-time]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
    field.focus();
  }

  document.addEventListener("dragstart", onDragStart);
  document.addEventListener("dragover", onDragOver);
  document.addEventListener("dragleave", onDragLeave);
  document.addEventListener("drop", onDrop);
  document.addEventListener("dragend", function () { dragged = null; });
  document.addEventListener("click", onClick);

  // The practitioner field is an autocomplete (select2), whose changes are jQuery's, not the browser's:
  // tell the start-time list to refresh.
  window.addEventListener("load", function () {
    const jQuery = window.django && window.django.jQuery;
    if (!jQuery) return;
    jQuery(document).on("change", "#id_practitioner", function (event) {
      if (!event.originalEvent) document.body.dispatchEvent(new Event("start-times-refresh"));
    });
  });
})();
