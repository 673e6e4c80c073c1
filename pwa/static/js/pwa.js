/* The page side of the offline app (see pwa/templates/pwa/sw.js for the service worker).
 *
 * - registers the service worker and says hello on every page: the login session, and
 *   for a user with a role the precache list, so the whole card is stored after login;
 * - shows the offline banner: whether this page is a stored copy and how old it is;
 * - stops forms and htmx requests while offline, and says so, instead of failing silently;
 * - hides what is only true online ([data-pwa-online-only]) while offline;
 * - on logout deletes everything this site stored, before the logout request leaves.
 *
 * Reads data-pwa-* on <body> ({% pwa_body_attrs %}) and the texts on .offline-banner
 * (pwa/templates/pwa/_offline_banner.html). No inline script anywhere: the CSP forbids it.
 */
(function () {
  "use strict";

  var body = document.body;
  var data = body.dataset;
  var banner = document.querySelector(".offline-banner");
  var bannerText = banner && banner.querySelector(".offline-banner__text");
  var texts = banner ? banner.dataset : {};
  // Set by the service worker in the copy it stored; empty in a page from the server.
  var savedAt = Number(data.pwaSavedAt) || 0;
  var loadedAt = Date.now();
  var fetchedAt = savedAt || loadedAt;
  // The server did not answer in time, or answered with an error: we are showing a copy.
  var servedSlow = savedAt > 0 && navigator.onLine;
  var freshAvailable = false;
  var notice = "";

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // Copenhagen time as "14:32" (Intl's Danish style would say "14.32").
  function parts(ms) {
    var out = {};
    try {
      new Intl.DateTimeFormat("da-DK", {
        timeZone: "Europe/Copenhagen",
        day: "numeric",
        month: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      })
        .formatToParts(new Date(ms))
        .forEach(function (p) {
          out[p.type] = p.value;
        });
    } catch (e) {
      var d = new Date(ms);
      out = { day: d.getDate(), month: d.getMonth() + 1, hour: two(d.getHours()), minute: two(d.getMinutes()) };
    }
    return out;
  }

  function when(ms) {
    var then = parts(ms);
    var now = parts(Date.now());
    var time = then.hour + ":" + then.minute;
    if (then.day === now.day && then.month === now.month) return fill(texts.textToday, { time: time });
    return fill(texts.textOtherDay, { date: then.day + "/" + then.month, time: time });
  }

  function age(ms) {
    var minutes = Math.max(0, Math.floor((Date.now() - ms) / 60000));
    if (minutes < 1) return texts.textAgeNow;
    if (minutes < 60) return fill(texts.textAgeMinutes, { minutes: minutes });
    return fill(texts.textAgeHours, { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
  }

  function reloadButton() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn--small";
    button.textContent = texts.textReload;
    button.addEventListener("click", function () {
      window.location.reload();
    });
    return button;
  }

  // Texts that are only true with a network ("Siden opdateres af sig selv."): hidden
  // while offline, where the banner says the page is not updated.
  function showOnlineOnly(online) {
    document.querySelectorAll("[data-pwa-online-only]").forEach(function (el) {
      el.hidden = !online;
    });
  }

  function render() {
    showOnlineOnly(navigator.onLine);
    if (!banner) return;
    var online = navigator.onLine;
    var values = { when: when(fetchedAt), age: age(fetchedAt) };
    var message = "";
    if (savedAt && !online) message = fill(texts.textOfflineCopy, values);
    else if (savedAt && freshAvailable) message = texts.textFresh;
    else if (savedAt && servedSlow) message = fill(texts.textSlowCopy, values);
    else if (savedAt) message = fill(texts.textOnlineCopy, values);
    else if (!online) message = fill(texts.textOfflineLive, values);
    if (!online && document.querySelector("form")) {
      message += " " + (document.querySelector("form[data-offline-queue]") ? texts.textFormsQueued : texts.textForms);
    }
    if (notice) message = notice + (message ? " " + message : "");
    if (!message) {
      banner.hidden = true;
      return;
    }
    bannerText.textContent = message;
    var button = banner.querySelector("button");
    var wantButton = online && savedAt;
    if (wantButton && !button) banner.appendChild(reloadButton());
    if (!wantButton && button) button.remove();
    banner.hidden = false;
  }

  function say(message) {
    notice = message;
    render();
    if (banner) banner.scrollIntoView({ block: "nearest" });
  }

  // ---- Forms and htmx while offline

  function logoutPath() {
    return data.pwaLogout ? new URL(data.pwaLogout, window.location.href).pathname : null;
  }

  function isLogoutForm(form) {
    return !!form && !!logoutPath() && new URL(form.action, window.location.href).pathname === logoutPath();
  }

  // The log, tick and figures forms: static/js/offline-queue.js keeps them offline.
  function isQueued(elt) {
    return !!(elt && elt.closest && elt.closest("form[data-offline-queue]"));
  }

  function setFormsEnabled(enabled) {
    document.querySelectorAll("form").forEach(function (form) {
      if (isLogoutForm(form) || isQueued(form)) return;
      form.querySelectorAll("button:not([type=button]), input[type=submit]").forEach(function (button) {
        if (!enabled && !button.disabled) {
          button.disabled = true;
          button.dataset.pwaDisabled = "";
        } else if (enabled && "pwaDisabled" in button.dataset) {
          button.disabled = false;
          delete button.dataset.pwaDisabled;
        }
      });
    });
  }

  function connectionChanged() {
    if (navigator.onLine) notice = "";
    setFormsEnabled(navigator.onLine);
    render();
  }

  document.addEventListener(
    "submit",
    function (event) {
      if (isLogoutForm(event.target)) {
        logout(event);
      } else if (!navigator.onLine) {
        event.preventDefault();
        say(texts.textNotSent);
      }
    },
    true
  );

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (navigator.onLine) return;
    event.preventDefault();
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    // A dashboard poll simply waits for the network; a user's action is told it failed.
    var trigger = event.detail.elt.getAttribute("hx-trigger") || "";
    if (verb !== "get" || !/\b(every|load)\b/.test(trigger)) say(texts.textNotSent);
  });

  document.addEventListener("htmx:sendError", function (event) {
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    if (isQueued(event.detail.elt)) render(); // queued on the phone, not lost
    else if (verb !== "get") say(texts.textNotSent);
    else render();
  });

  // The service worker never sees POSTs; after the user's own change it must store the
  // page again, or the saved copy would lack it (the next poll answers 204).
  document.addEventListener("htmx:afterRequest", function (event) {
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    var controller = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (verb !== "get" && event.detail.successful && controller) {
      controller.postMessage({ type: "refresh" });
    }
  });

  // ---- Logout: nothing of the card may stay on a shared phone

  function clearEverything() {
    var jobs = [];
    if (window.caches) {
      jobs.push(
        caches.keys().then(function (names) {
          return Promise.all(names.map(function (n) { return caches.delete(n); }));
        })
      );
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "logout" });
    }
    try {
      window.localStorage.clear();
      window.sessionStorage.clear();
    } catch (e) {
      // Storage can be disabled; there is then nothing in it either.
    }
    return Promise.all(jobs);
  }

  function logout(event) {
    var form = event.target;
    if (form.dataset.pwaCleared === "true") return;
    event.preventDefault();
    // Logout deletes what this site stored, the offline queue too: ask first.
    var queue = window.akOfflineQueue;
    var unsent = queue ? queue.unsent() : 0;
    if (unsent && !window.confirm(fill(texts.textQueueLogout, { n: unsent }))) return;
    var timeout = new Promise(function (resolve) {
      setTimeout(resolve, 1500);
    });
    Promise.race([clearEverything(), timeout])
      .catch(function () {})
      .then(function () {
        form.dataset.pwaCleared = "true";
        if (navigator.onLine) {
          // The response also carries Clear-Site-Data, which covers what JS cannot.
          form.submit();
        } else {
          form.dataset.pwaCleared = "";
          say(texts.textLogoutOffline);
        }
      });
  }

  // ---- Service worker

  function hello(worker) {
    var message = { type: "hello", session: data.pwaSession || "", precacheUrl: data.pwaPrecache || null };
    if (!data.pwaPrecache || !navigator.onLine) {
      worker.postMessage(message);
      return;
    }
    body.dataset.pwaPrecacheState = "running";
    var channel = new MessageChannel();
    channel.port1.onmessage = function (event) {
      body.dataset.pwaPrecacheState = event.data.precache;
    };
    worker.postMessage(message, [channel.port2]);
  }

  if ("serviceWorker" in navigator && data.pwaSw) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var url = event.data && event.data.url;
      if (event.data.type === "page-updated" && url === window.location.href.split("#")[0]) {
        freshAvailable = true;
        render();
      }
    });
    navigator.serviceWorker
      .register(data.pwaSw, { scope: "/" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        if (registration.active) hello(registration.active);
      })
      .catch(function () {
        // No service worker (private mode, old browser): the site works online as before.
      });
  }

  window.addEventListener("online", connectionChanged);
  window.addEventListener("offline", connectionChanged);
  window.addEventListener("pageshow", connectionChanged);
  window.setInterval(render, 30000);
  connectionChanged();
})();
