// The incident map (templates/events/incident_map.html). Everything it needs comes from the data- attributes of
// #incident-map, so the page has no inline script: the points' URL (the list's filters), the tile server (none:
// the vendored Natural Earth outline instead) and the popups' translated labels.
(function () {
  "use strict";

  // Mali and the Sahel, until the points say where to look.
  var START = { center: [17, -2], zoom: 5 };

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // Built as DOM nodes with textContent, never as HTML: titles and places are user input.
  function popup(properties, labels) {
    var box = element("div", "map-popup");
    box.appendChild(element("strong", null, properties.title));
    var facts = [properties.start_date, properties.place, properties.event_type].filter(Boolean).join(" · ");
    box.appendChild(element("div", null, facts));
    box.appendChild(element("div", null, labels.killed + ": " + properties.fatalities_best));
    var link = element("a", null, labels.open + " " + properties.code);
    link.href = properties.url;
    box.appendChild(link);
    return box;
  }

  function drawPoints(map, container, status) {
    var data = container.dataset;
    var labels = { killed: data.labelKilled, open: data.labelOpen };
    fetch(data.pointsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("points " + response.status);
        return response.json();
      })
      .then(function (collection) {
        // The server sends the newest first; drawn last, they lie on top where points share a place.
        var features = collection.features.slice().reverse();
        var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, {
              radius: 7,
              weight: 1,
              fillOpacity: 0.85,
              className: "incident-point " + feature.properties.css_class,
            });
          },
          onEachFeature: function (feature, marker) {
            marker.bindPopup(function () {
              return popup(feature.properties, labels);
            });
          },
        }).addTo(map);
        if (collection.features.length) {
          // No closer than a country-wide view: precision 2 and 3 points are not exact places.
          map.fitBounds(layer.getBounds(), { maxZoom: 6, padding: [32, 32] });
        }
        container.dataset.pointsShown = String(collection.features.length);
      })
      .catch(function () {
        status.textContent = data.labelFailed;
        container.dataset.pointsShown = "error";
      });
  }

  function init() {
    var container = document.getElementById("incident-map");
    if (!container || !window.L) return;
    var data = container.dataset;
    var map = L.map(container, { worldCopyJump: true }).setView(START.center, START.zoom);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 18 }).addTo(map);
    } else {
      window.drawCountryOutline(map, data.outlineUrl);
    }
    if (data.pointsUrl) {
      drawPoints(map, container, document.getElementById("incident-map-status"));
    } else {
      container.dataset.pointsShown = "0";
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
