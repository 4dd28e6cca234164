/* The inspector's phone: skip logic and violation summary from the form's own conditions, the best GPS fix,
   photos downscaled to 1600 px JPEG, drafts kept while typing, an IndexedDB outbox sent with idempotent PUTs
   (its page lists, sends, discards, exports and imports items) and the offline business list. No framework. */
(function () {
  'use strict';
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
  var T = function (id) { var t = $(id); return t ? t.dataset : {}; };
  var B = T('#t-box'), S = T('#t-strings');
  var el = function (tag, text, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; };

  /* ---- IndexedDB: the outbox (one record per submission: answers + photo blobs, until the server has both)
     and, in a database of their own, the drafts of open forms (keyed by the page's path). */
  function open(name, store, key) {
    return new Promise(function (ok, ko) {
      var r = indexedDB.open(name, 1);
      r.onupgradeneeded = function () { r.result.createObjectStore(store, { keyPath: key }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { ko(r.error); };
    });
  }
  function tx(name, store, key, mode, fn) {
    return open(name, store, key).then(function (d) {
      return new Promise(function (ok, ko) {
        var t = d.transaction(store, mode), req = fn(t.objectStore(store));
        t.oncomplete = function () { d.close(); ok(req.result); };
        t.onerror = t.onabort = function () { d.close(); ko(t.error); };
      });
    });
  }
  var box = function (mode, fn) { return tx('kiemtra', 'outbox', 'uuid', mode, fn); };
  var all = function () { return box('readonly', function (s) { return s.getAll(); }); };
  var one = function (uuid) { return box('readonly', function (s) { return s.get(uuid); }); };
  var save = function (item) { return box('readwrite', function (s) { return s.put(item); }); };
  var drop = function (uuid) { return box('readwrite', function (s) { return s.delete(uuid); }); };
  var drafts = function (mode, fn) { return tx('kiemtra-drafts', 'drafts', 'key', mode, fn); };
  var needLogin = false, running = null, sendingNow = null, lastStop = '';

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
    var e = $('#outbox'), items = [];
    if (!e) return;
    try { items = await all(); } catch (x) { /* private mode without IndexedDB: nothing kept */ }
    var own = items.filter(mine), others = items.length - own.length;
    var bad = own.filter(function (i) { return i.error; }).length, parts = [];
    if (own.length) parts.push(own.length + ' ' + e.dataset.label + (bad ? ' (' + bad + ' ' + e.dataset.failed + ')' : '') +
      (needLogin ? ' ' + e.dataset.login : ''));
    if (others) parts.push(others + ' ' + e.dataset.others);
    e.hidden = !parts.length;
    e.textContent = parts.join(' · ');
    if ($('#items')) listItems(items);
  }

  /* The server's refusal in its own words (the problem's detail, then each field's message, in the user's
     language); our phrase for the status when it said nothing readable (not JSON, or a bare code). */
  function reason(item) {
    var p = item.problem || {}, st = item.status || parseInt(item.error, 10);
    var said = [p.detail].concat((p.errors || []).map(function (x) { return x.message; })).filter(function (m, i, a) {
      return m && m !== p.code && a.indexOf(m) === i;
    });
    if (said.length) return said.map(function (m) { return /[.!?…]$/.test(m) ? m : m + '.'; }).join(' ');
    return B['r' + st] || (B.rother + ' (' + st + ')');
  }
  async function refuse(item, r) {
    var text = await r.text(), p = {};
    try { p = JSON.parse(text); } catch (x) { /* not problem+json */ }
    item.status = r.status; item.problem = { code: p.code, detail: p.detail, errors: (p.errors || []).slice(0, 20) };
    item.error = r.status + ' ' + text.slice(0, 400);
    await save(item);
  }

  async function send(item) {
    /* Returns false to stop for now (offline, server trouble, login needed); true to go on with the next. */
    var url = '/api/v1/inspections/' + item.uuid, r;
    sendingNow = item.uuid;
    if ($('#items')) await showOutbox();
    if (!item.sent) {
      r = await fetch(url, { method: 'PUT', credentials: 'same-origin', body: JSON.stringify(item.body),
        headers: { 'Content-Type': 'application/json', 'X-Device-Time': new Date().toISOString() } });
      if (r.status === 401) { needLogin = true; lastStop = 'relogin'; return false; }
      if (r.status >= 500) { lastStop = 'server'; return false; }
      if (r.status !== 200 && r.status !== 201) { await refuse(item, r); return true; }
      item.sent = true;
      await save(item);
    }
    while (item.photos.length) {
      var p = item.photos[0], f = new FormData();
      f.append('file', p.blob, p.sha + '.jpg');
      r = await fetch(url + '/attachments', { method: 'POST', credentials: 'same-origin', body: f });
      if (r.status === 401) { needLogin = true; lastStop = 'relogin'; return false; }
      if (r.status >= 500) { lastStop = 'server'; return false; }
      if (r.status !== 200 && r.status !== 201) { await refuse(item, r); return true; }
      item.photos.shift();
      await save(item);
    }
    await drop(item.uuid);
    sentHere[item.uuid] = item;
    return true;
  }
  var sentHere = {};

  async function flushNow(only) {
    if (!navigator.onLine) { lastStop = 'offline'; return; }
    try {
      needLogin = false; lastStop = '';
      var items = me && current() ? (await all()).filter(mine) : [];
      items.sort(function (a, b) { return a.at < b.at ? -1 : 1; });
      for (var i = 0; i < items.length; i++) {
        if (only ? items[i].uuid !== only : items[i].error) continue;
        if (!(await send(items[i]))) break;
      }
    } catch (e) { lastStop = 'offline'; /* offline again: the items stay in the outbox */ } finally {
      sendingNow = null;
      await showOutbox();
      var o = $('#outbox');
      if (o) o.dataset.synced = new Date().toISOString();  /* a sending pass has ended (tests wait for it) */
    }
  }
  function flush(wait, only) {
    /* One sender across tabs (the PUT is idempotent anyway: a UUID is stored once). */
    if (running) return wait ? running.then(function () { return flush(wait, only); }) : running;
    var go = function () { return flushNow(only); };
    running = (navigator.locks ? navigator.locks.request('kiemtra-outbox', wait ? {} : { ifAvailable: true },
      function (l) { return l && go(); }) : go()).finally(function () { running = null; });
    return running;
  }

  /* ---- the outbox page: every item this phone holds, newest first */
  function stateOf(item) {
    if (item.error) return ['refused', B.refused];
    if (item.uuid === sendingNow) return ['sending', B.sending];
    return item.sent ? ['photos', B.photos] : ['waiting', B.waiting];
  }
  function listItems(items) {
    var ol = $('#items'), O = T('#t-outbox');
    items.sort(function (a, b) { return a.at < b.at ? 1 : -1; });
    ol.textContent = '';
    $('#empty').hidden = items.length > 0;
    items.forEach(function (item) {
      var li = el('li', '', 'card item'), st = stateOf(item), head = el('p');
      li.dataset.uuid = item.uuid; li.dataset.state = mine(item) ? st[0] : 'other';
      head.appendChild(el('strong', item.name || ('#' + item.body.establishment_id)));
      head.appendChild(el('span', new Date(item.at).toLocaleString('vi-VN', { hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' }), 'muted block'));
      li.appendChild(head);
      li.appendChild(el('p', mine(item) ? st[1] + (item.photos.length ? ' · ' + item.photos.length + ' ' + O.photos : '') : O.other, 'state ' + st[0]));
      if (item.error) li.appendChild(el('p', reason(item), 'error reason'));
      if (mine(item)) {
        var p = el('p', '', 'actions'), b = el('button', O.send);
        b.type = 'button'; b.className = 'send';
        b.addEventListener('click', async function () {
          if (item.error) { delete item.error; delete item.status; delete item.problem; await save(item); }
          await flush(true, item.uuid);
        });
        p.appendChild(b);
        if (item.error) {
          var d = el('button', O.drop, 'drop'); d.type = 'button';
          d.addEventListener('click', async function () {
            if (!window.confirm(O.confirm)) return;
            await drop(item.uuid); await showOutbox();
          });
          p.appendChild(d);
        }
        li.appendChild(p);
      }
      ol.appendChild(li);
    });
  }
  var b64 = function (blob) {
    return new Promise(function (ok) { var r = new FileReader(); r.onload = function () { ok(r.result); }; r.readAsDataURL(blob); });
  };
  function outboxPage() {
    var O = T('#t-outbox'), msg = $('#transfer-msg'), per = $('#persist');
    $('#send-all').addEventListener('click', function () { flush(true); });
    $('#export').addEventListener('click', async function () {
      var items = await all(), out = [];
      for (var i = 0; i < items.length; i++) {
        var it = Object.assign({}, items[i]), ps = [];
        for (var j = 0; j < it.photos.length; j++) ps.push({ sha: it.photos[j].sha, data: await b64(it.photos[j].blob) });
        it.photos = ps; out.push(it);
      }
      var a = el('a'), url = URL.createObjectURL(new Blob([JSON.stringify({ kind: 'kiemtra-outbox', at: new Date().toISOString(), items: out })], { type: 'application/json' }));
      a.href = url; a.download = 'hop-thu-di-' + new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-') + '.json';
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      msg.textContent = O.exported + ': ' + out.length;
    });
    $('#import').addEventListener('change', async function (ev) {
      var file = ev.target.files[0], data, added = 0, known = 0;
      ev.target.value = '';
      if (!file) return;
      try { data = JSON.parse(await file.text()); if (data.kind !== 'kiemtra-outbox') throw new Error(); } catch (x) { msg.textContent = O.badfile; return; }
      for (var i = 0; i < data.items.length; i++) {
        var it = data.items[i];
        if (!/^[0-9a-f-]{36}$/i.test(it.uuid || '') || !it.body) continue;
        if (await one(it.uuid)) { known++; continue; }
        var ps = [];
        for (var j = 0; j < (it.photos || []).length; j++) ps.push({ sha: it.photos[j].sha, blob: await (await fetch(it.photos[j].data)).blob() });
        it.photos = ps;
        await save(it); added++;
      }
      msg.textContent = O.imported + ': ' + added + (known ? ' · ' + known + ' ' + O.known : '');
      await showOutbox(); flush(true);
    });
    keep().then(function (yes) {
      if (yes === null) return;
      per.hidden = false; per.textContent = yes ? O.persisted : O.refusedpersist;
      per.className = yes ? 'muted' : 'error';
    });
  }
  /* Ask the browser not to evict the outbox when the phone runs short of space: on the outbox page and when a
     record is first held, once a page. true/false: its answer (a refusal changes nothing); null: cannot ask. */
  var persisting;
  function keep() {
    var st = navigator.storage;
    if (!persisting) persisting = st && st.persist ? st.persist().catch(function () { return false; }) : Promise.resolve(null);
    return persisting;
  }

  /* ---- skip logic: the same conditions as forms/conditions.py */
  function same(v, e) {
    if (Array.isArray(v)) return v.indexOf(e) >= 0;
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
  function parse(e, name) { var s = e.dataset[name]; return s ? JSON.parse(s) : null; }

  function evaluate(form) {
    /* Relevant answers in form order (like the engine), hiding what does not apply; the violations; the
       required questions answered per section (the jump menu) and in all (the progress figure). */
    var a = {}, hits = [], missing = [], checked = 0, need = 0, done = 0;
    $$('section.sec', form).forEach(function (sec) {
      var secRel = parse(sec, 'rel'), secOn = !secRel || holds(secRel, a), n = 0, k = 0;
      sec.hidden = !secOn;
      $$('fieldset.q', sec).forEach(function (fs) {
        var rel = parse(fs, 'rel'), on = secOn && (!rel || holds(rel, a));
        fs.hidden = !on;
        if (!on || fs.dataset.kind === 'note') return;
        var v = value(fs), req = fs.classList.contains('req');
        if (req) n++;
        if (v === undefined) { if (req) missing.push(fs); return; }
        if (req) k++;
        fs.classList.remove('bad');
        var err = $('.qerr', fs); if (err) err.remove();
        a[fs.dataset.q] = v;
        var viol = parse(fs, 'viol'), vif = parse(fs, 'vif');
        if (viol || vif) checked++;
        var hit = (viol && (Array.isArray(v) ? v.some(function (x) { return viol.indexOf(x) >= 0; }) : viol.indexOf(v) >= 0)) || (vif && holds(vif, a));
        if (hit && !fs.dataset.flag) { var lg = $('legend', fs).cloneNode(true); $$('b', lg).forEach(function (x) { x.remove(); }); hits.push(lg.textContent.trim()); }
      });
      var link = $('#jump a[data-sec="' + sec.id.slice(2) + '"]');
      if (link) { link.parentNode.hidden = !secOn; $('.cnt', link).textContent = n ? k + '/' + n : ''; link.classList.toggle('full', k === n); }
      need += n; done += k;
    });
    var pr = $('#progress');
    if (pr) { pr.max = need || 1; pr.value = done; $('#progress-text').textContent = done + '/' + need; pr.title = done + '/' + need + ' ' + S.answered; }
    /* No verdict before any checklist item is answered: "no violations" would be a claim about nothing. */
    var sum = $('#summary');
    sum.hidden = false;
    sum.textContent = '';
    sum.dataset.verdict = checked ? '1' : '';
    if (!checked) sum.appendChild(el('span', S.pending, 'muted'));
    else {
      sum.appendChild(el('strong', hits.length ? S.found + ' (' + hits.length + ')' : S.none));
      var ol = el('ol');
      hits.forEach(function (t) { ol.appendChild(el('li', t)); });
      sum.appendChild(ol);
    }
    if (!missing.length) $('#missing').hidden = true;
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
  function thumbs(fs, form) {
    var tb = $('.thumbs', fs), q = fs.dataset.q;
    tb.textContent = '';
    (photos[q] || []).forEach(function (p) {
      var f = el('span', '', 'thumb'), i = new Image(), x = el('button', '×', 'remove');
      i.src = p.blob ? URL.createObjectURL(p.blob) : p.url; i.alt = '';
      x.type = 'button'; x.title = x.ariaLabel = S.remove;
      x.addEventListener('click', function () {
        photos[q] = photos[q].filter(function (o) { return o !== p; });
        thumbs(fs, form); evaluate(form); keepDraft(form);
      });
      f.appendChild(i); f.appendChild(x); tb.appendChild(f);
    });
  }

  /* ---- GPS: watch until accuracy <= 20 m or 30 s, keep the best fix */
  var best = null;
  function metres(a, b, c, d) {
    var r = Math.PI / 180, x = Math.sin((c - a) * r / 2), y = Math.sin((d - b) * r / 2);
    return 12742000 * Math.asin(Math.sqrt(x * x + Math.cos(a * r) * Math.cos(c * r) * y * y));
  }
  function gps() {
    var g = $('#gps'), t = $('#gps-text');
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
      s += g.dataset.lat ? Math.round(metres(+g.dataset.lat, +g.dataset.lon, best.lat, best.lon)) + ' m ' + S.dist : S.noreg;
      t.textContent = s;
      g.dataset.fix = '1';
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

  /* ---- drafts: every change is kept (answers and photo blobs), so a reload or a closed tab loses nothing */
  var KEY = location.pathname, draftTimer = null;
  function keepDraft(form) {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(function () {
      var fields = $$('input,textarea', form).filter(function (i) {
        return i.name && i.name.charAt(0) !== '_' && i.type !== 'file' && (i.type !== 'radio' && i.type !== 'checkbox' || i.checked);
      }).map(function (i) { return [i.name, i.value]; });
      drafts('readwrite', function (s) { return s.put({ key: KEY, at: new Date().toISOString(), fields: fields, photos: photos }); }).catch(function () {});
    }, 300);
  }
  async function restoreDraft(form) {
    var d;
    try { d = await drafts('readonly', function (s) { return s.get(KEY); }); } catch (e) { return; }
    if (!d) return;
    $$('input[type=radio],input[type=checkbox]', form).forEach(function (i) { i.checked = false; });
    d.fields.forEach(function (f) {
      $$('[name="' + f[0] + '"]', form).forEach(function (i) {
        if (i.type === 'radio' || i.type === 'checkbox') { if (i.value === f[1]) i.checked = true; } else i.value = f[1];
      });
    });
    photos = d.photos || {};
    $$('fieldset.q[data-kind=photo]', form).forEach(function (fs) { thumbs(fs, form); });
    var n = $('#held'); n.hidden = false; n.textContent = B.draft;
  }

  function checklist(form) {
    var start = $('input[name="q.started_at"]', form), edit = form.dataset.uuid;
    if (start && !edit) start.value = localInput(new Date());
    if (edit) {
      var have = parse(form, 'have') || {};
      Object.keys(have).forEach(function (q) {
        photos[q] = have[q].map(function (sha) { return { sha: sha, url: '/api/v1/inspections/' + edit + '/attachments/' + sha }; });
      });
      best = parse(form, 'loc');
    }
    $$('fieldset.q[data-kind=photo]', form).forEach(function (fs) { thumbs(fs, form); });
    form.addEventListener('change', function (ev) {
      var fs = ev.target.closest('fieldset.q');
      if (fs && fs.dataset.kind === 'photo' && ev.target.files) {
        var files = Array.prototype.slice.call(ev.target.files);
        ev.target.value = '';
        Promise.all(files.map(shrink)).then(function (ps) {
          var list = photos[fs.dataset.q] || [];
          ps.forEach(function (p) { if (!list.some(function (o) { return o.sha === p.sha; })) list.push(p); });  /* the same photo once */
          photos[fs.dataset.q] = list;
          thumbs(fs, form); evaluate(form); keepDraft(form);
        });
        return;
      }
      evaluate(form); keepDraft(form);
    });
    form.addEventListener('input', function () { evaluate(form); keepDraft(form); });
    var jump = $('#jump');
    jump.addEventListener('click', function (ev) { if (ev.target.closest('a')) jump.open = false; });
    $('#to-first').addEventListener('click', function () { var f = $('fieldset.bad', form); if (f) { f.scrollIntoView(); var i = $('input,textarea', f); if (i) i.focus({ preventScroll: true }); } });
    evaluate(form);
    restoreDraft(form).then(function () { evaluate(form); });
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var end = $('input[name="q.ended_at"]', form);
      if (end && !end.value) end.value = localInput(new Date());
      var r = evaluate(form);
      $$('fieldset.bad', form).forEach(function (f) { f.classList.remove('bad'); });
      $$('.qerr', form).forEach(function (e) { e.remove(); });
      if (r.missing.length || (r.violations.length && r.answers.outcome === 'compliant')) {
        var bad = r.missing.length ? r.missing : [$('#q-outcome')];
        bad.forEach(function (f) {
          f.classList.add('bad');
          var p = el('p', r.missing.length ? S.required : S.conflict, 'qerr'), d = $('details', f);
          if (d) f.insertBefore(p, d); else f.appendChild(p);
        });
        $('#missing').hidden = false;
        $('#missing-text').textContent = r.missing.length ? S.missing + ' (' + r.missing.length + ')' : S.conflict;
        bad[0].scrollIntoView();
        return;
      }
      var kept = [], seen = {};
      $$('fieldset.q[data-kind=photo]', form).forEach(function (fs) {
        if (!fs.hidden) (photos[fs.dataset.q] || []).forEach(function (p) { if (p.blob && !seen[p.sha]) { seen[p.sha] = 1; kept.push(p); } });
      });
      var now = new Date().toISOString(), note = form.elements.notes.value.trim();
      var item = { uuid: edit || uuid(), owner: me, at: now, name: $('#name').textContent, photos: kept, edit: !!edit, body: {
        establishment_id: +form.dataset.establishment, form_id: form.dataset.form, form_version: +form.dataset.version,
        started_at: r.answers.started_at || form.dataset.started || now, submitted_at: now, location: best, answers: r.answers,
        outcome: r.answers.outcome, notes: note } };
      if (window.kiemtraSignatures && !(await window.kiemtraSignatures(item))) return;  /* signatures.js (issue 17) */
      $('#submit').disabled = true;
      await save(item);
      keep();
      clearTimeout(draftTimer);
      await drafts('readwrite', function (s) { return s.delete(KEY); }).catch(function () {});
      /* The form goes away: a blank form for the same business would invite a second visit record. */
      form.hidden = true; $('#jump').hidden = true; $('#held').hidden = true;
      var done = $('#done'), text = $('#done-text');
      done.hidden = false;
      window.scrollTo(0, 0);
      await showOutbox();
      await flush(true);
      var left = await one(item.uuid).catch(function () { return null; }), link = $('#done-record');
      link.href = '/inspections/' + item.uuid;
      if (!left) { text.textContent = B.done; link.hidden = false; } else if (left.error) {
        text.textContent = B.refused + ': ' + reason(left); text.className = 'error';
      } else if (left.sent) { text.textContent = B.donephotos; link.hidden = false; } else {
        text.textContent = B[lastStop || 'offline'] || B.offline; text.className = '';
      }
      done.dataset.state = left ? (left.error ? 'refused' : left.sent ? 'photos' : 'held') : 'sent';
    });
  }

  /* A checklist opened offline from the business list: the service worker served the type's blank form. */
  async function fillBlank(form) {
    var id = +location.pathname.split('/').pop(), list = await heldList(), b = list && list.byId[id];
    if (!b) return;
    form.dataset.establishment = id; form.action = '/phone/check/' + id;
    $('#name').textContent = b.name; $('#addr span').textContent = b.address;
    if (b.lat !== null) { $('#gps').dataset.lat = b.lat; $('#gps').dataset.lon = b.lon; }
    document.title = b.name;
  }

  /* ---- the offline business list (cached by the service worker from /api/v1/phone/establishments) */
  var LIST = '/api/v1/phone/establishments';
  async function heldList() {
    if (!window.caches) return null;
    var r = await caches.match(LIST);
    if (!r) return null;
    var d = await r.json(), rows = d.rows.map(function (x) {
      var o = {}; d.fields.forEach(function (f, i) { o[f] = x[i]; }); o.ward = d.wards[o.ward] || ''; return o;
    }), byId = {};
    rows.forEach(function (o) { byId[o.id] = o; });
    return { at: d.at, rows: rows, byId: byId };
  }
  async function showHeld(pick, note) {
    var list = await heldList(), n = $('#near-note'), old = $('#found');
    n.hidden = false;
    if (!list) { n.textContent = B.nolist; return; }
    n.textContent = note + ' ' + B.list + ' ' + list.at.slice(11, 16) + ' ' + list.at.slice(8, 10) + '/' + list.at.slice(5, 7) + '.';
    var ol = el('ol', '', 'stops');
    ol.id = 'found';
    pick(list.rows).forEach(function (o) {
      var li = el('li'), a = el('a', '', 'row');
      a.href = '/phone/check/' + o.id;
      a.appendChild(el('strong', o.name)); a.appendChild(el('span', o.address + (o.ward ? ' · ' + o.ward : ''), 'muted'));
      li.appendChild(a);
      if (o.d !== undefined) li.appendChild(el('span', Math.round(o.d) + ' m', 'badge'));
      ol.appendChild(li);
    });
    if (old) old.replaceWith(ol); else n.after(ol);
  }
  function home() {
    var b = $('#locate');
    if (!b) return;
    var search = $('form.search');
    search.addEventListener('submit', function (ev) {
      if (navigator.onLine) return;
      ev.preventDefault();
      var q = search.elements.q.value.trim().toLowerCase();
      showHeld(function (rows) { return rows.filter(function (o) { return (o.name + ' ' + o.address).toLowerCase().indexOf(q) >= 0; }).slice(0, 15); }, '');
    });
    if (!navigator.geolocation) return;
    b.hidden = false;
    b.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        var lat = p.coords.latitude, lon = p.coords.longitude;
        if (navigator.onLine) { location.href = '/phone?lat=' + lat.toFixed(6) + '&lon=' + lon.toFixed(6); return; }
        showHeld(function (rows) {
          return rows.filter(function (o) { return o.lat !== null; }).map(function (o) { o.d = metres(lat, lon, o.lat, o.lon); return o; })
            .sort(function (x, y) { return x.d - y.d; }).slice(0, 15);
        }, B.nearoff);
      }, function () { b.disabled = true; }, { enableHighAccuracy: true, timeout: 30000 });
    });
    /* Keep today's checklists for the basement without signal. */
    var links = $$('#today a[data-check]').map(function (a) { return a.getAttribute('href'); });
    if (links.length && window.caches && navigator.onLine) caches.open('kiemtra-pages-v1').then(function (c) { return c.addAll(links); }).catch(function () {});
  }

  if (me) remember(me);
  $$('form[action="/logout"]').forEach(function (f) { f.addEventListener('submit', function () { remember(''); }); });
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(function () {});
  var form = $('#checklist');
  if (form) {
    var ready = form.dataset.blank ? fillBlank(form) : Promise.resolve();
    checklist(form);
    ready.then(function () { if (!form.dataset.uuid) gps(); });
    all().then(function (items) {
      var held = items.filter(function (i) { return mine(i) && i.body.establishment_id === +form.dataset.establishment && i.uuid !== form.dataset.uuid; });
      var n = $('#held');
      if (held.length && n.hidden) { n.hidden = false; n.textContent = B.held + ' '; var a = el('a', B.box); a.href = '/phone/outbox'; n.appendChild(a); }
    }).catch(function () {});
  }
  if ($('#outbox-page')) outboxPage();
  home();
  showOutbox();
  flush();
  window.addEventListener('online', function () { flush(); });
  setInterval(flush, 15000);
}());
