/* The live dashboard and wall screen: polling hygiene and forms that survive updates.
 *
 * - A hidden tab does not poll; it polls at once when it becomes visible again.
 * - When the server answers a poll with Retry-After (it is behind), polls pause for that
 *   long (plus a little jitter, so that 300 phones do not come back in the same second).
 * - Every htmx request of the dashboard sends the page's live token (X-Live-Token), so the
 *   answer to a form post carries only what changed since this page last looked.
 * - An out-of-band swap never replaces an element holding the focused field or a form
 *   with unsent input: it is kept back and applied once the focus leaves it.
 * - The log shows the newest entries (data-keep); older ones drop off the page.
 *
 * htmx itself draws the fragments; this file only vetoes and schedules. The CSP allows no
 * inline script and htmx's eval is off, so trigger filters live here, not in attributes.
 */
(function () {
  "use strict";

  var POLLERS = "#incident-live, #wall-live";
  var pausedUntil = 0;
  var deferred = new Map(); // target element -> element to put in its place

  function isPoller(elt) {
    return elt && elt.matches && elt.matches(POLLERS);
  }

  function poller() {
    return document.querySelector(POLLERS);
  }

  function liveToken() {
    var elt = document.getElementById("incident-live");
    var url = elt && elt.getAttribute("hx-get");
    var match = url && url.match(/[?&]rev=([^&]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (!isPoller(evt.detail.elt)) return;
    if (document.hidden || Date.now() < pausedUntil) evt.preventDefault();
  });

  document.addEventListener("htmx:configRequest", function (evt) {
    var token = liveToken();
    if (token && !isPoller(evt.detail.elt)) evt.detail.headers["X-Live-Token"] = token;
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    if (!isPoller(evt.detail.elt) || !evt.detail.xhr) return;
    var seconds = Number(evt.detail.xhr.getResponseHeader("Retry-After"));
    if (seconds > 0) {
      pausedUntil = Date.now() + seconds * 1000 + Math.random() * 5000;
    } else if (evt.detail.xhr.status >= 500 || evt.detail.xhr.status === 0) {
      // An error or no answer: back off too rather than retrying into an overload.
      pausedUntil = Date.now() + 10000 + Math.random() * 5000;
    }
  });

  document.addEventListener("visibilitychange", function () {
    var elt = poller();
    if (!document.hidden && elt && window.htmx && Date.now() >= pausedUntil) {
      window.htmx.ajax("GET", elt.getAttribute("hx-get"), {
        source: elt,
        target: elt,
        swap: elt.getAttribute("hx-swap") || "none",
      });
    }
  });

  // --- forms in use -------------------------------------------------------------------------

  function markDirty(evt) {
    var form = evt.target && evt.target.form;
    if (form) form.dataset.dirty = "1";
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  document.addEventListener("submit", function (evt) {
    delete evt.target.dataset.dirty;
  });
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form");
    if (form) delete form.dataset.dirty;
  });

  function inUse(target) {
    var active = document.activeElement;
    if (active && active !== document.body && target.contains(active) && active.matches("input, select, textarea")) {
      return true;
    }
    return Boolean(target.querySelector && target.querySelector("form[data-dirty]"));
  }

  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var target = evt.detail.target;
    var replacement = evt.detail.fragment && evt.detail.fragment.firstElementChild;
    if (!target || !replacement || replacement.id !== target.id || !inUse(target)) return;
    evt.detail.shouldSwap = false;
    replacement.removeAttribute("hx-swap-oob");
    deferred.set(target, replacement);
  });

  document.addEventListener("focusout", function () {
    // After the focus has moved: apply what was kept back from elements no longer in use.
    setTimeout(function () {
      deferred.forEach(function (replacement, target) {
        if (!target.isConnected) {
          deferred.delete(target);
        } else if (!inUse(target)) {
          deferred.delete(target);
          target.replaceWith(replacement);
          if (window.htmx) window.htmx.process(replacement);
        }
      });
    }, 0);
  });

  // --- the log keeps the newest entries -------------------------------------------------------

  document.addEventListener("htmx:afterSettle", function () {
    var list = document.getElementById("incident-log-list");
    if (!list) return;
    var keep = Number(list.dataset.keep) || 20;
    var placeholder = list.querySelector("li:not([id])");
    if (placeholder && list.querySelector("li[id]")) list.removeChild(placeholder);
    while (list.children.length > keep) list.removeChild(list.lastElementChild);
  });
})();
