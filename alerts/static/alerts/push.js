// Subscribes this browser to alerts by Web Push: the button is shown only where the
// browser can, and the VAPID public key is set; the PushSubscription JSON is posted once.
(function () {
  "use strict";

  function keyBytes(base64url) {
    const padded = base64url + "=".repeat((4 - (base64url.length % 4)) % 4);
    const raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  async function subscribe(button) {
    const state = button.parentElement.querySelector("[data-push-state]");
    const say = (text) => { if (state) state.textContent = text; };
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        say("Push er ikke tilladt i browseren."); return;
      }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.pushKey),
      });
      const response = await fetch(button.dataset.pushUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(subscription.toJSON()),
      });
      say(response.ok ? "Denne telefon får nu alarmer som push." : "Kunne ikke gemme abonnementet.");
    } catch (e) {
      say("Push kunne ikke slås til her.");
    }
  }

  function setUp(root) {
    const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    root.querySelectorAll("[data-push-subscribe]").forEach((button) => {
      if (!supported || !button.dataset.pushKey || button.dataset.pushReady) return;
      button.dataset.pushReady = "1";
      button.hidden = false;
      button.addEventListener("click", () => subscribe(button));
    });
  }

  document.addEventListener("DOMContentLoaded", () => setUp(document));
  document.addEventListener("htmx:load", (event) => setUp(event.target));
})();
