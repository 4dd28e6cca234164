/* Service worker of the inspectors' phones: the app shell, the form definitions, today's list, the checklists
   opened, and the inspector's scope for a day without signal: the compact list of every business in scope and
   the blank checklist of each business type (phone.js fills in the business from the list). What is not held
   offline gets our offline page, never the browser's error. Submissions never pass through here: the page
   keeps them in IndexedDB and PUTs them itself, so a cached answer can never be replayed by the cache, and an
   update of this worker cannot strand a held item or a draft (they are not in its caches). */
var SHELL = 'kiemtra-shell-v2', PAGES = 'kiemtra-pages-v1', LIST = '/api/v1/phone/establishments';
var OFFLINE = '/phone/offline', kept = 0, SLOW_MS = 4000;

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(['/static/app.css', '/static/phone.js', '/static/signatures.js', OFFLINE]); })
    .then(function () { return self.skipWaiting(); }));
});

function keepDay() {
  /* At most every five minutes, while online: the forms, the business list, the blank checklists, the outbox. */
  if (Date.now() - kept < 300000) return Promise.resolve();
  kept = Date.now();
  return caches.open(PAGES).then(function (c) {
    var forms = fetch('/api/v1/forms', { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) return null;
      c.put('/api/v1/forms', r.clone());
      return r.json().then(function (list) {
        return Promise.all(list.map(function (f) { return c.add('/api/v1/forms/' + f.id); }).concat([c.add('/phone'), c.add('/phone/outbox')]));
      });
    });
    var businesses = fetch(LIST, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) return null;
      return c.put(LIST, r.clone()).then(function () { return r.json(); }).then(function (d) {
        var types = {};
        d.rows.forEach(function (x) { types[x[d.fields.indexOf('type')]] = 1; });
        return Promise.all(Object.keys(types).map(function (t) { return c.add('/phone/form/' + t).catch(function () {}); }));
      });
    });
    return Promise.all([forms, businesses]);
  }).catch(function () { kept = 0; });
}

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== SHELL && k !== PAGES; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }).then(keepDay));
});

function offline() { return caches.match(OFFLINE).then(function (r) { return r || Response.error(); }); }

function blankFor(url) {
  /* A business never opened on this phone: the blank checklist of its type, if the list holds it. */
  var id = +url.pathname.split('/').pop();
  return caches.match(LIST).then(function (r) { return r && r.json(); }).then(function (d) {
    if (!d) return null;
    var row = d.rows.filter(function (x) { return x[0] === id; })[0];
    return row ? caches.match('/phone/form/' + row[d.fields.indexOf('type')]) : null;
  });
}

function networkFirst(e, req, fallback) {
  /* The network's answer, kept for later; the cache's when the network fails, or when it has not answered
     within a few seconds (a weak signal that hangs rather than fails) and the cache has the page. */
  var fromCache = function () {
    return caches.match(req, { ignoreSearch: req.mode === 'navigate' && !fallback }).then(function (hit) {
      return hit || (fallback ? fallback() : null);
    });
  };
  e.respondWith(new Promise(function (ok) {
    var done = false, give = function (r) { if (!done) { done = true; clearTimeout(timer); ok(r); } };
    var timer = setTimeout(function () { fromCache().then(function (hit) { if (hit) give(hit); }); }, SLOW_MS);
    fetch(req).then(function (res) {
      if (res.ok && !res.redirected) {
        var copy = res.clone();
        caches.open(PAGES).then(function (c) { return c.put(req, copy); });
      }
      give(res);
    }, function () {
      fromCache().then(function (hit) { give(hit || (req.mode === 'navigate' ? offline() : Response.error())); });
    });
  }));
}

self.addEventListener('fetch', function (e) {
  var req = e.request, url = new URL(req.url), p = url.pathname;
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (p === '/login') { kept = 0; e.waitUntil(caches.delete(PAGES)); return; }  /* logged out: forget the pages */
  if (p.indexOf('/static/') === 0 || p === OFFLINE) {
    e.respondWith(caches.match(req).then(function (hit) {
      var net = fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(SHELL).then(function (c) { return c.put(req, copy); }); }
        return res;
      });
      return hit || net;
    }));
    return;
  }
  if (p === '/phone') {
    if (navigator.onLine) e.waitUntil(keepDay());
    return networkFirst(e, req, function () { return caches.match('/phone'); });
  }
  if (p.indexOf('/phone/check/') === 0) return networkFirst(e, req, function () { return blankFor(url); });
  if (p.indexOf('/phone/') === 0 || p.indexOf('/api/v1/forms') === 0 || p === LIST || /^\/inspections\/[^/]+(\/edit)?$/.test(p)) {
    return networkFirst(e, req, null);
  }
  if (req.mode === 'navigate') e.respondWith(fetch(req).catch(offline));
});
