// The countries' outline under a Leaflet map's points (the incident map, the match queue's small maps): the one
// vendored Natural Earth file, fetched once per page however many maps draw it. Decoration: if it cannot be had,
// the points still show on the plain background.
(function () {
  "use strict";

  var world = null;

  window.drawCountryOutline = function (map, url) {
    if (!url || !window.topojson) return;
    if (!world) {
      world = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("outline " + response.status);
        return response.json();
      });
    }
    map.createPane("outline");
    map.getPane("outline").style.zIndex = 250; // above the (absent) tiles, below the points
    world
      .then(function (topology) {
        L.geoJSON(window.topojson.feature(topology, topology.objects.countries), {
          pane: "outline",
          interactive: false,
          className: "country-outline",
          weight: 1,
          attribution: "Natural Earth",
        }).addTo(map);
      })
      .catch(function () {});
  };
})();
