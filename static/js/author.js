// Authoring pages: ask before deleting an exercise (buttons and forms with data-confirm),
// and once the live self-check passes again, hide the note of an earlier refused save.
// The self-check itself needs no script of its own: htmx posts the editor form, debounced.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "check-panel") return;
    var passed = document.querySelector('#check-status[data-ok="true"]');
    document.querySelectorAll(".save-refused").forEach(function (note) {
      note.hidden = Boolean(passed);
    });
  });
})();
