// Operator console: a thin client of the bearer-protected admin JSON API (/admin). The admin token is asked
// for once and kept in sessionStorage (this tab only). Everything shown is built with textContent, never
// innerHTML, so nothing an API answer carries can become markup.
"use strict";
(function () {
  var TOKEN_KEY = "oid4vc.console.token";
  var RECENT_KEY = "oid4vc.console.recent";
  var root = document.getElementById("console");
  if (!root) {
    return;
  }
  var ADMIN = root.getAttribute("data-admin");

  function $(id) {
    return document.getElementById(id);
  }

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      el.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return el;
  }

  function say(text) {
    $("console-status").textContent = text;
  }

  function showError(text) {
    var box = $("console-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function token() {
    return window.sessionStorage.getItem(TOKEN_KEY);
  }

  function recent() {
    try {
      return JSON.parse(window.sessionStorage.getItem(RECENT_KEY) || "[]");
    } catch (e) {
      return [];
    }
  }

  function saveRecent(items) {
    window.sessionStorage.setItem(RECENT_KEY, JSON.stringify(items.slice(0, 50)));
  }

  function signedIn(yes) {
    $("login").hidden = yes;
    $("workspace").hidden = !yes;
    if (yes) {
      renderRecent();
    } else {
      $("admin-token").focus();
    }
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json", Authorization: "Bearer " + token() };
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(ADMIN + path, init).then(function (resp) {
      return resp
        .json()
        .catch(function () {
          return {};
        })
        .then(function (json) {
          if (resp.status === 401) {
            window.sessionStorage.removeItem(TOKEN_KEY);
            signedIn(false);
            throw new Error("The admin token was not accepted. Sign in again.");
          }
          return { status: resp.status, ok: resp.ok, body: json };
        });
    });
  }

  function failure(answer) {
    var b = answer.body || {};
    return (b.error_description || b.error || "HTTP " + answer.status).toString();
  }

  function uuid4() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function link(text, href) {
    return h("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, [text]);
  }

  function qr(src, alt) {
    return h("img", { src: src, alt: alt, width: "180", height: "180", class: "qr" });
  }

  function remember(item) {
    var items = recent().filter(function (x) {
      return !(x.kind === item.kind && x.id === item.id);
    });
    items.unshift(item);
    saveRecent(items);
    renderRecent();
  }

  // -- offers -----------------------------------------------------------------------------------------

  function createOffer(event) {
    event.preventDefault();
    var form = event.target;
    var achievement = {
      id: "urn:uuid:" + uuid4(),
      type: ["Achievement"],
      name: form.elements.name.value.trim(),
      description: form.elements.description.value.trim(),
      criteria: { narrative: form.elements.criteria.value.trim() },
    };
    if (form.elements.image.value.trim()) {
      achievement.image = { id: form.elements.image.value.trim(), type: "Image" };
    }
    var body = {
      credential_configuration_id: form.elements.config.value,
      credential_subject: { achievement: achievement },
      tx_code: form.elements.pin.checked,
      expires_in: Math.round(Number(form.elements.expires.value) * 60),
    };
    showError("");
    say("Creating the offer\u2026");
    api("POST", "/offers", body)
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("The offer was not created: " + failure(answer));
        }
        var offer = answer.body;
        var out = $("offer-result");
        out.textContent = "";
        var facts = [
          h("h3", {}, ["Offer created"]),
          offer.page_url ? h("p", {}, [link("Open the learner's offer page", offer.page_url)]) : null,
          offer.tx_code
            ? h("p", { class: "pin" }, ["PIN: ", h("strong", { "data-pin": "" }, [offer.tx_code]),
                " \u2013 shown only now; give it to the learner by another channel."])
            : null,
          h("p", { class: "hint" }, ["Expires ", new Date(offer.expires_at).toLocaleString(), "."]),
          offer.qr_svg_url ? qr(offer.qr_svg_url, "QR code of the offer") : null,
        ];
        facts.forEach(function (node) {
          if (node) {
            out.appendChild(node);
          }
        });
        remember({ kind: "offer", id: offer.id, name: achievement.name, page_url: offer.page_url || null,
                   state: offer.state, credential_ids: [] });
        say("Offer created.");
        form.reset();
      })
      .catch(function (err) {
        showError(err.message);
      });
  }

  // -- presentations ----------------------------------------------------------------------------------

  function createPresentation(event) {
    event.preventDefault();
    var form = event.target;
    var preset = { preset: "open_badge" };
    if (form.elements.name.value.trim()) {
      preset.achievement_name = form.elements.name.value.trim();
    }
    var issuers = form.elements.issuers.value.split(/\s+/).filter(function (x) {
      return x;
    });
    if (issuers.length) {
      preset.issuers = issuers;
    }
    if (form.elements.age.value) {
      preset.max_age_days = Number(form.elements.age.value);
    }
    showError("");
    say("Creating the request\u2026");
    api("POST", "/presentations", { preset: preset })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("The request was not created: " + failure(answer));
        }
        var req = answer.body;
        var out = $("presentation-result");
        out.textContent = "";
        out.appendChild(h("h3", {}, ["Request created"]));
        if (req.page_url) {
          out.appendChild(h("p", {}, [link("Open the verification page", req.page_url)]));
        }
        if (req.qr_svg_url) {
          out.appendChild(qr(req.qr_svg_url, "QR code of the presentation request"));
        }
        remember({ kind: "presentation", id: req.id, name: preset.achievement_name || "Any Open Badge",
                   page_url: req.page_url || null, state: req.status });
        say("Request created.");
      })
      .catch(function (err) {
        showError(err.message);
      });
  }

  // -- recent list, states, revocation ----------------------------------------------------------------

  function revoke(credentialId, button) {
    if (!window.confirm("Revoke credential " + credentialId + "? This cannot be undone.")) {
      return;
    }
    button.disabled = true;
    api("POST", "/credentials/" + encodeURIComponent(credentialId) + "/revoke", {
      reason: "revoked from the operator console",
    })
      .then(function (answer) {
        if (answer.ok) {
          button.textContent = "Revoked";
          say("Credential revoked.");
          return;
        }
        button.disabled = false;
        var why = answer.status === 404 || answer.status === 405
          ? "revocation is not available for this credential on this server (" + failure(answer) + ")"
          : failure(answer);
        showError("Not revoked: " + why);
      })
      .catch(function (err) {
        button.disabled = false;
        showError(err.message);
      });
  }

  function renderRecent() {
    var list = $("recent");
    list.textContent = "";
    var items = recent();
    if (!items.length) {
      list.appendChild(h("li", { class: "hint" }, ["Nothing yet."]));
      return;
    }
    items.forEach(function (item) {
      var li = h("li", { "data-kind": item.kind, "data-id": item.id }, [
        h("span", { class: "kind" }, [item.kind === "offer" ? "Offer" : "Check"]),
        " ",
        h("strong", {}, [item.name || item.id]),
        " ",
        h("span", { class: "badge-state" }, [item.state || "?"]),
        " ",
        item.page_url ? link("page", item.page_url) : null,
      ]);
      var creds = item.credential_ids || [];
      if (creds.length) {
        var ul = h("ul", { class: "credentials" }, []);
        creds.forEach(function (cid) {
          var button = h("button", { type: "button", class: "danger" }, ["Revoke"]);
          button.addEventListener("click", function () {
            revoke(cid, button);
          });
          ul.appendChild(h("li", {}, [h("code", {}, [cid]), " ", button]));
        });
        li.appendChild(ul);
      }
      list.appendChild(li);
    });
  }

  function refresh() {
    showError("");
    var items = recent();
    var updates = items.map(function (item) {
      var path = (item.kind === "offer" ? "/offers/" : "/presentations/") + encodeURIComponent(item.id);
      return api("GET", path).then(function (answer) {
        if (answer.ok) {
          item.state = answer.body.state || answer.body.status || item.state;
          if (answer.body.credential_ids) {
            item.credential_ids = answer.body.credential_ids;
          }
          item.page_url = answer.body.page_url || item.page_url;
        }
      });
    });
    Promise.all(updates)
      .then(function () {
        saveRecent(items);
        renderRecent();
        say("States refreshed.");
      })
      .catch(function (err) {
        showError(err.message);
      });
  }

  // -- sign in ----------------------------------------------------------------------------------------

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    window.sessionStorage.setItem(TOKEN_KEY, $("admin-token").value.trim());
    $("admin-token").value = "";
    showError("");
    api("GET", "/offers/console-sign-in-check")
      .then(function () {
        signedIn(true);
        say("Signed in.");
      })
      .catch(function (err) {
        showError(err.message);
      });
  });
  $("logout").addEventListener("click", function () {
    window.sessionStorage.removeItem(TOKEN_KEY);
    signedIn(false);
    say("Signed out.");
  });
  $("offer-form").addEventListener("submit", createOffer);
  $("presentation-form").addEventListener("submit", createPresentation);
  $("refresh").addEventListener("click", refresh);
  signedIn(Boolean(token()));
})();
