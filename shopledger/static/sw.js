// ShopLedger's service worker, served from /sw.js with self.SHOPLEDGER set above this line by the server:
// { release, precache: [hashed URLs and the offline page], offline: "/offline", static: "/static/" }.
//
// - The shell (styles, scripts, fonts, icons, the offline page) is kept in a cache named for the release;
//   a new release installs a new cache and deletes the old ones, so no page is ever left on stale files.
// - Pages always come from the network. The lists the server marks "X-ShopLedger-Offline: keep" (customers,
//   jobs) are also kept, in a cache of the member's own ("X-ShopLedger-User"), and shown only to that member,
//   only for a navigation, only when the network fails. Fragments (htmx requests) are never answered from a cache.
// - A page for a visitor ("-"), another member, or a logout message drops every kept page.
"use strict";

const SETTINGS = self.SHOPLEDGER;
const PREFIX = "shopledger-";
const STATIC_CACHE = `${PREFIX}static-${SETTINGS.release}`;
const PAGES_PREFIX = `${PREFIX}pages-${SETTINGS.release}-`;
const STATE_CACHE = `${PREFIX}state-${SETTINGS.release}`;
const WHO = "/__shopledger/who";
const SAVED_AT = "X-ShopLedger-Saved-At";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then((cache) => cache.addAll(SETTINGS.precache.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((name) => name.startsWith(PREFIX) && name !== STATIC_CACHE && name !== STATE_CACHE
          && !name.startsWith(PAGES_PREFIX))
        .map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

// The member whose pages are kept now, or null.
async function currentMember() {
  const state = await caches.open(STATE_CACHE);
  const found = await state.match(WHO);
  return found ? found.text() : null;
}

async function setMember(member) {
  const state = await caches.open(STATE_CACHE);
  if (member) await state.put(WHO, new Response(member));
  else await state.delete(WHO);
}

async function dropPages(except) {
  const names = await caches.keys();
  await Promise.all(names
    .filter((name) => name.startsWith(`${PREFIX}pages-`) && name !== except)
    .map((name) => caches.delete(name)));
}

// Remember whose pages these are now, and keep a copy of the page when the server says it may be read offline.
async function remember(url, response) {
  const member = response.headers.get("X-ShopLedger-User");
  if (member === null) return;  // not one of the app's pages (a redirect, a file)
  if (member === "-") {
    await setMember(null);
    await dropPages();
    return;
  }
  if (await currentMember() !== member) {
    await dropPages(PAGES_PREFIX + member);
    await setMember(member);
  }
  if (response.status !== 200 || response.headers.get("X-ShopLedger-Offline") !== "keep") return;
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  headers.delete("Set-Cookie");
  const copy = new Response(await response.text(), { status: 200, statusText: "OK", headers });
  const pages = await caches.open(PAGES_PREFIX + member);
  await pages.put(url.pathname + url.search, copy);
}

// The member's kept copy of this address, else of the same list as it was last seen; marked as a copy.
async function keptPage(url) {
  const member = await currentMember();
  if (!member) return null;
  const pages = await caches.open(PAGES_PREFIX + member);
  let found = await pages.match(url.pathname + url.search, { ignoreVary: true });
  if (!found) {
    let newest = null;
    for (const request of await pages.keys()) {
      if (new URL(request.url).pathname !== url.pathname) continue;
      const candidate = await pages.match(request, { ignoreVary: true });
      if (!newest || candidate.headers.get(SAVED_AT) > newest.headers.get(SAVED_AT)) newest = candidate;
    }
    found = newest;
  }
  if (!found) return null;
  const savedAt = found.headers.get(SAVED_AT) || "";
  const html = (await found.text()).replace(/<html\b/, `<html data-offline-copy="${savedAt.replace(/[^0-9TZ:.-]/g, "")}"`);
  const headers = new Headers(found.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return new Response(html, { status: 200, statusText: "OK", headers });
}

async function offlinePage() {
  const shell = await caches.open(STATIC_CACHE);
  return (await shell.match(SETTINGS.offline, { ignoreVary: true }))
    || new Response("You are offline. / آپ آف لائن ہیں۔", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

async function navigate(event) {
  const url = new URL(event.request.url);
  try {
    const response = await fetch(event.request);
    event.waitUntil(remember(url, response.clone()).catch(() => {}));
    return response;
  } catch (error) {
    return (await keptPage(url)) || offlinePage();
  }
}

// An htmx request: always the network. A boosted page the server marks may be kept for reading offline
// later (as a navigation); nothing is ever answered from a cache here.
async function htmxRequest(event) {
  const url = new URL(event.request.url);
  const response = await fetch(event.request);
  if (event.request.headers.get("HX-Boosted") === "true") {
    event.waitUntil(remember(url, response.clone()).catch(() => {}));
  }
  return response;
}

// Static files are named by their content: the cached copy is the right one; fetch and keep what is missing.
async function staticFile(request) {
  const shell = await caches.open(STATIC_CACHE);
  const found = await shell.match(request, { ignoreVary: true });
  if (found) return found;
  const response = await fetch(request);
  if (response.ok && /\.[0-9a-f]{10}\.[A-Za-z0-9]+$/.test(new URL(request.url).pathname)) {
    await shell.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (request.headers.get("HX-Request") === "true") {
    event.respondWith(htmxRequest(event));
  } else if (url.pathname.startsWith(SETTINGS.static)) {
    event.respondWith(staticFile(request));
  }
});

// Logging out: drop every kept page and whose they were, and start the shell's cache afresh.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "logout") return;
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith(PREFIX)).map((name) => caches.delete(name))))
      .then(() => caches.open(STATIC_CACHE))
      .then((cache) => cache.addAll(SETTINGS.precache))
      .then(() => { if (event.ports && event.ports[0]) event.ports[0].postMessage("cleared"); })
      .catch(() => { if (event.ports && event.ports[0]) event.ports[0].postMessage("failed"); })
  );
});
