// The match queue (templates/reconciliation/matchcandidate_list.html): a small map of both places on each pair's
// card, and for editors the keys s, d and u, which press the current pair's "same event", "different events" and
// "unsure" buttons. Both are aids: without this file each record still gives its coordinates, and each answer is a
// plain form that posts and goes on to the next pair.
(function () {
  "use strict";

  var SIDE_CLASSES = ["match-point-1", "match-point-2"];

  // Not the keyboard's: the page's own keys answer on the pairs, and a map per card would add a tab stop each.
  function drawMap(container, settings) {
    var points = JSON.parse(container.dataset.points);
    var map = L.map(container, { scrollWheelZoom: false, keyboard: false });
    if (settings.tileUrl) {
      L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution, maxZoom: 18 }).addTo(map);
    } else {
      window.drawCountryOutline(map, settings.outlineUrl);
    }
    var places = points.map(function (point) {
      return [point.lat, point.lng];
    });
    if (places.length === 2) {
      L.polyline(places, { className: "match-link", weight: 1.5, interactive: false }).addTo(map);
    }
    points.forEach(function (point) {
      L.circleMarker([point.lat, point.lng], { radius: 7, weight: 2, fillOpacity: 0.8, className: SIDE_CLASSES[point.side - 1] })
        .bindTooltip(point.label)
        .addTo(map);
    });
    map.fitBounds(L.latLngBounds(places).pad(0.5), { maxZoom: 9 });
    container.dataset.pointsShown = String(points.length);
  }

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function initShortcuts(cards) {
    var answerable = cards.filter(function (card) {
      return card.querySelector("form.match-decide");
    });
    if (!answerable.length) return;
    var current = null;
    var sent = false;

    function choose(card) {
      answerable.forEach(function (other) {
        other.classList.toggle("current", other === card);
        if (other === card) other.setAttribute("aria-current", "true");
        else other.removeAttribute("aria-current");
      });
      current = card;
    }

    Array.prototype.forEach.call(document.querySelectorAll("form.match-decide button[data-shortcut]"), function (button) {
      button.setAttribute("aria-keyshortcuts", button.dataset.shortcut);
      button.querySelector("kbd.shortcut").hidden = false;
    });
    var hint = document.getElementById("shortcuts-hint");
    if (hint) hint.hidden = false;

    // After an answer the server sends the browser to the next pair's card: it becomes the current one, and takes
    // the focus so that a screen reader reads it. On a first visit the first undecided pair is the current one.
    var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    if (answerable.indexOf(target) >= 0) {
      choose(target);
      target.focus({ preventScroll: true });
    } else {
      choose(
        answerable.filter(function (card) {
          return card.dataset.decided === "false";
        })[0] || answerable[0]
      );
    }

    answerable.forEach(function (card) {
      card.addEventListener("focusin", function () {
        choose(card);
      });
    });

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      var button = current && current.querySelector('form.match-decide button[data-shortcut="' + event.key + '"]');
      if (!button || sent) return;
      event.preventDefault();
      sent = true; // one answer per page: a key held down must not post it twice
      button.click();
    });
  }

  function init() {
    var queue = document.querySelector(".match-queue");
    if (!queue) return;
    var cards = Array.prototype.slice.call(queue.querySelectorAll(".match-card"));
    if (window.L) {
      Array.prototype.forEach.call(queue.querySelectorAll(".match-map"), function (container) {
        drawMap(container, queue.dataset);
      });
    }
    initShortcuts(cards);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
