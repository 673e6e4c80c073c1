/* Writes on a phone with no network (issue 15): the offline queue.
 *
 * Forms marked data-offline-queue ("log", "figures", "done", "reopen") are not lost when
 * the phone is offline: the write is stored in IndexedDB with a key made here (the
 * idempotency key) and the phone's time, shown at once marked "venter på net", and sent
 * in order to #offline-queue[data-url] (incidents/views/offline.py) when the network is
 * back: on the online event, when the page is shown again, every few seconds while
 * something waits, and when the service worker's Background Sync fires. Online, htmx sends
 * the form as before; only a network error (not a refusal) puts it in the queue.
 *
 * The answer decides: 200 the write is saved (a resend answers "replayed", never a second
 * copy); 4xx it is refused for good and stays on the page with the reason (a tick of a
 * step someone else changed meanwhile says who), to copy and remove, never retried;
 * 5xx, no answer, a redirect to the login or a 403 that is not the endpoint's JSON
 * (Django's CSRF check after a new login, a cookie gone): it stays queued.
 *
 * The queue belongs to the signed-in person: every item carries data-offline-owner of
 * <body> (an HMAC of the user id) and only that person's items are shown or sent. Logout
 * asks first when something is unsent (pwa/static/js/pwa.js calls window.akOfflineQueue).
 */
(function () {
  "use strict";

  var owner = document.body.dataset.offlineOwner || "";
  var panel = document.getElementById("offline-queue");
  var texts = panel ? panel.dataset : {};
  var STORE = "queue";
  var dbPromise = null;
  var items = []; // this person's items, oldest first, as last read
  var snapshots = new WeakMap(); // form -> item built at submit, queued if htmx cannot send
  var flushing = false;
  var needsLogin = false;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open("ak-offline", 1);
        open.onupgradeneeded = function () {
          open.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }

  function tx(mode, work) {
    return db().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var t = conn.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  function load() {
    if (!owner) return Promise.resolve([]);
    return tx("readonly", function (store) { return store.getAll(); }).then(function (all) {
      items = all.filter(function (i) { return i.owner === owner; });
      paint();
      return items;
    });
  }

  function put(item) { return tx("readwrite", function (store) { return store.put(item); }); }
  function remove(id) { return tx("readwrite", function (store) { return store.delete(id); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  }

  function clock(iso) {
    var d = new Date(iso);
    return (d.getHours() < 10 ? "0" : "") + d.getHours() + ":" + (d.getMinutes() < 10 ? "0" : "") + d.getMinutes();
  }

  function short(text, n) {
    text = (text || "").replace(/\s+/g, " ").trim();
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  // ---- Building an item from a form

  function label(kind, fields, step) {
    var stepText = step ? short((step.querySelector("p") || step).textContent, 80) : "";
    if (kind === "log") return short(fields.text, 120);
    if (kind === "figures") {
      return fill(texts.textFigures, {
        on: fields.agents_on_duty, free: fields.agents_available, queue: fields.calls_in_queue,
      });
    }
    if (kind === "done") return fill(texts.textDone, { step: stepText });
    return fill(texts.textReopen, { step: stepText, reason: short(fields.reason, 80) });
  }

  function snapshot(form) {
    var kind = form.dataset.offlineQueue;
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields[name] = value;
    });
    var stepId = form.dataset.offlineStep || "";
    var step = stepId && document.getElementById("step-" + stepId);
    // The log and figures forms carry their idempotency key; a tick gets one here.
    var key = fields.idempotency_key || uuid();
    fields.idempotency_key = key;
    return {
      owner: owner, url: panel.dataset.url, kind: kind, key: key, step: stepId,
      fields: fields, writtenAt: new Date().toISOString(), state: "pending", error: "",
      label: label(kind, fields, step),
    };
  }

  function resetForm(form) {
    if (form.dataset.offlineQueue !== "log" && form.dataset.offlineQueue !== "figures") return;
    form.reset();
    var keyInput = form.querySelector("input[name=idempotency_key]");
    if (keyInput) keyInput.value = uuid(); // the next entry is another write
    form.querySelectorAll("textarea, input").forEach(function (el) {
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    var details = form.closest("details");
    if (details) details.open = false;
  }

  function enqueue(item, form) {
    if (form) resetForm(form);
    return put(item).then(load).then(function () {
      registerSync();
      flush();
    });
  }

  function registerSync() {
    if (!navigator.serviceWorker || !navigator.serviceWorker.ready) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register("ak-offline-queue");
    }).catch(function () {});
  }

  // Capture phase on window: before htmx (on the form) and pwa.js (on document) see it.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.offlineQueue || !owner || !panel) return;
    var item = snapshot(form);
    var waiting = items.some(function (i) { return i.state === "pending"; });
    if (navigator.onLine && !waiting) {
      snapshots.set(form, item); // htmx sends it; queued only if the network fails
      return;
    }
    // Offline, or earlier writes still wait: this one goes behind them, in order.
    event.preventDefault();
    event.stopImmediatePropagation();
    enqueue(item, form);
  }, true);

  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-offline-queue]");
    var item = form && snapshots.get(form);
    if (!item) return;
    snapshots.delete(form);
    enqueue(item, form);
  });

  // ---- Showing what waits

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function stateText(item) {
    return item.state === "refused" ? texts.textRefused : texts.textPending;
  }

  function paintLog(item) {
    var list = document.getElementById("incident-log-list");
    if (!list || item.kind !== "log") return;
    var li = el("li", "timeline__entry timeline__entry--pending");
    li.id = "offline-" + item.key;
    li.dataset.offlinePending = "";
    li.appendChild(el("span", "timeline__time", clock(item.writtenAt)));
    li.appendChild(el("span", "badge badge--missing", stateText(item)));
    li.appendChild(el("p", "", item.fields.text));
    list.insertBefore(li, list.firstChild);
  }

  function paintStep(item) {
    var step = item.step && document.getElementById("step-" + item.step);
    if (!step || (item.kind !== "done" && item.kind !== "reopen")) return;
    var mark = el("span", "step__meta step__meta--pending", item.label + " – " + stateText(item));
    mark.dataset.offlinePending = "";
    step.appendChild(mark);
    if (item.state === "pending") {
      step.querySelectorAll("form[data-offline-queue]").forEach(function (f) {
        f.hidden = true;
        f.dataset.offlineHidden = "";
      });
    }
  }

  function paintPanel() {
    if (!panel) return;
    var list = panel.querySelector("ol");
    list.textContent = "";
    items.forEach(function (item) {
      var li = el("li", "offline-queue__item offline-queue__item--" + item.state);
      li.dataset.offlineKey = item.key;
      li.appendChild(el("strong", "", item.label));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "muted", fill(texts.textWritten, { time: clock(item.writtenAt) }) + " · " + stateText(item)));
      if (item.state === "refused") {
        li.appendChild(el("p", "offline-queue__error", item.error));
        if (item.kind === "log") li.appendChild(el("p", "offline-queue__text", item.fields.text));
        var button = el("button", "btn btn--small", texts.textRemove);
        button.type = "button";
        button.addEventListener("click", function () { remove(item.id).then(load); });
        li.appendChild(button);
      }
      list.appendChild(li);
    });
    var pending = items.filter(function (i) { return i.state === "pending"; }).length;
    var title = fill(texts.textTitle, { n: pending });
    if (needsLogin && pending) title += " " + texts.textLogin;
    panel.querySelector(".offline-queue__title").textContent = title;
    panel.hidden = items.length === 0;
  }

  function paint() {
    document.querySelectorAll("[data-offline-pending]").forEach(function (n) { n.remove(); });
    document.querySelectorAll("[data-offline-hidden]").forEach(function (f) {
      f.hidden = false;
      delete f.dataset.offlineHidden;
    });
    items.forEach(paintLog); // oldest first, each on top: the newest ends up first
    items.forEach(paintStep);
    paintPanel();
    document.body.dataset.offlineUnsent = String(unsent());
  }

  // A poll may redraw the log or a step: draw the waiting items into it again.
  document.addEventListener("htmx:afterSettle", function () { if (items.length) paint(); });

  // ---- Sending, in order

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function body(item) {
    var params = new URLSearchParams(item.fields);
    params.set("kind", item.kind);
    params.set("idempotency_key", item.key);
    params.set("device_written_at", item.writtenAt);
    if (item.step) params.set("step", item.step);
    return params;
  }

  function send(item) {
    return fetch(item.url, {
      method: "POST",
      body: body(item),
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
    }).then(function (response) {
      // A redirect is the login page: the session ended, the items wait for the next login.
      if (response.type === "opaqueredirect") return { retry: true, login: true };
      if (response.status >= 500) return { retry: true };
      return response.json().then(
        function (answer) { return { ok: response.ok && answer.ok, answer: answer, status: response.status }; },
        function () {
          // Not the endpoint's own answer: a 403 without JSON is Django's CSRF check (the
          // token changed with a new login, or the cookie is gone) or a role check: the
          // write itself was not judged, so it waits for a fresh page. Other codes refuse.
          if (response.status === 403 || response.status < 400) return { retry: true, login: response.status === 403 };
          return { status: response.status, answer: {} };
        }
      );
    });
  }

  function pollNow() {
    var live = document.getElementById("incident-live");
    if (live && window.htmx && live.getAttribute("hx-get")) {
      window.htmx.ajax("GET", live.getAttribute("hx-get"), { source: live, target: live, swap: "none" });
    }
  }

  function flush() {
    if (flushing || !owner || !navigator.onLine) return Promise.resolve();
    flushing = true;
    var sent = 0;
    function next() {
      var item = items.filter(function (i) { return i.state === "pending"; })[0];
      if (!item) return null;
      return send(item).then(function (result) {
        needsLogin = !!result.login;
        if (result.retry) return null;
        sent += 1;
        if (result.ok) return remove(item.id).then(load).then(next);
        item.state = "refused";
        item.error = result.answer.error || fill(texts.textRefusedStatus, { status: result.status });
        return put(item).then(load).then(next);
      });
    }
    return load()
      .then(next)
      .catch(function () { /* no network after all: the items wait for the next try */ })
      .then(function () {
        flushing = false;
        if (sent) pollNow();
        paint();
      });
  }

  function unsent() {
    return items.filter(function (i) { return i.state === "pending"; }).length;
  }

  window.akOfflineQueue = { unsent: unsent, flush: flush, load: load };

  window.addEventListener("online", flush);
  window.addEventListener("pageshow", flush);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "offline-queue-sync") flush();
    });
  }
  window.setInterval(function () { if (unsent()) flush(); }, 5000);
  if (owner && window.indexedDB) load().then(flush).catch(function () {});
})();
