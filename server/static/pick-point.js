/* Pick a business's point on a Leaflet map (or type it); shows the ward found at the point. Vanilla JS. */
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  if (!el || !window.L) { return; }
  var latInput = document.getElementById("f-lat");
  var lonInput = document.getElementById("f-lon");
  var located = document.getElementById("located");
  var wards = JSON.parse(document.getElementById("wards-data").textContent);
  var map = L.map(el);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "Map tiles" }).addTo(map);
  }
  var outlines = L.geoJSON(wards, {
    style: { color: "#35536f", weight: 1, fillOpacity: 0.05 },
    onEachFeature: function (f, layer) {
      var label = document.createElement("span");
      label.textContent = f.properties.full_name;  // text, never HTML
      layer.bindTooltip(label, { sticky: true });
    }
  }).addTo(map);
  map.fitBounds(outlines.getBounds());
  var marker = null;

  function lookup(lat, lon) {
    var url = "/api/v1/wards/locate?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      located.textContent = d.ward_name || el.dataset.outside;
    }).catch(function () { located.textContent = ""; });
  }

  function place(lat, lon, pan) {
    if (isNaN(lat) || isNaN(lon)) { return; }
    if (marker === null) {
      marker = L.marker([lat, lon], { draggable: true }).addTo(map);
      marker.on("dragend", function () {
        var p = marker.getLatLng();
        place(p.lat, p.lng, false);
      });
    } else {
      marker.setLatLng([lat, lon]);
    }
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (pan) { map.setView([lat, lon], Math.max(map.getZoom(), 16)); }
    lookup(lat, lon);
  }

  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });
  function typed() { place(parseFloat(latInput.value), parseFloat(lonInput.value), true); }
  latInput.addEventListener("change", typed);
  lonInput.addEventListener("change", typed);
  if (latInput.value && lonInput.value) { typed(); }
}());
