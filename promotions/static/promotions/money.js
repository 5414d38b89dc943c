// parseVnd: the browser's copy of o2o_site.money.parse_vnd (change both together). It returns
// {value} for a whole, unambiguous number of đồng, or {code} naming the refusal; the sentences
// come from the page (<script type="application/json" id="amount-messages">), translated there.
(function (root) {
  "use strict";
  var MAX_CHARS = 40;
  var ALLOWED = /^[0-9., ]+$/;
  var ABBREVIATED = /[0-9]\s*(tr|tri[eệ]u|k|ng[aà]n|ngh[iì]n|m)(?![0-9a-zà-ỹ])/i;
  var CURRENCY = /(₫|đồng|đ|vnđ|vnd)$/i;

  function parseVnd(raw) {
    if (typeof raw !== "string") return { code: "characters" };
    var text = raw.replace(/[ \u00a0\u202f\u2009]+/g, " ").trim();
    if (!text) return { code: "required" };
    if (text.length > MAX_CHARS) return { code: "too_long" };
    text = text.replace(CURRENCY, "").trim();
    if (text.charAt(0) === "-") return { code: "negative" };
    if (!ALLOWED.test(text)) return { code: ABBREVIATED.test(text) ? "abbreviated" : "characters" };
    var seps = {};
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      if (c === "." || c === "," || c === " ") seps[c] = true;
    }
    var kinds = Object.keys(seps);
    if (kinds.length > 1) return { code: "mixed", raw: raw.trim().slice(0, MAX_CHARS) };
    if (kinds.length === 0) return { value: Number(text), digits: text };
    var sep = kinds[0];
    var groups = text.split(sep);
    for (var g = 0; g < groups.length; g++) if (!groups[g]) return { code: "empty_group" };
    if (groups.length === 2 && sep !== " " && (sep === "," || groups[1].length !== 3)) {
      return { code: "fraction", raw: text };
    }
    if (groups[0].length > 3) return { code: "groups" };
    for (var k = 1; k < groups.length; k++) if (groups[k].length !== 3) return { code: "groups" };
    var digits = groups.join("");
    return { value: Number(digits), digits: digits };
  }

  function formatVnd(digits) {
    // Grouped from the digit string itself, so amounts past 2^53 are shown as typed.
    var d = String(digits).replace(/^0+(?=[0-9])/, "");
    var out = "";
    while (d.length > 3) {
      out = "." + d.slice(-3) + out;
      d = d.slice(0, -3);
    }
    return d + out + " ₫";
  }

  root.O2OMoney = { parseVnd: parseVnd, formatVnd: formatVnd };
})(window);
