/*! O2O tracking snippet (served as /c.js; vendored, no build step, no CDN).
 * A first-party anonymous id cookie, page views, UTM codes and ad click ids caught on landing
 * and kept for the attribution window, o2o.track(name, props), o2o.identify({phone, email}),
 * batching with navigator.sendBeacon, and a consent switch: o2o.consent({analytics, advertising}).
 * Events go to <host>/collect/v1/batch in Segment's format, the write key in the body
 * (sendBeacon cannot set an Authorization header).
 */
(function (w, d) {
  "use strict";
  var script = d.currentScript || d.querySelector("script[data-key][src*='c.js']");
  if (!script) return;
  var key = script.getAttribute("data-key") || "";
  var host = script.getAttribute("data-host") || script.src.replace(/\/c\.js(\?.*)?$/, "");
  var endpoint = host + "/collect/v1/batch";
  var windowDays = parseInt(script.getAttribute("data-window") || "30", 10);
  // "pending": send nothing until o2o.consent(...) is called; "analytics" (default) or "all".
  var consentDefault = script.getAttribute("data-consent") || "analytics";
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  var SHORT = { utm_source: "source", utm_medium: "medium", utm_campaign: "name", utm_term: "term", utm_content: "content" };
  var CLICK_IDS = ["gclid", "gbraid", "wbraid", "fbclid", "ttclid"];
  var MAX_QUEUE = 20;
  var queue = [];
  var timer = null;
  var pageSent = false;

  function cookie(name, value, days) {
    if (value === undefined) {
      var m = d.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
      return m ? decodeURIComponent(m[1]) : "";
    }
    d.cookie = name + "=" + encodeURIComponent(value) + "; path=/; max-age=" + Math.round(days * 86400) +
      "; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  }
  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 3) | 8).toString(16);
    });
  }
  function read(name) {
    try { return JSON.parse(cookie(name) || "null"); } catch (e) { return null; }
  }

  var anonymousId = cookie("o2o_aid") || uuid();
  cookie("o2o_aid", anonymousId, 730);
  var userId = cookie("o2o_uid");

  function consent() {
    var saved = read("o2o_consent");
    if (saved) return saved;
    if (consentDefault === "pending") return null;
    return { analytics: true, advertising: consentDefault === "all" };
  }

  // Landing: keep UTM codes and click ids for the attribution window.
  (function () {
    var params = new URLSearchParams(location.search);
    var campaign = {}, clicks = {}, found = false;
    UTM.forEach(function (k) { if (params.get(k)) { campaign[SHORT[k]] = params.get(k).slice(0, 200); found = true; } });
    CLICK_IDS.forEach(function (k) { if (params.get(k)) { clicks[k] = params.get(k).slice(0, 200); found = true; } });
    if (found) cookie("o2o_attr", JSON.stringify({ campaign: campaign, clickIds: clicks }), windowDays);
  })();

  function context(extra) {
    var attr = read("o2o_attr") || {};
    var c = consent() || {};
    var ctx = {
      library: { name: "o2o.js", version: "1" },
      page: { url: location.href, path: location.pathname, referrer: d.referrer, title: d.title },
      consent: { categoryPreferences: { Analytics: !!c.analytics, Advertising: !!c.advertising } },
      locale: navigator.language,
      userAgent: navigator.userAgent
    };
    if (attr.campaign && Object.keys(attr.campaign).length) ctx.campaign = attr.campaign;
    if (attr.clickIds && Object.keys(attr.clickIds).length && c.advertising) ctx.clickIds = attr.clickIds;
    for (var k in extra || {}) ctx[k] = extra[k];
    return ctx;
  }

  function enqueue(event) {
    var c = consent();
    if (!c || !c.analytics || !key) return;
    event.messageId = uuid();
    event.timestamp = new Date().toISOString();
    event.anonymousId = anonymousId;
    if (userId) event.userId = userId;
    queue.push(event);
    if (queue.length >= MAX_QUEUE) flush();
    else if (!timer) timer = setTimeout(flush, 5000);
  }

  function flush() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!queue.length) return;
    var body = JSON.stringify({ batch: queue.splice(0, queue.length), writeKey: key, sentAt: new Date().toISOString() });
    // text/plain keeps it a "simple" cross-origin request: no preflight, works from any site.
    var blob = new Blob([body], { type: "text/plain;charset=UTF-8" });
    if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, blob)) && w.fetch) {
      w.fetch(endpoint, { method: "POST", body: body, keepalive: true, mode: "no-cors", headers: { "Content-Type": "text/plain" } });
    }
  }

  var api = {
    page: function (name, properties) {
      pageSent = pageSent || !!consent();
      enqueue({ type: "page", name: name || d.title, properties: properties || {}, context: context() });
    },
    track: function (name, properties) {
      if (!name) return;
      enqueue({ type: "track", event: String(name), properties: properties || {}, context: context() });
    },
    identify: function (idOrTraits, traits) {
      if (typeof idOrTraits === "string" || typeof idOrTraits === "number") {
        userId = String(idOrTraits);
        cookie("o2o_uid", userId, 730);
      } else {
        traits = idOrTraits;
      }
      enqueue({ type: "identify", traits: traits || {}, context: context() });
      flush();
    },
    consent: function (choice) {
      cookie("o2o_consent", JSON.stringify({ analytics: !!(choice && choice.analytics), advertising: !!(choice && choice.advertising) }), 365);
      if (!pageSent && choice && choice.analytics && script.getAttribute("data-auto-page") !== "off") api.page();
    },
    flush: flush,
    anonymousId: function () { return anonymousId; }
  };

  // Calls made before the snippet loaded (the stub of the README) run now, in order.
  var early = (w.o2o && w.o2o.q) || [];
  w.o2o = api;
  for (var i = 0; i < early.length; i++) {
    var call = early[i];
    if (api[call[0]]) api[call[0]].apply(api, Array.prototype.slice.call(call[1]));
  }
  if (!pageSent && script.getAttribute("data-auto-page") !== "off") api.page();
  d.addEventListener("visibilitychange", function () { if (d.visibilityState === "hidden") flush(); });
  w.addEventListener("pagehide", flush);
})(window, document);
