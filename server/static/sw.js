/* Service worker of the inspectors' phones: the app shell, the form definitions, today's list and the
   checklists opened, kept for working without a signal. Submissions never pass through here: the page keeps
   them in IndexedDB and PUTs them itself, so a cached answer can never be replayed by the cache. */
var SHELL = 'kiemtra-shell-v1', PAGES = 'kiemtra-pages-v1';

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(['/static/app.css', '/static/phone.js']); })
    .then(function () { return self.skipWaiting(); }));
});

function keepForms() {
  return caches.open(PAGES).then(function (c) {
    return fetch('/api/v1/forms', { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) return null;
      c.put('/api/v1/forms', r.clone());
      return r.json().then(function (list) {
        return Promise.all(list.map(function (f) { return c.add('/api/v1/forms/' + f.id); }).concat([c.add('/phone')]));
      });
    });
  }).catch(function () {});
}

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== SHELL && k !== PAGES; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }).then(keepForms));
});

function networkFirst(e, req, fallback) {
  e.respondWith(fetch(req).then(function (res) {
    if (res.ok && !res.redirected) {
      var copy = res.clone();
      e.waitUntil(caches.open(PAGES).then(function (c) { return c.put(req, copy); }));
    }
    return res;
  }).catch(function () {
    return caches.match(req).then(function (hit) { return hit || (fallback && caches.match(fallback)) || Response.error(); });
  }));
}

self.addEventListener('fetch', function (e) {
  var req = e.request, url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname === '/login') { e.waitUntil(caches.delete(PAGES)); return; }  /* logged out: forget the pages */
  if (url.pathname.indexOf('/static/') === 0) {
    e.respondWith(caches.match(req).then(function (hit) {
      var net = fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(SHELL).then(function (c) { return c.put(req, copy); }); }
        return res;
      });
      return hit || net;
    }));
    return;
  }
  if (url.pathname === '/phone') return networkFirst(e, req, '/phone');
  if (url.pathname.indexOf('/phone/check/') === 0 || url.pathname.indexOf('/api/v1/forms') === 0) return networkFirst(e, req, null);
});
