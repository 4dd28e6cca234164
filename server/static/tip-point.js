/* Tip entry: pick the place on a Leaflet map (served by the app) or type lat/lon. Vanilla JS; without
   JavaScript the form still works with typed coordinates. */
(function () {
  "use strict";
  var el = document.getElementById("tip-map");
  if (!el || !window.L) { return; }
  el.hidden = false;
  var lat = document.getElementById("tip-lat");
  var lon = document.getElementById("tip-lon");
  var map = L.map(el).setView([19.8076, 105.7766], 13);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "Map tiles" }).addTo(map); }
  var marker = null;
  function place(la, lo) {
    if (isNaN(la) || isNaN(lo)) { return; }
    if (marker === null) { marker = L.marker([la, lo]).addTo(map); } else { marker.setLatLng([la, lo]); }
  }
  map.on("click", function (e) {
    place(e.latlng.lat, e.latlng.lng);
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
  });
  place(parseFloat(lat.value), parseFloat(lon.value));
}());
