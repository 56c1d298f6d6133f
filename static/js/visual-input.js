// The visual math editor (MathLive, vendored under /static/vendor/mathlive): offered beside
// the answer box, loaded only when the learner asks for it. What is typed there is sent as
// ASCII-math to /exercises/{id}/from-visual, which spells it in the answer language; the
// text goes into the answer box, and the box's own live preview shows how it was read.
(function () {
  "use strict";

  var loading = null;

  function loadMathLive(src) {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = function () {
        window.MathfieldElement.fontsDirectory = "/static/vendor/mathlive/fonts";
        window.MathfieldElement.soundsDirectory = null;
        resolve();
      };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
    return loading;
  }

  function csrfFree(form) { // the conversion changes nothing: only the text and the seed go
    var body = new URLSearchParams();
    Object.keys(form).forEach(function (k) { body.append(k, form[k]); });
    return body;
  }

  function setup(box) {
    var toggle = box.querySelector("#visual-toggle");
    var holder = box.querySelector("#visual-editor");
    var answer = document.getElementById("answer");
    var field = null;
    var timer = null;

    function send() {
      fetch("/exercises/" + encodeURIComponent(box.dataset.exercise) + "/from-visual", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: csrfFree({ ascii: field.getValue("ascii-math"), seed: box.dataset.seed })
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) return;
        answer.value = data.text;
        answer.dispatchEvent(new Event("input", { bubbles: true }));
      });
    }

    function open() {
      loadMathLive(box.dataset.mathlive).then(function () {
        if (!field) {
          field = new window.MathfieldElement();
          field.setAttribute("aria-label", "Visual answer editor");
          field.className = "math-field";
          var shown = document.querySelector("#preview .read-as [data-latex]");
          if (answer.value.trim() && shown) field.setValue(shown.getAttribute("data-latex"));
          field.addEventListener("input", function () {
            clearTimeout(timer);
            timer = setTimeout(send, 200);
          });
          field.addEventListener("keydown", function (e) {
            if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(); setTimeout(function () { answer.form.requestSubmit(); }, 250); }
          });
          holder.appendChild(field);
        }
        holder.hidden = false;
        toggle.setAttribute("aria-expanded", "true");
        toggle.textContent = "Hide the visual editor";
        field.focus();
      });
    }

    toggle.addEventListener("click", function () {
      if (toggle.getAttribute("aria-expanded") === "true") {
        holder.hidden = true;
        toggle.setAttribute("aria-expanded", "false");
        toggle.textContent = "Use the visual editor";
        answer.focus();
      } else {
        open();
      }
    });
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".visual-input");
    if (box && document.getElementById("answer")) setup(box);
  });
})();
