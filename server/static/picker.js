// Business picker: a field marked data-business-picker holds the business id; the script puts a search box with a
// <datalist> of names and addresses in front of it (the registry's own search, GET /api/v1/establishments?q=),
// and keeps the id hidden. Without JavaScript the id field stays as it is.
(function () {
  "use strict";
  function label(e) { return e.name + " — " + e.address + (e.ward_name ? ", " + e.ward_name : ""); }
  document.querySelectorAll("input[data-business-picker]").forEach(function (idInput, n) {
    var list = document.createElement("datalist");
    list.id = "business-list-" + n;
    var box = document.createElement("input");
    box.type = "search";
    box.setAttribute("list", list.id);
    box.setAttribute("autocomplete", "off");
    box.className = "business-search";
    box.placeholder = idInput.dataset.placeholder || "";
    box.setAttribute("aria-label", idInput.dataset.label || "");
    box.value = idInput.dataset.current || "";
    var chosen = document.createElement("span");
    chosen.className = "muted business-chosen";
    idInput.type = "hidden";
    idInput.parentNode.insertBefore(box, idInput);
    idInput.parentNode.insertBefore(list, idInput);
    idInput.parentNode.insertBefore(chosen, idInput.nextSibling);
    var found = {}, timer = null, asked = "";
    function search() {
      var q = box.value.trim();
      if (found[q]) { idInput.value = String(found[q].id); chosen.textContent = "#" + found[q].id; return; }
      idInput.value = ""; chosen.textContent = "";
      if (q.length < 2 || q === asked) { return; }
      asked = q;
      fetch("/api/v1/establishments?limit=12&q=" + encodeURIComponent(q), {credentials: "same-origin",
        headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (page) {
          if (q !== box.value.trim()) { return; }
          list.textContent = "";
          page.items.forEach(function (e) {
            var o = document.createElement("option");
            o.value = label(e);
            found[o.value] = e;
            list.appendChild(o);
          });
          if (found[box.value.trim()]) { search(); }
        });
    }
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 200); });
    box.addEventListener("change", search);
  });
})();
