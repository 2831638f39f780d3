// Live state for the offer and presentation pages: poll the small public state endpoint named by
// #live[data-state-url]; when the state changes, fetch this page again and swap in its #live section
// (server-rendered and escaped), and announce the new state to screen readers. No reloads, no inline script.
"use strict";
(function () {
  var INTERVAL_MS = 1000;
  var GIVE_UP_MS = 60 * 60 * 1000;
  var started = Date.now();

  function live() {
    return document.getElementById("live");
  }

  function isFinal(el) {
    return (el.getAttribute("data-final") || "").split(" ").indexOf(el.getAttribute("data-state")) >= 0;
  }

  function announce(el) {
    var label = el.querySelector("[data-state-label]");
    var out = document.getElementById("announce");
    if (label && out) {
      out.textContent = label.getAttribute("data-state-label");
    }
  }

  function swap() {
    return fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (resp) {
        return resp.ok ? resp.text() : null;
      })
      .then(function (text) {
        if (text === null) {
          return;
        }
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("live");
        var old = live();
        if (fresh && old) {
          var node = document.importNode(fresh, true);
          old.replaceWith(node);
          document.title = doc.title || document.title;
          announce(node);
        }
      });
  }

  var stopped = false;

  function tick() {
    var el = live();
    if (stopped || !el || isFinal(el) || Date.now() - started > GIVE_UP_MS) {
      return;
    }
    fetch(el.getAttribute("data-state-url"), { cache: "no-store", credentials: "same-origin" })
      .then(function (resp) {
        if (resp.status === 404) {
          return "gone";
        }
        return resp.ok ? resp.json() : null;
      })
      .then(function (body) {
        if (body === "gone") {
          stopped = true;
          return null;
        }
        if (body && body.state && body.state !== el.getAttribute("data-state")) {
          return swap();
        }
        return null;
      })
      .catch(function () {
        // offline or a server restart: try again on the next tick
      })
      .then(function () {
        var now = live();
        if (now && !stopped && !isFinal(now)) {
          window.setTimeout(tick, INTERVAL_MS);
        }
      });
  }

  window.setTimeout(tick, INTERVAL_MS);
})();
