/* The inspector's phone: skip logic and violation summary from the form's own conditions, the best GPS fix,
   photos downscaled to 1600 px JPEG, and an IndexedDB outbox sent with idempotent PUTs. No framework. */
(function () {
  'use strict';
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };

  /* ---- the outbox: one IndexedDB record per submission (answers + photo blobs) until the server has both */
  function open() {
    return new Promise(function (ok, ko) {
      var r = indexedDB.open('kiemtra', 1);
      r.onupgradeneeded = function () { r.result.createObjectStore('outbox', { keyPath: 'uuid' }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { ko(r.error); };
    });
  }
  function tx(mode, fn) {
    return open().then(function (d) {
      return new Promise(function (ok, ko) {
        var t = d.transaction('outbox', mode), req = fn(t.objectStore('outbox'));
        t.oncomplete = function () { d.close(); ok(req.result); };
        t.onerror = t.onabort = function () { d.close(); ko(t.error); };
      });
    });
  }
  var all = function () { return tx('readonly', function (s) { return s.getAll(); }); };
  var save = function (item) { return tx('readwrite', function (s) { return s.put(item); }); };
  var drop = function (uuid) { return tx('readwrite', function (s) { return s.delete(uuid); }); };
  var needLogin = false, flushing = false;

  /* ---- whose items: a shared phone keeps one outbox for everybody, and the server files a submission under
     the session that sends it. So every item carries its owner (the id of the user logged in when it was
     saved, from the page's data-user) and only the logged-in user's items are sent and counted; another
     user's items stay, untouched, until that user logs in again. Items saved before owners existed have
     none: they count as the logged-in user's, as they always did (there is no way to know whose they are). */
  var me = ($('#outbox') || { dataset: {} }).dataset.user || '';
  var mine = function (item) { return !item.owner || item.owner === me; };
  /* A tab left open keeps the user it was rendered for, but its cookie is the newest login's. Every page load
     records its user here and the logout button clears it, so a tab of an earlier user sends nothing. */
  var SESSION = 'kiemtra-user';
  function current() { try { return localStorage.getItem(SESSION) === me; } catch (e) { return true; } }
  function remember(v) { try { localStorage.setItem(SESSION, v); } catch (e) { /* no storage: no tab check */ } }

  async function showOutbox() {
    var el = $('#outbox'), items = [];
    if (!el) return;
    try { items = await all(); } catch (e) { /* private mode without IndexedDB: nothing kept */ }
    var own = items.filter(mine), others = items.length - own.length;
    var bad = own.filter(function (i) { return i.error; }).length, parts = [];
    if (own.length) parts.push(own.length + ' ' + el.dataset.label + (bad ? ' (' + bad + ' ' + el.dataset.failed + ')' : '') +
      (needLogin ? ' ' + el.dataset.login : ''));
    if (others) parts.push(others + ' ' + el.dataset.others);
    el.hidden = !parts.length;
    el.textContent = parts.join(' · ');
  }

  async function send(item) {
    /* Returns false to stop for now (offline, server trouble, login needed); true to go on with the next. */
    var url = '/api/v1/inspections/' + item.uuid, r;
    if (!item.sent) {
      r = await fetch(url, { method: 'PUT', credentials: 'same-origin', body: JSON.stringify(item.body),
        headers: { 'Content-Type': 'application/json', 'X-Device-Time': new Date().toISOString() } });
      if (r.status === 401) { needLogin = true; return false; }
      if (r.status >= 500) return false;
      if (r.status !== 200 && r.status !== 201) { item.error = r.status + ' ' + (await r.text()).slice(0, 400); await save(item); return true; }
      item.sent = true;
      await save(item);
    }
    while (item.photos.length) {
      var p = item.photos[0], f = new FormData();
      f.append('file', p.blob, p.sha + '.jpg');
      r = await fetch(url + '/attachments', { method: 'POST', credentials: 'same-origin', body: f });
      if (r.status === 401) { needLogin = true; return false; }
      if (r.status >= 500) return false;
      if (r.status !== 200 && r.status !== 201) { item.error = r.status + ' ' + (await r.text()).slice(0, 400); await save(item); return true; }
      item.photos.shift();
      await save(item);
    }
    await drop(item.uuid);
    return true;
  }

  async function flushNow() {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    try {
      needLogin = false;
      var items = me && current() ? (await all()).filter(mine) : [];
      for (var i = 0; i < items.length; i++) {
        if (items[i].error) continue;
        if (!(await send(items[i]))) break;
      }
    } catch (e) { /* offline again: the items stay in the outbox */ } finally {
      flushing = false;
      await showOutbox();
      var el = $('#outbox');
      if (el) el.dataset.synced = new Date().toISOString();  /* a sending pass has ended (tests wait for it) */
    }
  }
  function flush() {
    /* One sender across tabs (the PUT is idempotent anyway: a UUID is stored once). */
    if (navigator.locks) navigator.locks.request('kiemtra-outbox', { ifAvailable: true }, function (l) { return l && flushNow(); });
    else flushNow();
  }

  /* ---- skip logic: the same conditions as forms/conditions.py */
  function same(v, e) {
    if (Array.isArray(v)) return v.indexOf(e) >= 0;
    if (typeof v === 'boolean' || typeof e === 'boolean') return v === e;
    return v === e;
  }
  function holds(c, a) {
    if (c.all) return c.all.every(function (x) { return holds(x, a); });
    if (c.any) return c.any.some(function (x) { return holds(x, a); });
    if (c.not) return !holds(c.not, a);
    var v = a[c.q];
    if ('answered' in c) return (v !== undefined) === c.answered;
    if (v === undefined) return false;
    if ('eq' in c) return same(v, c.eq);
    if ('ne' in c) return !same(v, c.ne);
    if ('in' in c) return c.in.some(function (o) { return same(v, o); });
    if (typeof v !== 'number') return false;
    if ('gt' in c) return v > c.gt;
    if ('lt' in c) return v < c.lt;
    if ('ge' in c) return v >= c.ge;
    return v <= c.le;
  }
  var pad = function (n) { return (n < 10 ? '0' : '') + n; };
  function localInput(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  function withOffset(v) {
    var d = new Date(v);
    if (isNaN(d)) return v;
    var o = -d.getTimezoneOffset(), a = Math.abs(o);
    return (v.length === 16 ? v + ':00' : v) + (o < 0 ? '-' : '+') + pad(a / 60 | 0) + ':' + pad(a % 60);
  }

  var photos = {};
  function value(fs) {
    var kind = fs.dataset.kind, q = fs.dataset.q;
    if (kind === 'photo') return photos[q] && photos[q].length ? photos[q].map(function (p) { return p.sha; }) : undefined;
    if (kind === 'multi_choice') {
      var vs = $$('input:checked', fs).map(function (i) { return i.value; });
      return vs.length ? vs : undefined;
    }
    var input = $('input:checked', fs) || $('input:not([type=radio]):not([type=file]),textarea', fs);
    var v = input && input.type !== 'radio' || (input && input.checked) ? input.value.trim() : '';
    if (!v) return undefined;
    if (kind === 'number') return isNaN(Number(v)) ? v : Number(v);
    if (kind === 'datetime') return withOffset(v);
    return v;
  }
  function parse(el, name) { var s = el.dataset[name]; return s ? JSON.parse(s) : null; }

  function evaluate(form) {
    /* Relevant answers in form order (like the engine), hiding what does not apply; and the violations. */
    var a = {}, hits = [], missing = [];
    $$('section.sec', form).forEach(function (sec) {
      var secRel = parse(sec, 'rel'), secOn = !secRel || holds(secRel, a);
      sec.hidden = !secOn;
      $$('fieldset.q', sec).forEach(function (fs) {
        var rel = parse(fs, 'rel'), on = secOn && (!rel || holds(rel, a));
        fs.hidden = !on;
        if (!on || fs.dataset.kind === 'note') return;
        var v = value(fs);
        if (v === undefined) { if (fs.classList.contains('req')) missing.push(fs); return; }
        a[fs.dataset.q] = v;
        var viol = parse(fs, 'viol'), vif = parse(fs, 'vif');
        var hit = (viol && (Array.isArray(v) ? v.some(function (x) { return viol.indexOf(x) >= 0; }) : viol.indexOf(v) >= 0)) || (vif && holds(vif, a));
        if (hit && !fs.dataset.flag) hits.push($('legend', fs).firstChild.textContent.trim());
      });
    });
    var box = $('#summary'), S = $('#t-strings').dataset;
    box.hidden = false;
    box.textContent = '';
    var h = document.createElement('strong');
    h.textContent = hits.length ? S.found + ' (' + hits.length + ')' : S.none;
    box.appendChild(h);
    var ol = document.createElement('ol');
    hits.forEach(function (t) { var li = document.createElement('li'); li.textContent = t; ol.appendChild(li); });
    box.appendChild(ol);
    return { answers: a, violations: hits, missing: missing };
  }

  /* ---- photos: downscaled in the browser to a long side of 1600 px, JPEG, named by their sha256 */
  async function shrink(file) {
    var img;
    try { img = await createImageBitmap(file, { imageOrientation: 'from-image' }); } catch (e) {
      img = await new Promise(function (ok, ko) { var i = new Image(); i.onload = function () { ok(i); }; i.onerror = ko; i.src = URL.createObjectURL(file); });
    }
    var k = Math.min(1, 1600 / Math.max(img.width, img.height)), c = document.createElement('canvas');
    c.width = Math.round(img.width * k); c.height = Math.round(img.height * k);
    c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
    var blob = await new Promise(function (ok) { c.toBlob(ok, 'image/jpeg', 0.82); });
    var digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    var sha = Array.prototype.map.call(digest, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
    return { sha: sha, blob: blob };
  }
  function thumbs(fs) {
    var box = $('.thumbs', fs);
    box.textContent = '';
    (photos[fs.dataset.q] || []).forEach(function (p) { var i = new Image(); i.src = URL.createObjectURL(p.blob); i.alt = ''; box.appendChild(i); });
  }

  /* ---- GPS: watch until accuracy <= 20 m or 30 s, keep the best fix */
  var best = null;
  function metres(a, b, c, d) {
    var r = Math.PI / 180, x = Math.sin((c - a) * r / 2), y = Math.sin((d - b) * r / 2);
    return 12742000 * Math.asin(Math.sqrt(x * x + Math.cos(a * r) * Math.cos(c * r) * y * y));
  }
  function gps() {
    var box = $('#gps'), t = $('#gps-text'), S = $('#t-strings').dataset;
    if (!navigator.geolocation) { t.textContent = S.nofix; return; }
    t.textContent = S.wait;
    var id = null, timer = null;
    function stop() { if (id !== null) navigator.geolocation.clearWatch(id); clearTimeout(timer); if (!best) t.textContent = S.nofix; }
    id = navigator.geolocation.watchPosition(function (p) {
      var c = p.coords;
      if (!best || c.accuracy < best.accuracy_m) {
        best = { lat: c.latitude, lon: c.longitude, accuracy_m: c.accuracy, captured_at: new Date(p.timestamp || Date.now()).toISOString() };
      }
      var s = best.lat.toFixed(6) + ', ' + best.lon.toFixed(6) + ' · ' + S.best + ' ' + Math.round(best.accuracy_m) + ' m · ';
      s += box.dataset.lat ? Math.round(metres(+box.dataset.lat, +box.dataset.lon, best.lat, best.lon)) + ' m ' + S.dist : S.noreg;
      t.textContent = s;
      box.dataset.fix = '1';
      if (best.accuracy_m <= 20) stop();
    }, function () { if (!best) t.textContent = S.nofix; }, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
    timer = setTimeout(stop, 30000);
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = b[6] & 15 | 64; b[8] = b[8] & 63 | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] < 16 ? '0' : '') + b[i].toString(16));
    h = h.join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function checklist(form) {
    var start = $('input[name="q.started_at"]', form);
    var setStart = function () { if (start) start.value = localInput(new Date()); };
    setStart();
    form.addEventListener('change', function (ev) {
      var fs = ev.target.closest('fieldset.q');
      if (fs && fs.dataset.kind === 'photo' && ev.target.files) {
        var files = Array.prototype.slice.call(ev.target.files);
        ev.target.value = '';
        Promise.all(files.map(shrink)).then(function (ps) {
          photos[fs.dataset.q] = (photos[fs.dataset.q] || []).concat(ps);
          thumbs(fs);
          evaluate(form);
        });
        return;
      }
      evaluate(form);
    });
    form.addEventListener('input', function () { evaluate(form); });
    evaluate(form);
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var end = $('input[name="q.ended_at"]', form);
      if (end && !end.value) end.value = localInput(new Date());
      var r = evaluate(form), S = $('#t-strings').dataset;
      $$('fieldset.bad', form).forEach(function (f) { f.classList.remove('bad'); });
      if (r.missing.length || (r.violations.length && r.answers.outcome === 'compliant')) {
        var first = r.missing[0] || $('#q-outcome');
        (r.missing.length ? r.missing : [first]).forEach(function (f) { f.classList.add('bad'); });
        first.scrollIntoView();
        $('#summary').insertAdjacentText('afterbegin', (r.missing.length ? S.missing + ' (' + r.missing.length + ')' : S.conflict) + '. ');
        return;
      }
      var kept = [];
      $$('fieldset.q[data-kind=photo]', form).forEach(function (fs) {
        if (!fs.hidden) (photos[fs.dataset.q] || []).forEach(function (p) { kept.push(p); });
      });
      var now = new Date().toISOString(), note = form.elements.notes.value.trim();
      var item = { uuid: uuid(), owner: me, at: now, name: $('#name').textContent, photos: kept, body: {
        establishment_id: +form.dataset.establishment, form_id: form.dataset.form, form_version: +form.dataset.version,
        started_at: r.answers.started_at || now, submitted_at: now, location: best, answers: r.answers,
        outcome: r.answers.outcome, notes: note } };
      await save(item);
      form.reset();
      photos = {};
      $$('.thumbs', form).forEach(function (b) { b.textContent = ''; });
      setStart();
      evaluate(form);
      $('#done').hidden = false;
      window.scrollTo(0, 0);
      await showOutbox();
      flush();
    });
  }

  function home() {
    var b = $('#locate');
    if (!b || !navigator.geolocation) return;
    b.hidden = false;
    b.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        location.href = '/phone?lat=' + p.coords.latitude.toFixed(6) + '&lon=' + p.coords.longitude.toFixed(6);
      }, function () { b.disabled = true; }, { enableHighAccuracy: true, timeout: 30000 });
    });
    /* Keep today's checklists for the basement without signal. */
    var links = $$('#today a[data-check]').map(function (a) { return a.getAttribute('href'); });
    if (links.length && window.caches) caches.open('kiemtra-pages-v1').then(function (c) { return c.addAll(links); }).catch(function () {});
  }

  if (me) remember(me);
  $$('form[action="/logout"]').forEach(function (f) { f.addEventListener('submit', function () { remember(''); }); });
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(function () {});
  var form = $('#checklist');
  if (form) { checklist(form); gps(); }
  home();
  showOutbox();
  flush();
  window.addEventListener('online', flush);
  setInterval(flush, 15000);
}());
