/* Signature pads of the checklist (issue 17): the inspectors, the business's representative and a witness sign
   on a canvas (pointer events: mouse, finger, pen; no network needed). On submit, phone.js calls
   window.kiemtraSignatures(item): each drawn pad becomes a PNG named by its sha256 (kept in the outbox with the
   photos) and an entry {role, name, sha256, signed_at} of the body's `signatures`, so the record's content hash
   covers it. The rules mirror the server's (server/inspections/signatures.py); nothing drawn = unsigned. */
(function () {
  'use strict';
  var box = document.getElementById('signatures');
  if (!box || !window.crypto || !crypto.subtle) return;
  var form = box.closest('form'), list = document.getElementById('sig-pads'), D = box.dataset;
  var roles = JSON.parse(D.roles), pads = [], KEY = 'kiemtra-sig:' + location.pathname;
  box.hidden = false;

  function answer(q) {
    var i = form.querySelector('[name="q.' + q + '"]:checked') || form.querySelector('textarea[name="q.' + q + '"]');
    return i ? i.value.trim() : '';
  }

  function add(role) {
    var wrap = document.createElement('div'), head = document.createElement('p'), name = document.createElement('input');
    var c = document.createElement('canvas'), clear = document.createElement('button'), g, last = null;
    wrap.className = 'sig'; wrap.dataset.role = role;
    head.textContent = roles[role];
    head.style.fontWeight = 'bold';
    name.type = 'text'; name.placeholder = D.name; name.autocomplete = 'off';  /* no name attribute: never posted */
    clear.type = 'button'; clear.textContent = D.clear;
    c.width = 600; c.height = 200;
    wrap.append(head, name, c, clear);
    list.appendChild(wrap);
    g = c.getContext('2d');
    g.lineWidth = 3; g.lineCap = 'round'; g.lineJoin = 'round'; g.strokeStyle = '#0b1b4d';
    var pad = { role: role, wrap: wrap, name: name, canvas: c, drawn: false, at: null, g: g };
    function at(e) { var r = c.getBoundingClientRect(); return [(e.clientX - r.left) * c.width / r.width, (e.clientY - r.top) * c.height / r.height]; }
    c.addEventListener('pointerdown', function (e) { e.preventDefault(); c.setPointerCapture(e.pointerId); last = at(e); });
    c.addEventListener('pointermove', function (e) {
      if (!last) return;
      var p = at(e);
      g.beginPath(); g.moveTo(last[0], last[1]); g.lineTo(p[0], p[1]); g.stroke();
      last = p; pad.drawn = true; pad.at = new Date().toISOString();
    });
    ['pointerup', 'pointercancel'].forEach(function (t) { c.addEventListener(t, function () { if (last) keep(); last = null; }); });
    clear.addEventListener('click', function () { g.clearRect(0, 0, c.width, c.height); pad.drawn = false; keep(); });
    name.addEventListener('input', keep);
    pads.push(pad);
    return pad;
  }

  /* A reload keeps what was signed (this tab only: sessionStorage, cleared once the record is saved). */
  function keep() {
    var held = pads.filter(function (p) { return p.drawn; }).map(function (p) {
      return { role: p.role, name: p.name.value, png: p.canvas.toDataURL('image/png'), at: p.at };
    });
    try { sessionStorage.setItem(KEY, JSON.stringify(held)); } catch (e) { /* full or off: nothing kept */ }
  }
  function restore(p, h) {
    var img = new Image();
    img.onload = function () { p.g.drawImage(img, 0, 0); };
    img.src = h.png; p.name.value = h.name; p.drawn = true; p.at = h.at;
  }

  add('inspector');
  var rep = add('representative'), witness = add('witness');
  var held = [];
  try { held = JSON.parse(sessionStorage.getItem(KEY) || '[]'); } catch (e) { held = []; }
  held.forEach(function (h) {
    var p = pads.filter(function (x) { return x.role === h.role && !x.drawn; })[0];
    if (!p && h.role === 'inspector') { p = add('inspector'); list.insertBefore(p.wrap, rep.wrap); }
    if (p) restore(p, h);
  });
  document.getElementById('sig-more').addEventListener('click', function () { list.insertBefore(add('inspector').wrap, rep.wrap); });
  function show() {
    var signed = answer('representative_signed');
    rep.wrap.hidden = signed !== 'yes';
    witness.wrap.hidden = signed === 'yes';
  }
  form.addEventListener('change', show);
  show();

  function fail(text) {
    var e = document.getElementById('sig-error');
    e.textContent = text; e.hidden = false; box.scrollIntoView();
    return false;
  }
  async function sha(blob) {
    var d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    return Array.prototype.map.call(d, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
  }

  window.kiemtraSignatures = async function (item) {
    var drawn = pads.filter(function (p) { return p.drawn && !p.wrap.hidden; }), signed = answer('representative_signed');
    document.getElementById('sig-error').hidden = true;
    item.body.signatures = [];
    if (!drawn.length) return true;  /* an unsigned record, as before */
    var has = function (r) { return drawn.some(function (p) { return p.role === r; }); };
    if (!has('inspector')) return fail(D.needInspector);
    if (signed === 'yes' && !has('representative')) return fail(D.needRep);
    if (signed === 'no' && !has('witness')) return fail(D.needWitness);
    for (var i = 0; i < drawn.length; i++) {
      var p = drawn[i];
      if (!p.name.value.trim() && p.role === 'representative') p.name.value = answer('representative_name');
      if (p.name.value.trim().length < 2) { p.name.focus(); return fail(D.needName); }
    }
    try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
    for (var j = 0; j < drawn.length; j++) {
      var q = drawn[j], blob = await new Promise(function (ok) { q.canvas.toBlob(ok, 'image/png'); }), h = await sha(blob);
      if (item.photos.some(function (o) { return o.sha === h; })) continue;
      item.photos.push({ sha: h, blob: blob });
      item.body.signatures.push({ role: q.role, name: q.name.value.trim(), sha256: h, signed_at: q.at });
    }
    return true;
  };
})();
