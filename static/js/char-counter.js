/* Live "312 / 2000 tegn" counters for text fields with a limit (data-maxlength).
 *
 * The fields carry no HTML maxlength: the browser would silently cut a pasted text at the
 * limit, and the end of the person's words would be gone without a word. Here they see the
 * count, a warning when over, and the server answers a too-long text with a message and
 * the text intact. A static file (the CSP allows no inline script); forms that htmx swaps
 * in get their counter on htmx:load.
 */
(function () {
  "use strict";

  var english = (document.documentElement.lang || "da").indexOf("en") === 0;

  function length(value) {
    // Characters as the server counts them (code points; a line break is one).
    return Array.from(value.replace(/\r\n/g, "\n")).length;
  }

  function text(count, max) {
    if (count > max) {
      return english
        ? count + " / " + max + " characters – " + (count - max) + " too many; shorten the text"
        : count + " / " + max + " tegn – " + (count - max) + " for mange; forkort teksten";
    }
    return count + " / " + max + (english ? " characters" : " tegn");
  }

  function attach(field) {
    if (field.dataset.counter) return;
    var max = parseInt(field.dataset.maxlength, 10);
    if (!(max > 0)) return;
    var counter = document.createElement("p");
    counter.className = "char-counter";
    counter.id = (field.id || field.name) + "-counter";
    field.dataset.counter = counter.id;
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    field.insertAdjacentElement("afterend", counter);
    var wasOver = false;

    function update() {
      var count = length(field.value);
      var over = count > max;
      counter.textContent = text(count, max);
      counter.classList.toggle("char-counter--over", over);
      if (over) field.setAttribute("aria-invalid", "true");
      else if (wasOver) field.removeAttribute("aria-invalid");
      // Announce crossing the limit, not every keystroke.
      if (over !== wasOver) counter.setAttribute("role", over ? "alert" : "status");
      wasOver = over;
    }

    field.addEventListener("input", update);
    update();
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-maxlength]")) attach(root);
    root.querySelectorAll("[data-maxlength]").forEach(attach);
  }

  document.addEventListener("DOMContentLoaded", function () {
    scan(document);
  });
  document.addEventListener("htmx:load", function (event) {
    scan(event.detail.elt);
  });
})();
