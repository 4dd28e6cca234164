/* Import page: upload with a real progress bar (bytes sent, then rows checked from the NDJSON stream),
   then the report built with textContent (never HTML). Without JavaScript the form posts normally. */
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var box = document.getElementById("import-progress");
  var stage = document.getElementById("import-stage");
  var bar = document.getElementById("import-bar");
  var out = document.getElementById("import-report");
  var t = document.getElementById("import-texts").dataset;
  var csrf = form.querySelector("input[name=_csrf_token]").value;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function show(report) {
    out.textContent = "";
    var card = el("div", undefined, "card");
    card.id = "report";
    card.appendChild(el("h2", t.result + ": " + report.filename));
    card.appendChild(el("p", report.rows + " " + t.rows + " · " + report.create + " " + t.create + " · " +
                             report.update + " " + t.update));
    if (report.ok) {
      card.appendChild(el("p", t.ok, "ok"));
      var commit = el("form");
      commit.method = "post";
      commit.action = "/registry/import/" + encodeURIComponent(report.token) + "/commit";
      var hidden = el("input");
      hidden.type = "hidden"; hidden.name = "_csrf_token"; hidden.value = csrf;
      commit.appendChild(hidden);
      commit.appendChild(el("button", t.commit, "primary"));
      commit.addEventListener("submit", function () {
        box.hidden = false; stage.textContent = t.committing; bar.removeAttribute("value");
      });
      card.appendChild(commit);
    } else {
      card.appendChild(el("p", report.problems.length + " " + t.bad, "error"));
      var table = el("table", undefined, "list");
      var head = table.createTHead().insertRow();
      [t.row, t.column, t.problem].forEach(function (h) { head.appendChild(el("th", h)); });
      var body = table.createTBody();
      report.problems.forEach(function (p) {
        var tr = body.insertRow();
        tr.appendChild(el("td", p.row ? String(p.row) : t.file, "num"));
        tr.appendChild(el("td", p.column));
        // the sentence in the user's language; the missing columns' names are the one detail worth adding
        var detail = p.code === "missing_columns" ? " " + p.message.split(": ").slice(1).join(": ") : "";
        tr.appendChild(el("td", (t["p_" + p.code] || p.code) + detail));
      });
      card.appendChild(table);
    }
    out.appendChild(card);
    box.hidden = true;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    var seen = 0;
    box.hidden = false;
    stage.textContent = t.uploading;
    bar.value = 0;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.onprogress = function () {
      var text = xhr.responseText, end;
      while ((end = text.indexOf("\n", seen)) >= 0) {
        var line = JSON.parse(text.slice(seen, end));
        seen = end + 1;
        if (line.report) { show(line.report); return; }
        stage.textContent = t.checking + " " + line.done + "/" + line.total;
        bar.value = line.total ? Math.round(100 * line.done / line.total) : 0;
      }
    };
    xhr.onload = function () {
      xhr.onprogress();
      if (xhr.status !== 200) { stage.textContent = t.failed; }
    };
    xhr.onerror = function () { stage.textContent = t.failed; };
    xhr.open("POST", "/api/v1/imports/establishments?stream=1");
    xhr.send(new FormData(form));
  });
}());
