// ShopLedger with a weak or no connection: the service worker, the offline notice, and the sync queue.
//
// A payment or a note saved while offline is kept on the phone (IndexedDB), listed as "waiting to sync", and
// sent when the connection returns: once, because it carries the form's idempotency key, which the server
// honours; with a fresh CSRF token, fetched just before. What the server refuses (the session ended, the
// invoice was voided meanwhile, the customer is gone) stays in the list with the reason until the person
// decides; nothing is dropped silently. The words come from #pwa's data attributes, already translated.
(function () {
  "use strict";

  var DB_NAME = "shopledger";
  var STORE = "pending";
  var RETRY_MS = 30000;
  var REFUSALS = [400, 401, 403, 404, 409, 410, 422];

  function root() { return document.getElementById("pwa"); }
  function words(name) { var r = root(); return (r && r.dataset[name]) || ""; }

  // ---- The phone's store --------------------------------------------------------------------------

  function openStore() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openStore().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result;
        transaction.oncomplete = function () { db.close(); resolve(result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
        transaction.onabort = function () { db.close(); reject(transaction.error); };
        var request = work(transaction.objectStore(STORE));
        if (request) request.onsuccess = function () { result = request.result; };
      });
    });
  }

  function allEntries() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (entries) {
      return (entries || []).sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    }, function () { return []; });
  }
  function saveEntry(entry) { return withStore("readwrite", function (store) { return store.put(entry); }); }
  function dropEntry(id) { return withStore("readwrite", function (store) { return store.delete(id); }); }
  function changeEntry(entry, changes) {
    Object.keys(changes).forEach(function (name) { entry[name] = changes[name]; });
    return saveEntry(entry);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---- What is shown --------------------------------------------------------------------------------

  function formatTime(iso) {
    var when = new Date(iso);
    if (isNaN(when)) return "";
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
        { dateStyle: "medium", timeStyle: "short" }).format(when);
    } catch (error) { return when.toLocaleString(); }
  }

  function showConnection() {
    var r = root();
    if (!r) return;
    var banner = r.querySelector("[data-connection]");
    var copiedAt = document.documentElement.getAttribute("data-offline-copy");
    var offline = !navigator.onLine || r.hasAttribute("data-unreachable");
    var now = banner.querySelector("[data-offline-now]");
    var copy = banner.querySelector("[data-offline-copy-note]");
    if (copiedAt) copy.textContent = words("copyNote").replace("{time}", formatTime(copiedAt));
    now.hidden = !!copiedAt;
    copy.hidden = !copiedAt;
    banner.hidden = !(offline || copiedAt);
  }

  function toast(message, kind) {
    var toasts = document.getElementById("toasts");
    if (!toasts) return;
    var box = document.createElement("div");
    box.className = "toast " + (kind || "success");
    box.setAttribute("data-settled", "");
    if (kind === "error") box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", words("close"));
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(text);
    box.appendChild(close);
    toasts.appendChild(box);
    if (kind !== "error") {
      setTimeout(function () { box.classList.add("leaving"); setTimeout(function () { box.remove(); }, 400); }, 6000);
    }
  }

  var STATE_WORDS = { waiting: "stateWaiting", sending: "stateSending", blocked: "stateBlocked", conflict: "stateConflict" };

  function renderQueue() {
    var r = root();
    if (!r) return Promise.resolve();
    return allEntries().then(function (entries) {
      var r = root();
      if (!r) return;
      var box = r.querySelector("[data-queue]");
      var list = box.querySelector("ul");
      var template = r.querySelector("template[data-queue-entry]");
      list.textContent = "";
      entries.forEach(function (entry) {
        var item = template.content.firstElementChild.cloneNode(true);
        item.setAttribute("data-entry", entry.id);
        item.classList.add("is-" + entry.state);
        item.querySelector("[data-summary]").textContent = entry.summary;
        item.querySelector("[data-state]").textContent = words(STATE_WORDS[entry.state] || "stateWaiting");
        item.querySelector("[data-saved]").textContent = formatTime(entry.created);
        var problem = item.querySelector("[data-problem]");
        problem.textContent = entry.problem || "";
        problem.hidden = !entry.problem;
        var retry = item.querySelector("[data-retry]");
        retry.hidden = entry.state === "waiting" || entry.state === "sending";
        retry.addEventListener("click", function () { changeEntry(entry, { state: "waiting", problem: null }).then(sync); });
        item.querySelector("[data-discard]").addEventListener("click", function () {
          if (window.confirm(words("discardConfirm").replace("{summary}", entry.summary))) {
            dropEntry(entry.id).then(renderQueue);
          }
        });
        list.appendChild(item);
      });
      box.hidden = entries.length === 0;
      var count = r.querySelector("[data-queue-count]");
      if (count) count.textContent = String(entries.length);
    });
  }

  // ---- Keeping a form on the phone ------------------------------------------------------------------

  function fieldText(form, name) {
    var field = form.elements.namedItem(name);
    if (!field) return "";
    if (field.tagName === "SELECT") {
      var option = field.options[field.selectedIndex];
      return option ? option.text.trim() : "";
    }
    return (field.value || "").trim();
  }

  // A sentence in the page's language with what was typed in it, each typed part set apart (first-strong
  // isolate ... pop) so that a Latin name or an amount does not turn an Urdu sentence round.
  function summarise(form) {
    var template = form.getAttribute("data-offline-summary") || "";
    return template.replace(/\{([a-z_]+)\}/g, function (whole, name) {
      var text = fieldText(form, name);
      // The amount as the shop writes money ("Rs 0" with the typed amount in place of the 0).
      if (name === "amount" && text) text = (form.getAttribute("data-offline-money") || "0").replace("0", text);
      if (text.length > 60) text = text.slice(0, 57) + "…";
      return "\u2068" + text.trim() + "\u2069";
    });
  }

  function noteOnForm(form, message) {
    var note = form.querySelector("[data-offline-saved]");
    if (!note) {
      note = document.createElement("p");
      note.className = "notice info small offline-saved";
      note.setAttribute("data-offline-saved", "");
      note.setAttribute("role", "status");
      form.insertBefore(note, form.firstChild);
    }
    note.textContent = message;
  }

  function capture(form) {
    var r = root();
    var required = form.getAttribute("data-offline-required");
    if (required && !fieldText(form, required)) {
      var missing = form.elements.namedItem(required);
      if (missing && missing.focus) missing.focus();
      noteOnForm(form, words("fillFirst"));
      return Promise.resolve(false);
    }
    var keyField = form.elements.namedItem("idempotency_key");
    var key = keyField && keyField.value ? keyField.value : newKey();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "idempotency_key" && typeof value === "string") fields.push([name, value]);
    });
    fields.push(["idempotency_key", key]);
    var entry = {
      id: key, user: r ? r.dataset.user : "", kind: form.getAttribute("data-offline"),
      action: form.getAttribute("hx-post") || form.getAttribute("action"), fields: fields,
      summary: summarise(form), page: location.pathname, created: new Date().toISOString(),
      state: "waiting", problem: null
    };
    return saveEntry(entry).then(function () {
      form.reset();
      // A form drawn filled in (the payment form for an invoice) starts empty: tapping again is not a second payment.
      var requiredField = required && form.elements.namedItem(required);
      if (requiredField) { requiredField.defaultValue = ""; requiredField.value = ""; }
      if (keyField) {
        var fresh = newKey();  // the next payment is another payment
        keyField.setAttribute("value", fresh);
        keyField.value = fresh;
      }
      noteOnForm(form, words("savedNote").replace("{summary}", entry.summary));
      return renderQueue().then(function () { return true; });
    }, function () {
      noteOnForm(form, words("cannotKeep"));
      return false;
    });
  }

  // Offline already: keep the form instead of sending it (before htmx sees the submit).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-offline") || navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    capture(form);
  }, true);

  // The request failed on the way (no answer at all): keep the form, or load a page the normal way so that
  // the service worker can show the copy it kept or the offline page.
  document.addEventListener("htmx:sendError", function (event) {
    var detail = event.detail || {};
    var config = detail.requestConfig || {};
    var r = root();
    if (r) { r.setAttribute("data-unreachable", ""); showConnection(); }
    var form = config.elt && config.elt.closest ? config.elt.closest("form[data-offline]") : null;
    if (form && config.verb === "post") { capture(form); return; }
    if (detail.boosted && config.verb === "get" && detail.pathInfo) {
      window.location.assign(detail.pathInfo.finalRequestPath || detail.pathInfo.requestPath);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var r = root();
    if (r && xhr && xhr.status > 0 && r.hasAttribute("data-unreachable")) {
      r.removeAttribute("data-unreachable");
      showConnection();
      sync();
    }
  });

  // ---- Sending what was kept --------------------------------------------------------------------------

  function refusalText(status, body) {
    var reasons = [];
    try {
      var page = new DOMParser().parseFromString(body || "", "text/html");
      page.querySelectorAll(".error-text, .form-errors p, .toast p").forEach(function (node) {
        var text = node.textContent.trim();
        if (text && reasons.indexOf(text) < 0) reasons.push(text);
      });
    } catch (error) { /* not HTML */ }
    var general = status === 403 ? words("problemForbidden") : status === 404 ? words("problemGone") : words("problemRefused");
    return reasons.length ? general + " " + reasons.join(" ") : general;
  }

  function send(entry, token) {
    return changeEntry(entry, { state: "sending" }).then(function () {
      var body = new URLSearchParams();
      entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      body.set("csrf_token", token);
      return fetch(entry.action, {
        method: "POST", body: body, credentials: "same-origin", redirect: "manual",
        headers: { "X-CSRFToken": token, "HX-Request": "true", "X-ShopLedger-Replay": "1" }
      });
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        // Sent to the login page: the session ended between the token and the request.
        return changeEntry(entry, { state: "blocked", problem: words("problemSession") });
      }
      if (response.ok) {
        return dropEntry(entry.id).then(function () {
          toast(words("synced").replace("{summary}", entry.summary));
          document.dispatchEvent(new CustomEvent("shopledger:synced", { detail: { kind: entry.kind, id: entry.id } }));
        });
      }
      if (REFUSALS.indexOf(response.status) >= 0) {
        return response.text().then(function (text) {
          var problem = refusalText(response.status, text);
          toast(words("notSent").replace("{summary}", entry.summary) + " " + problem, "error");
          return changeEntry(entry, { state: "conflict", problem: problem });
        });
      }
      return changeEntry(entry, { state: "waiting", problem: null });  // busy or failing: again later
    }, function () {
      return changeEntry(entry, { state: "waiting", problem: null });  // no connection after all
    });
  }

  function sendAll() {
    return allEntries().then(function (entries) {
      var due = entries.filter(function (entry) { return entry.state !== "conflict"; });
      if (!due.length || !root()) return;
      return fetch(root().dataset.session, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 401) {
            return Promise.all(due.map(function (entry) {
              return changeEntry(entry, { state: "blocked", problem: words("problemSession") });
            }));
          }
          if (!response.ok) return;
          return response.json().then(function (session) {
            return due.reduce(function (previous, entry) {
              return previous.then(function () {
                if (entry.user && entry.user !== session.user) {
                  return changeEntry(entry, { state: "blocked", problem: words("problemOtherLogin") });
                }
                return send(entry, session.csrf_token);
              });
            }, Promise.resolve());
          });
        }, function () { /* still no connection */ });
    });
  }

  var running = null;
  function sync() {
    if (running) return running;
    var work = function () { return sendAll(); };
    // One tab sends at a time: two tabs sending the same entry would still be one payment, but one toast is enough.
    var locked = navigator.locks ? navigator.locks.request("shopledger-sync", work) : work();
    running = Promise.resolve(locked).catch(function () {}).then(function () {
      running = null;
      return renderQueue();
    });
    return running;
  }

  // ---- Logging out ------------------------------------------------------------------------------------

  function askWorkerToForget() {
    if (!navigator.serviceWorker || !navigator.serviceWorker.controller) return Promise.resolve();
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { resolve(); };
      navigator.serviceWorker.controller.postMessage({ type: "logout" }, [channel.port2]);
      setTimeout(resolve, 1500);
    });
  }

  // Logging out deletes what this phone keeps (the server also sends Clear-Site-Data): say so first when
  // something was never sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var r = root();
    if (!r || !form || form.getAttribute("action") !== r.dataset.logout || form.hasAttribute("data-forgotten")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    allEntries().then(function (entries) {
      if (entries.length && !window.confirm(words("logoutWarning").replace("{count}", String(entries.length)))) return;
      return askWorkerToForget().then(function () {
        form.setAttribute("data-forgotten", "");
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      });
    });
  }, true);

  // ---- Wiring -----------------------------------------------------------------------------------------

  // On the first page, and on any later page (boosted or not) that no worker controls: after a logout,
  // Clear-Site-Data has removed it, and the next page brings it back. Registering again is free.
  function register(force) {
    var r = root();
    if (!("serviceWorker" in navigator) || !r || !r.dataset.serviceWorker) return;
    if (force !== true && navigator.serviceWorker.controller) return;
    navigator.serviceWorker.register(r.dataset.serviceWorker, { scope: "/" }).catch(function () {});
  }

  function refresh() {
    showConnection();
    renderQueue();
  }

  window.addEventListener("load", function () { register(true); });
  document.addEventListener("htmx:afterSettle", register);
  window.addEventListener("online", function () {
    var r = root();
    if (r) r.removeAttribute("data-unreachable");
    showConnection();
    sync();
  });
  window.addEventListener("offline", showConnection);
  document.addEventListener("DOMContentLoaded", function () { refresh(); if (navigator.onLine) sync(); });
  // A page swapped in may be the one after logging in again: send what waited for it.
  document.addEventListener("htmx:afterSettle", function () { refresh(); if (navigator.onLine) sync(); });
  setInterval(function () { if (navigator.onLine) sync(); }, RETRY_MS);

  window.ShopLedgerSync = { sync: sync, entries: allEntries };
})();
