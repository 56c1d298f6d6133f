// Authoring pages: ask before deleting an exercise (buttons and forms with data-confirm).
// The live self-check needs no script of its own: htmx posts the editor form, debounced.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
