// Renders the math on a page with KaTeX (trust: false) and again after every htmx swap,
// and lets the arrow keys move between the cells of a numeric answer grid.
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
        el.textContent = el.getAttribute("data-latex");
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
        ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option", "input"],
        ignoredClasses: ["katex", "no-math"]
      }, OPTIONS));
    }
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

  document.addEventListener("DOMContentLoaded", function () { renderMath(document.body); });
  // htmx:load fires for every piece of swapped-in content, out-of-band swaps included
  // (the element an oob swap replaces is detached, so its own events are no use).
  document.addEventListener("htmx:load", function (e) {
    var elt = e.detail && e.detail.elt;
    if (elt && elt !== document.body && elt.nodeType === 1) renderMath(elt);
  });
  document.addEventListener("keydown", moveInGrid);
})();
