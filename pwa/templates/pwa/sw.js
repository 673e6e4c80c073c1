/* Aktionskort service worker. Rendered by pwa.views.service_worker; CONFIG comes from Django.
 *
 * Evacuated staff read the card on phones on a hotspot, or with no network at all.
 *
 * What is stored, and how it is fetched:
 * - Static files (CSS, JS, fonts, icons): cache first. Their URLs are hashed in production
 *   and the cache name carries CONFIG.version (a hash of the static files and of this
 *   file), so a deploy starts fresh caches and the old ones are deleted.
 * - Pages (home, cards, scenarios, contacts, incident dashboards): network first; after
 *   CONFIG.networkTimeoutMs, or when the network fails, the stored copy. A page is stored
 *   only for the login session that fetched it (one cache per session marker, the
 *   data-pwa-session attribute the server puts on <body>); a page without a marker (the
 *   login page) is never stored. A new login drops the pages of the previous one.
 * - htmx fragment requests (HX-Request): network only, never stored as pages. When one
 *   answers 200 (something changed; an unchanged dashboard poll answers 204), or pwa.js
 *   reports that the user's own htmx action succeeded, the page behind it is fetched again
 *   and stored, so an open incident dashboard's stored copy is the last state the user saw.
 * - POST and every other non-GET: not touched, so network only. A form sent offline
 *   fails visibly (pwa/static/js/pwa.js stops it first and says why), except the log, tick
 *   and figures forms: static/js/offline-queue.js keeps those in IndexedDB and sends
 *   them when the network is back (the "sync" event below nudges it).
 *
 * How a page knows that it is a stored copy, and how old it is: when the worker stores a
 * page it writes the time (the phone's clock, ms) into the page itself, as
 * data-pwa-saved-at="…" on <body> (the server always sends it empty), and into an
 * X-AK-Saved-At header of the stored response. pwa.js reads the attribute. We chose this
 * over asking the worker with postMessage because the answer travels with the document:
 * the worker may be stopped and restarted between serving the page and the question, a
 * page restored from the back/forward cache never asks again, a message can race with
 * the page's own script, and both ends use the same clock.
 *
 * Precache: after login, pwa.js sends {type: "hello", session, precacheUrl}; the worker
 * fetches the list (with If-None-Match) and stores every page and static file on it, so
 * the whole card is there offline even if it was never opened. Logout: pwa.js deletes
 * every cache and sends {type: "logout"}; the logout response's Clear-Site-Data header
 * does the same again on the browser's side.
 */
"use strict";

const CONFIG = {{ config_json|safe }};
const STATIC_CACHE = "ak-static-" + CONFIG.version;
const PAGES_PREFIX = "ak-pages-";
const META_CACHE = "ak-meta";
const META_URL = new URL("__pwa/state", self.registration.scope).href;
// Re-check the precache list at most this often (an unchanged list then costs one 304).
const PRECACHE_EVERY_MS = 2 * 60 * 1000;
// A dashboard that changes every few seconds is stored at most this often.
const REFRESH_EVERY_MS = 3000;
const SAVED_AT_EMPTY = 'data-pwa-saved-at=""';
const SESSION_RE = /data-pwa-session="([0-9a-f]*)"/;

// Bumped whenever stored pages are dropped (logout, another login): a fetch that was
// already under way must not store its page afterwards.
let generation = 0;
// Sessions logged out on this device: a late response of theirs is never stored again.
const retired = new Set();
const lastRefresh = new Map();
let precacheRun = null;

function pagesCacheName(session) {
  return PAGES_PREFIX + CONFIG.version + "-" + session;
}

function isPage(url) {
  return (
    url.origin === self.location.origin &&
    (url.pathname === CONFIG.home || CONFIG.pagePrefixes.some((p) => url.pathname.startsWith(p)))
  );
}

function pageKey(href) {
  const url = new URL(href, self.location.origin);
  url.hash = "";
  return url.href;
}

// ---- State: {session, precache} in a cache entry, because the browser stops idle workers.

async function readState() {
  const response = await caches.match(META_URL, { cacheName: META_CACHE });
  if (!response) return { session: "" };
  try {
    return await response.json();
  } catch (e) {
    return { session: "" };
  }
}

async function writeState(state) {
  const cache = await caches.open(META_CACHE);
  await cache.put(
    META_URL,
    new Response(JSON.stringify(state), { headers: { "Content-Type": "application/json" } })
  );
}

let stateLock = Promise.resolve();
function withStateLock(fn) {
  const run = stateLock.then(fn, fn);
  stateLock = run.catch(() => undefined);
  return run;
}

async function deletePageCaches(keepName) {
  const names = await caches.keys();
  await Promise.all(
    names.filter((n) => n.startsWith(PAGES_PREFIX) && n !== keepName).map((n) => caches.delete(n))
  );
}

function adoptSession(session) {
  return withStateLock(async () => {
    const state = await readState();
    if (state.session === session) return true;
    if (retired.has(session)) return false;
    generation += 1;
    await deletePageCaches(pagesCacheName(session));
    await writeState({ session });
    return true;
  });
}

function forget() {
  return withStateLock(async () => {
    const state = await readState();
    if (state.session) retired.add(state.session);
    generation += 1;
    await deletePageCaches(null);
    await writeState({ session: "" });
  });
}

// ---- Storing pages

function isStorable(response) {
  return (
    response &&
    response.status === 200 &&
    !response.redirected &&
    response.type === "basic" &&
    (response.headers.get("Content-Type") || "").includes("text/html")
  );
}

async function storePage(key, response, gen) {
  if (!isStorable(response) || gen !== generation) return false;
  const html = await response.text();
  const match = SESSION_RE.exec(html);
  const session = match ? match[1] : "";
  if (!session) return false;
  if (!(await adoptSession(session))) return false;
  const myGeneration = generation;
  const savedAt = Date.now();
  const headers = new Headers(response.headers);
  // The body is decoded and changed: its old length and encoding no longer apply.
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  headers.set("X-AK-Saved-At", String(savedAt));
  const body = html.replace(SAVED_AT_EMPTY, 'data-pwa-saved-at="' + savedAt + '"');
  // Open first, then check: a logout that started meanwhile wins.
  const cache = await caches.open(pagesCacheName(session));
  if (myGeneration !== generation) return false;
  await cache.put(key, new Response(body, { status: 200, statusText: "OK", headers }));
  return true;
}

async function storedPage(key) {
  const state = await readState();
  if (!state.session) return undefined;
  return caches.match(key, { cacheName: pagesCacheName(state.session), ignoreVary: true });
}

// ---- Strategies

async function cacheFirst(request) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic" && !request.headers.has("Range")) {
    cache.put(request, response.clone()).catch(() => undefined);
  }
  return response;
}

async function networkFirst(event) {
  const key = pageKey(event.request.url);
  const gen = generation;
  const network = (async () => (await event.preloadResponse) || fetch(event.request))();
  const stored = network
    .then((response) => storePage(key, response.clone(), gen))
    .catch(() => false);
  event.waitUntil(stored);

  const cached = await storedPage(key);
  if (!cached) return network;
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, CONFIG.networkTimeoutMs, "timeout");
  });
  try {
    const winner = await Promise.race([network, timeout]);
    if (winner === "timeout") {
      // The copy is shown now; tell the page when a fresh one has arrived.
      event.waitUntil(stored.then((ok) => ok && notify(event.resultingClientId, key)));
      return cached;
    }
    // A proxy in front of a dead app server answers 502/503: the copy is better.
    return winner.status >= 500 ? cached : winner;
  } catch (e) {
    return cached;
  } finally {
    clearTimeout(timer);
  }
}

async function notify(clientId, key) {
  const client = clientId && (await self.clients.get(clientId));
  if (client) client.postMessage({ type: "page-updated", url: key });
}

async function fragment(event) {
  const response = await fetch(event.request);
  if (response.status === 200 && event.clientId) {
    event.waitUntil(refreshPageOf(event.clientId).catch(() => undefined));
  }
  return response;
}

async function refreshPageOf(clientId, force) {
  const client = await self.clients.get(clientId);
  if (!client || !isPage(new URL(client.url))) return;
  const key = pageKey(client.url);
  const now = Date.now();
  if (!force && now - (lastRefresh.get(key) || 0) < REFRESH_EVERY_MS) return;
  lastRefresh.set(key, now);
  const gen = generation;
  const response = await fetch(key, { cache: "no-store", credentials: "same-origin" });
  await storePage(key, response, gen);
}

// ---- Precache

async function pool(items, size, worker) {
  const queue = items.slice();
  const runners = Array.from({ length: Math.min(size, queue.length) }, async () => {
    while (queue.length) {
      const item = queue.shift();
      try {
        await worker(item);
      } catch (e) {
        // One unreachable page must not stop the others; it is retried next time.
      }
    }
  });
  await Promise.all(runners);
}

async function precache(url, session) {
  const gen = generation;
  const state = await readState();
  const last = state.precache;
  const same = last && last.session === session && last.version === CONFIG.version;
  if (same && Date.now() - last.at < PRECACHE_EVERY_MS) {
    return { precache: "done", pages: last.pages };
  }
  const headers = same && last.etag ? { "If-None-Match": last.etag } : {};
  const response = await fetch(url, { headers, cache: "no-store", credentials: "same-origin" });
  let result;
  if (response.status === 304 && same) {
    result = { ...last, at: Date.now() };
  } else {
    if (!response.ok || response.redirected) return { precache: "failed", status: response.status };
    const list = await response.json();
    if (list.session !== session) return { precache: "failed", status: "session" };
    const staticCache = await caches.open(STATIC_CACHE);
    await pool(list.static, 4, async (u) => {
      if (await staticCache.match(u)) return;
      const r = await fetch(u);
      if (r.ok) await staticCache.put(u, r);
    });
    let pages = 0;
    await pool(list.pages, 3, async (u) => {
      const key = pageKey(u);
      const r = await fetch(key, { cache: "no-store", credentials: "same-origin" });
      if (await storePage(key, r, gen)) pages += 1;
    });
    const complete = pages === list.pages.length;
    result = {
      session,
      version: CONFIG.version,
      // Without the ETag an incomplete run is repeated in full next time.
      etag: complete ? response.headers.get("ETag") : null,
      at: Date.now(),
      pages,
      total: list.pages.length,
    };
  }
  if (gen !== generation) return { precache: "failed", status: "logout" };
  await withStateLock(async () => {
    const current = await readState();
    if (current.session === session) await writeState({ ...current, precache: result });
  });
  return { precache: result.pages === result.total ? "done" : "partial", pages: result.pages };
}

async function hello(data) {
  const session = data.session || "";
  if (!session) {
    // A page without a session (login page, expired session): nothing may stay stored.
    await forget();
    return { precache: "none" };
  }
  if (!(await adoptSession(session))) return { precache: "none" };
  if (!data.precacheUrl) return { precache: "none" };
  if (!precacheRun || precacheRun.session !== session) {
    const promise = precache(data.precacheUrl, session).finally(() => {
      if (precacheRun && precacheRun.promise === promise) precacheRun = null;
    });
    precacheRun = { session, promise };
  }
  return precacheRun.promise;
}

// ---- Events

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(STATIC_CACHE);
      // "no-cache": a stale copy in the HTTP cache must not end up in a new version.
      await cache.addAll(CONFIG.shell.map((u) => new Request(u, { cache: "no-cache" })));
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // Pages of an older version point at its static files, which go with it.
      const current = pagesCacheName("");
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((n) => n.startsWith("ak-") && n !== STATIC_CACHE && n !== META_CACHE)
          .filter((n) => !n.startsWith(current))
          .map((n) => caches.delete(n))
      );
      if (self.registration.navigationPreload) {
        // The page request starts while the worker boots: one round trip less on 3G.
        await self.registration.navigationPreload.enable();
      }
      await self.clients.claim();
    })()
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(CONFIG.staticUrl)) {
    event.respondWith(cacheFirst(request));
  } else if (request.headers.has("HX-Request")) {
    event.respondWith(fragment(event));
  } else if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(networkFirst(event));
  } else if (request.mode === "navigate") {
    // With navigation preload on, a navigation left to the browser is sent twice (the
    // preload, then the browser's own request). Harmless for a page, fatal for a
    // one-time URL such as the sign-in callback (its code is single-use): so the
    // preload, if any, is the answer.
    event.respondWith((async () => (await event.preloadResponse) || fetch(request))());
  }
});

// Background Sync (where the browser has it): the offline queue lives in the page
// (static/js/offline-queue.js, IndexedDB), so the worker asks every open page to send it.
// The page's own online/visibility handlers do the same where there is no Sync.
self.addEventListener("sync", (event) => {
  if (event.tag !== "ak-offline-queue") return;
  event.waitUntil(
    self.clients
      .matchAll({ type: "window" })
      .then((all) => all.forEach((c) => c.postMessage({ type: "offline-queue-sync" })))
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const reply = (message) => port && port.postMessage(message);
  if (data.type === "hello") {
    event.waitUntil(
      hello(data).then(reply, (e) => reply({ precache: "failed", status: String(e) }))
    );
  } else if (data.type === "refresh" && event.source) {
    // The user's own htmx action succeeded (a POST, which this worker never touches):
    // the page's stored copy must show it, and the next poll will answer 204.
    event.waitUntil(refreshPageOf(event.source.id, true).catch(() => undefined));
  } else if (data.type === "logout") {
    event.waitUntil(forget().then(() => reply({ ok: true })));
  }
});

// --- Alerts by Web Push (alerts/): show the alert; a tap opens its acknowledgement page.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Aktionskort", {
    body: data.body || "", tag: data.tag, data: { url: data.url }, requireInteraction: true,
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  if (url) event.waitUntil(self.clients.openWindow(url));
});
