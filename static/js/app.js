// Enhances pages that already work without JavaScript:
// - KaTeX (trust: false) draws the formulas the server sent as MathML, and again after
//   every htmx swap (KaTeX's output keeps a MathML copy for screen readers);
// - after every htmx swap, keyboard focus moves to the new content (the revealed hint or
//   step, the feedback, the redrawn worked example) instead of falling to the page body;
// - the answer box grows with its content, and Enter in it submits the answer;
// - the arrow keys move between the cells of a numeric answer grid;
// - a wide formula that scrolls in its box says so (class "scrolls" shows a fade and a hint).
(function () {
  "use strict";

  var OPTIONS = { trust: false, throwOnError: false, strict: "ignore" };

  function renderMath(root) {
    if (!window.katex) return;
    var nodes = Array.prototype.slice.call(root.querySelectorAll("[data-latex]"));
    if (root.matches && root.matches("[data-latex]")) nodes.push(root);
    nodes.forEach(function (el) {
      var display = el.classList.contains("display");
      try {
        window.katex.render(el.getAttribute("data-latex"), el, Object.assign({ displayMode: display }, OPTIONS));
      } catch (e) {
        // keep the server's MathML
      }
    });
    if (window.renderMathInElement) {
      window.renderMathInElement(root, Object.assign({
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "\\[", right: "\\]", display: true },
          { left: "\\(", right: "\\)", display: false },
          { left: "$", right: "$", display: false }
        ],
        ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option", "input", "math"],
        ignoredClasses: ["katex", "no-math", "math"]
      }, OPTIONS));
    }
    markScrolling(root);
  }

  // A formula wider than its box scrolls sideways; mark it so CSS shows that it does.
  function markScrolling(root) {
    var boxes = root.querySelectorAll(".math.display, .step-math, .values, .read-as, .heatmap-figure, .derivation-figure");
    Array.prototype.forEach.call(boxes, function (box) {
      var wide = box.scrollWidth > box.clientWidth + 2;
      box.classList.toggle("scrolls", wide);
      if (wide && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0"); // scrollable by keyboard too
        if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", "wide formula, scrolls sideways");
      }
    });
  }

  function focusOn(el) {
    if (!el) return;
    if (!el.matches("a[href], button, input, select, textarea, [tabindex]")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
    if (el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
  }

  // Where focus goes after a swap into `target` caused by `trigger`; `before` is the control
  // that had focus when the response arrived (a control of a redrawn form gets focus back).
  function focusAfterSwap(target, trigger, swap, before) {
    if (!target || !document.body.contains(target)) return;
    var triggers = (trigger && trigger.getAttribute && trigger.getAttribute("hx-trigger")) || "";
    if (/\binput\b|\bload\b/.test(triggers)) return; // live previews: typing goes on
    // Move focus only where it was lost with the swapped-out content, or where the target
    // asks for it (the feedback, the worked solution); a page that placed focus itself
    // (the explorer keeps it on its "Next step" button) is left alone.
    // htmx gives focus back to a control with the same id (the explorer's new "Next step"),
    // so content that marks itself data-focus (the step just revealed) is asked for too.
    var active = document.activeElement;
    var lost = !active || active === document.body || !document.body.contains(active);
    var asked = target.querySelector("[data-focus]");
    if (!lost && !asked && !target.hasAttribute("data-focus-on-swap")) return;
    if (before && before.name && !document.body.contains(before.el)) {
      var same = target.querySelector('[name="' + before.name + '"]:not([type=hidden])');
      if (same) { same.focus(); return; }
    }
    var chosen = null;
    if (swap === "beforeend") {
      chosen = target.lastElementChild; // the step just revealed
    } else if (target.id === "hints") {
      var hints = target.querySelectorAll(".hint-list li");
      chosen = hints.length ? hints[hints.length - 1] : target.querySelector("h2");
    } else {
      chosen = target.querySelector("[data-focus]") || target.querySelector(".feedback, .solution, .derivation, .step") ||
        target.firstElementChild || target;
    }
    focusOn(chosen);
  }

  function moveInGrid(event) {
    var cell = event.target;
    if (!cell.matches || !cell.matches(".grid-input input")) return;
    var steps = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    var step = steps[event.key];
    if (!step) return;
    if (step[1] !== 0) {
      var atEdge = step[1] < 0 ? cell.selectionStart > 0 : cell.selectionEnd < cell.value.length;
      if (atEdge) return; // let the caret move inside the cell first
    }
    var row = Number(cell.dataset.row) + step[0];
    var col = Number(cell.dataset.col) + step[1];
    var next = cell.form.querySelector('input[data-row="' + row + '"][data-col="' + col + '"]');
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
    }
  }

  function grow(box) {
    box.style.height = "auto";
    box.style.height = box.scrollHeight + 2 + "px";
  }

  function answerBox(event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea.answer-box")) return;
    if (event.type === "input") { grow(box); return; }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (box.form.requestSubmit) box.form.requestSubmit(); else box.form.submit();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderMath(document.body);
    Array.prototype.forEach.call(document.querySelectorAll("textarea.answer-box"), grow);
  });
  // htmx:load fires for every piece of swapped-in content, out-of-band swaps included
  // (the element an oob swap replaces is detached, so its own events are no use).
  document.addEventListener("htmx:load", function (e) {
    var elt = e.detail && e.detail.elt;
    if (elt && elt !== document.body && elt.nodeType === 1) renderMath(elt);
  });
  var focusedBefore = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var el = document.activeElement;
    focusedBefore = el && el !== document.body ? { el: el, name: el.name || "" } : null;
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    var d = e.detail || {};
    var trigger = d.requestConfig ? d.requestConfig.elt : d.elt;
    var swap = trigger && trigger.getAttribute ? trigger.getAttribute("hx-swap") : null;
    focusAfterSwap(d.target, trigger, swap, focusedBefore);
  });
  window.addEventListener("resize", function () { markScrolling(document.body); });
  window.addEventListener("load", function () { markScrolling(document.body); });
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(function () { markScrolling(document.body); });
  }
  document.addEventListener("keydown", moveInGrid);
  document.addEventListener("keydown", answerBox);
  document.addEventListener("input", answerBox);
})();
