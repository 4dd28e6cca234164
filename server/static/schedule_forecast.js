// Fills the schedule forecast table (_schedule_forecast.html) from the API; text only, never HTML.
(function () {
  "use strict";
  var box = document.getElementById("schedule-forecast");
  if (!box || !window.fetch) { return; }
  var lang = document.documentElement.lang || "vi";
  var pct = new Intl.NumberFormat(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1});
  var whole = new Intl.NumberFormat(lang, {maximumFractionDigits: 0});
  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  fetch("/api/v1/schedule/forecast?year=" + encodeURIComponent(box.dataset.year), {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data) { return; }
      var body = box.querySelector("tbody");
      if (data.wards.length) { body.textContent = ""; }
      data.wards.forEach(function (f) {
        var row = document.createElement("tr");
        row.dataset.ward = f.ward;
        cell(row, f.ward_name);
        cell(row, whole.format(f.active), "num");
        cell(row, whole.format(f.projected), "num");
        cell(row, pct.format(f.projected_ratio * 100) + " %", "num");
        cell(row, whole.format(f.target * 100) + " %", "num");
        var last = cell(row, "", "num");
        var mark = document.createElement(f.short_by ? "strong" : "span");
        mark.className = f.short_by ? "error" : "ok";
        mark.textContent = f.short_by ? f.short_by + " " + box.dataset.business + " · " + f.short_by_team_days + " " +
          box.dataset.days : box.dataset.met;
        last.appendChild(mark);
        if (f.short_by) { row.className = "short"; }
        body.appendChild(row);
      });
      box.hidden = false;
    })
    .catch(function () { /* offline or refused: the section stays hidden */ });
}());
