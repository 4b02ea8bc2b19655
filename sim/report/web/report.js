// capsim report.html: draws a run's or a sweep's page from the JSON block #capsim-data with
// uPlot (inlined beside this script). No network access: everything the page needs is inline.
// Numbers shown from summary.json carry data-field (their path in summary.json) and data-value
// (the number itself), which the browser test compares with the file.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("capsim-data").textContent);
  var root = document.getElementById("report");
  root.textContent = "";
  var charts = []; // uPlot instances, resized with the window
  window.capsimCharts = charts; // for the browser test's checks
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"];

  // --- DOM helpers -------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (attrs[k] === undefined || attrs[k] === null) continue;
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function section(id, title, intro) {
    var s = el("section", {id: id}, [el("h2", {text: title})]);
    if (intro) s.appendChild(el("p", {class: "intro", text: intro}));
    root.appendChild(s);
    return s;
  }
  function tableOf(head, rows, cls) {
    var t = el("table", {class: cls || ""});
    t.appendChild(el("thead", null, [el("tr", null, head.map(function (h) {
      return el("th", {text: h});
    }))]));
    var body = el("tbody");
    rows.forEach(function (r) {
      body.appendChild(el("tr", null, r.map(function (c) {
        return c instanceof Node ? c : el("td", {text: c === null || c === undefined ? "" : String(c)});
      })));
    });
    t.appendChild(body);
    return el("div", {class: "table-wrap"}, [t]);
  }

  // --- numbers and units -------------------------------------------------------------------
  function sig(v, digits) {
    if (!isFinite(v)) return String(v);
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1e-3 && a < 1e15) {
      var d = Math.max(0, (digits || 3) - 1 - Math.floor(Math.log10(a)));
      return v.toFixed(Math.min(d, 6));
    }
    return v.toExponential((digits || 3) - 1);
  }
  // Human units by the field's suffix: k, M, B USD; kW, MW; days; %; EFLOP ...
  var steps = {
    usd: [[1, "USD"], [1e3, "k USD"], [1e6, "M USD"], [1e9, "B USD"]],
    w: [[1, "W"], [1e3, "kW"], [1e6, "MW"], [1e9, "GW"]],
    j: [[1, "J"], [3.6e6, "kWh"], [3.6e9, "MWh"], [3.6e12, "GWh"]],
    s: [[1, "s"], [60, "min"], [3600, "h"], [86400, "days"]],
    flops: [[1, "FLOP/s"], [1e12, "TFLOP/s"], [1e15, "PFLOP/s"], [1e18, "EFLOP/s"]],
    flop: [[1, "FLOP"], [1e18, "EFLOP"], [1e21, "k EFLOP"], [1e24, "M EFLOP"]],
    bytes: [[1, "B"], [1e9, "GB"], [1e12, "TB"], [1e15, "PB"]],
    hours: [[1, "GPU-h"], [1e3, "k GPU-h"], [1e6, "M GPU-h"]],
    fraction: [[0.01, "%"]],
    c: [[1, "°C"]], k: [[1, "K"]], m3: [[1, "m³"]], gy: [[1, "Gy"]], kg: [[1, "kg"]],
    m2: [[1, "m²"]]
  };
  function kindOf(field) {
    var f = String(field).split(".").pop();
    if (/_per_/.test(f) && /_usd$/.test(f)) return "usd";
    if (/_usd$/.test(f) || f === "usd") return "usd";
    if (/_flops$/.test(f)) return "flops";
    if (/_w$/.test(f)) return "w";
    if (/_j$/.test(f)) return "j";
    if (/_s$/.test(f)) return "s";
    if (/^flop|_flop$|useful_flop/.test(f)) return "flop";
    if (/_bytes$/.test(f)) return "bytes";
    if (/_hours$/.test(f)) return "hours";
    if (/fraction$|_irr$|^irr$|_soc$/.test(f)) return "fraction";
    if (/_c$/.test(f)) return "c";
    if (/_k(_at_horizon)?$/.test(f)) return "k";
    if (/_m3$/.test(f)) return "m3";
    if (/_m2$/.test(f)) return "m2";
    if (/_gy$/.test(f)) return "gy";
    if (/_kg$/.test(f)) return "kg";
    return null;
  }
  function scaleWith(st, maxAbs) {
    if (!st || !st.length) return [1, ""];
    var chosen = st[0];
    st.forEach(function (s) { if (maxAbs / s[0] >= 1) chosen = s; });
    return chosen;
  }
  function scaleFor(kind, maxAbs) { return scaleWith(steps[kind], maxAbs); }
  function human(v, field, digits) {
    if (v === null || v === undefined) return "—";
    if (typeof v !== "number") return String(v);
    var kind = kindOf(field);
    if (!kind && Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    var s = scaleFor(kind, Math.abs(v));
    var text = sig(v / s[0], digits || 3);
    return s[1] ? (s[1] === "%" ? text + " %" : text + " " + s[1]) : text;
  }
  function get(obj, path) {
    var parts = path.replace(/\[(\d+)\]/g, ".$1").split(".");
    var o = obj;
    for (var i = 0; i < parts.length; i++) {
      if (o === null || o === undefined) return undefined;
      o = o[parts[i]];
    }
    return o;
  }
  // A cell showing summary.json's value at `path` in human units.
  function fieldCell(summary, path, field) {
    var v = get(summary, path);
    var td = el("td", {class: "num", "data-field": path,
                       "data-value": typeof v === "number" ? String(v) : (v === null ? "null" : undefined),
                       text: human(v, field || path)});
    if (typeof v === "number") td.title = String(v);
    return td;
  }
  function derivedCell(v, field, title) {
    return el("td", {class: "num derived", title: title, text: human(v, field)});
  }
  var names = {
    goodput_fraction: "goodput", cost_per_eflop_usd: "cost per useful EFLOP",
    completion_s: "time to train", flop_done: "useful work", total_usd: "total",
    total_cost_usd: "total cost", lease_cost_usd: "lease", capex_usd: "capital cost",
    opex_usd: "operating cost (energy)", energy_cost_usd: "energy cost", equity_irr: "equity IRR", project_irr: "project IRR", npv_usd: "NPV",
    project_npv_usd: "project NPV", min_dscr: "minimum DSCR", min_dscr_month: "month of the minimum DSCR",
    dscr_below_1: "months with DSCR below 1", covenant_breach: "covenant breaches",
    lessee_default: "lessee defaults", lender_loss_usd: "lender loss", lockup_months: "months in lock-up",
    dscr: "DSCR", useful_flop: "useful work"
  };
  function readable(key) {
    if (names[key]) return names[key];
    return String(key).replace(/_(usd|w|j|s|flops|bytes|c|k|m3|gy|kg)$/, "").replace(/_/g, " ");
  }

  // --- charts --------------------------------------------------------------------------------
  function chartWidth(box) {
    return Math.max(260, Math.min(1100, (box.clientWidth || root.clientWidth || 800) - 4));
  }
  function addChart(parent, id, title, opts, uData) {
    var box = el("div", {class: "chart", "data-chart": id}, [el("h3", {text: title})]);
    parent.appendChild(box);
    opts.width = chartWidth(box);
    opts.height = opts.height || Math.round(Math.min(300, Math.max(180, opts.width * 0.45)));
    var u = new uPlot(opts, uData, box);
    u._capsimBox = box;
    charts.push(u);
    return u;
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (u) { u.setSize({width: chartWidth(u._capsimBox), height: u.height}); });
  });
  function axisValues(kind, divisor) {
    return function (u, splits) {
      return splits.map(function (v) { return v === null ? "" : sig(v, 3); });
    };
  }

  // --- run page ------------------------------------------------------------------------------
  function runPage() {
    var s = data.summary;
    var fin = s.finance || null;
    document.title = "capsim report: " + s.scenario;
    var head = el("header", null, [
      el("h1", {text: "capsim run: " + s.scenario}),
      el("p", {class: "meta", text: "seed " + s.seed + " · horizon " + human(s.horizon_s, "horizon_s") +
        " · capsim " + (s.capsim_version || data.capsim_version) + (s.run_id ? " · run " + s.run_id : "") +
        (s.interrupted_at_s !== undefined ? " · interrupted at " + human(s.interrupted_at_s, "t_s") : "")})
    ]);
    root.appendChild(head);
    headline(s, fin);
    goodputLoss(s);
    costByItem(s);
    timeSeries(s);
    events();
    if (fin) finance(s, fin);
    inputs();
  }

  function jobsAtSite(s, site) {
    var clusters = {};
    (s.clusters || []).forEach(function (c) { if (c.site === site) clusters[c.name] = true; });
    return (s.jobs || []).filter(function (j) { return clusters[j.cluster]; });
  }

  function headline(s, fin) {
    var sec = section("headline", "The answer", "Per site and per job: useful work delivered, goodput, what a useful EFLOP cost and how long training took.");
    if (fin) {
      var cards = el("div", {class: "cards"});
      [["finance.cost_per_eflop_usd", "cost per useful EFLOP"], ["finance.total_cost_usd", "total cost"],
       ["finance.useful_flop", "useful work"], ["finance.equity_irr", "equity IRR"],
       ["finance.project_irr", "project IRR"], ["finance.min_dscr", "minimum DSCR"],
       ["finance.npv_usd", "NPV"]].forEach(function (c) {
        var v = get(s, c[0]);
        if (v === undefined) return;
        var val = el("div", {class: "card-value", "data-field": c[0],
                             "data-value": typeof v === "number" ? String(v) : "null",
                             text: human(v, c[0])});
        cards.appendChild(el("div", {class: "card"}, [el("div", {class: "card-label", text: c[1]}), val]));
      });
      sec.appendChild(cards);
    }
    var finSites = {};
    if (fin && fin.sites) fin.sites.forEach(function (fs, i) { finSites[fs.site] = i; });
    var rows = (s.sites || []).map(function (site, i) {
      var jobs = jobsAtSite(s, site.name);
      var fi = finSites[site.name];
      var useful = fi !== undefined ? fieldCell(s, "finance.sites[" + fi + "].useful_flop", "useful_flop")
        : derivedCell(jobs.reduce(function (a, j) { return a + (j.flop_done || 0); }, 0), "flop_done",
                      "sum of the site's jobs' flop_done");
      var gpus = 0, weighted = 0;
      jobs.forEach(function (j) {
        if (typeof j.goodput_fraction === "number") { gpus += j.gpus; weighted += j.gpus * j.goodput_fraction; }
      });
      return [el("td", {text: site.name}), el("td", {text: site.kind}), useful,
              gpus ? derivedCell(weighted / gpus, "goodput_fraction", "GPU-weighted goodput of the site's jobs")
                   : el("td", {text: "—"}),
              fi !== undefined ? fieldCell(s, "finance.sites[" + fi + "].cost_per_eflop_usd")
                               : el("td", {text: "—", title: "no finance block"}),
              fi !== undefined ? fieldCell(s, "finance.sites[" + fi + "].total_usd")
                               : fieldCell(s, "sites[" + i + "].capex_usd"),
              fieldCell(s, "sites[" + i + "].facility_energy_j"),
              fieldCell(s, "sites[" + i + "].peak_facility_power_w"),
              fieldCell(s, "sites[" + i + "].mean_pue", "pue"),
              fieldCell(s, "sites[" + i + "].throttled_fraction")];
    });
    sec.appendChild(el("h3", {text: "Sites"}));
    sec.appendChild(tableOf(["site", "kind", "useful work", "goodput (jobs)", "cost per useful EFLOP",
                             fin ? "total cost" : "capital cost", "facility energy", "peak power",
                             "mean PUE", "GPU-hours capped"], rows, "headline-sites"));
    var runs = {};
    if (fin && fin.training_runs) fin.training_runs.forEach(function (r, i) { runs[r.job] = i; });
    var siteOf = {};
    (s.clusters || []).forEach(function (c) { siteOf[c.name] = c.site; });
    var jrows = (s.jobs || []).map(function (j, i) {
      var ri = runs[j.name];
      var costCell = el("td", {text: "—"});
      var fi = finSites[siteOf[j.cluster]];
      if (fi !== undefined && fin.sites.length > 1) {
        costCell = fieldCell(s, "finance.sites[" + fi + "].cost_per_eflop_usd");
        costCell.title = "its site's cost per useful EFLOP";
      } else if (ri !== undefined && j.flop_done > 0) {
        var r = fin.training_runs[ri];
        costCell = derivedCell(r.cost_usd / (j.flop_done / 1e18), "cost_per_eflop_usd",
                               "finance.training_runs cost_usd / useful EFLOP");
      }
      return [el("td", {text: j.name}), el("td", {text: j.cluster}), fieldCell(s, "jobs[" + i + "].gpus", "gpus"),
              fieldCell(s, "jobs[" + i + "].flop_done"), fieldCell(s, "jobs[" + i + "].goodput_fraction"),
              costCell, fieldCell(s, "jobs[" + i + "].completion_s"),
              fieldCell(s, "jobs[" + i + "].interruptions", "count"),
              el("td", {text: j.state_at_horizon || ""})];
    });
    sec.appendChild(el("h3", {text: "Jobs"}));
    sec.appendChild(tableOf(["job", "cluster", "GPUs", "useful work", "goodput", "cost per useful EFLOP",
                             "time to train", "interruptions", "state at horizon"], jrows, "headline-jobs"));
  }

  // goodput_loss: {part: x, lost_work: {cause: x}} -> [["lost work: cause", "path", x]]
  function lossParts(loss, path, prefix, out) {
    Object.keys(loss || {}).forEach(function (k) {
      var v = loss[k];
      if (v !== null && typeof v === "object") lossParts(v, path + "." + k, readable(k) + ": ", out);
      else if (typeof v === "number" && v > 0) out.push([prefix + readable(k), path + "." + k, v]);
    });
    return out;
  }

  function goodputLoss(s) {
    var jobs = (s.jobs || []).filter(function (j) { return j.goodput_loss; });
    if (!jobs.length) return;
    var idle = jobs.filter(function (j) { return typeof j.goodput_fraction !== "number"; });
    jobs = jobs.filter(function (j) { return typeof j.goodput_fraction === "number"; });
    var sec = section("goodput", "Where goodput went", "Each job's time on its GPUs: the share that trained (goodput) and what took the rest.");
    var colors = {};
    var next = 1;
    jobs.forEach(function (j) {
      var i = s.jobs.indexOf(j);
      var parts = lossParts(j.goodput_loss, "jobs[" + i + "].goodput_loss", "", []);
      parts.sort(function (a, b) { return b[2] - a[2]; });
      var bar = el("div", {class: "stack"});
      var segs = [["goodput", "jobs[" + i + "].goodput_fraction", j.goodput_fraction || 0]].concat(parts);
      segs.forEach(function (p) {
        if (!(p[2] > 0)) return;
        if (!colors[p[0]]) colors[p[0]] = p[0] === "goodput" ? palette[2] : palette[(next++ % palette.length)];
        if (colors[p[0]] === palette[2] && p[0] !== "goodput") colors[p[0]] = palette[(next++ % palette.length)];
        bar.appendChild(el("div", {class: "bar-seg", style: "width:" + (100 * p[2]).toFixed(4) + "%;background:" + colors[p[0]],
                                   title: p[0] + ": " + human(p[2], "fraction")}));
      });
      var box = el("div", {class: "chart bars", "data-chart": "goodput:" + j.name}, [
        el("h3", {text: j.name + " — goodput " + human(j.goodput_fraction, "fraction")}), bar]);
      sec.appendChild(box);
      var rows = segs.map(function (p) {
        return [el("td", null, [el("span", {class: "swatch", style: "background:" + (colors[p[0]] || "#ccc")}), p[0]]),
                fieldCell(s, p[1], "fraction")];
      });
      var det = el("details", null, [el("summary", {text: "split of " + j.name}), tableOf(["part", "share of time"], rows)]);
      sec.appendChild(det);
    });
    idle.forEach(function (j) {
      sec.appendChild(el("p", {text: j.name + ": no goodput to split (" + (j.state_at_horizon || "no time on GPUs") + " at the horizon)."}));
    });
  }

  // Every money leaf of the summary's entities, whatever its name: fields ending in _usd (or
  // under a key holding "cost"), rates (_per_) left out. New fields show up as they come.
  function moneyLeaves(obj, path, label, out, inCost) {
    Object.keys(obj || {}).forEach(function (k) {
      var v = obj[k];
      var p = path + "." + k;
      var isCost = inCost || /cost|_usd$/.test(k);
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        moneyLeaves(v, p, label ? label + " " + readable(k) : readable(k), out, isCost);
      } else if (typeof v === "number" && isCost && !/_per_|per_gpu|rate/.test(k) && v !== 0) {
        out.push([label ? label + ": " + readable(k) : readable(k), p, v]);
      }
    });
    return out;
  }

  function costByItem(s) {
    var groups = [];
    (s.sites || []).forEach(function (x, i) { groups.push(["site " + x.name, "sites[" + i + "]", x]); });
    (s.clusters || []).forEach(function (x, i) { groups.push(["cluster " + x.name, "clusters[" + i + "]", x]); });
    var f = s.finance || {};
    ["sites", "lessees", "training_runs"].forEach(function (key) {
      (f[key] || []).forEach(function (x, i) {
        groups.push(["finance " + key.replace(/s$/, "").replace("_", " ") + " " + (x.name || x.site || x.job || i),
                     "finance." + key + "[" + i + "]", x]);
      });
    });
    // A vehicle's purchases (its other amounts are flows: see Finance).
    (f.vehicles || []).forEach(function (v, i) {
      if (v.capex) groups.push(["finance vehicle " + v.name + ": purchases", "finance.vehicles[" + i + "].capex", v.capex]);
    });
    var any = false;
    var sec = section("costs", "Cost by item", "Every cost the run and its finance block report, by site, cluster and finance entity (zero items left out).");
    groups.forEach(function (g) {
      var items = [];
      // One row per amount: aliases (opex_usd = energy_cost_usd = cost_by_source grid) merged.
      moneyLeaves(g[2], g[1], "", [], false).forEach(function (it) {
        var same = items.filter(function (o) { return o[2] === it[2]; })[0];
        if (same) same[0] += " = " + it[0]; else items.push(it);
      });
      items.sort(function (a, b) {
        var ta = /total/.test(a[1].split(".").pop()), tb = /total/.test(b[1].split(".").pop());
        return ta !== tb ? (ta ? 1 : -1) : Math.abs(b[2]) - Math.abs(a[2]);
      });
      if (!items.length) return;
      any = true;
      var max = Math.max.apply(null, items.map(function (it) { return Math.abs(it[2]); }));
      var rows = items.map(function (it) {
        var bar = el("div", {class: "hbar", style: "width:" + (100 * Math.abs(it[2]) / max).toFixed(2) + "%"});
        return [el("td", {text: it[0]}), fieldCell(s, it[1], "x_usd"), el("td", {class: "barcell"}, [bar])];
      });
      sec.appendChild(el("h3", {text: g[0]}));
      sec.appendChild(tableOf(["item", "USD", ""], rows, "costs"));
    });
    if (!any) sec.appendChild(el("p", {text: "No costs: the scenario prices nothing."}));
  }

  var tsGroups = [
    ["power", "power drawn and available", ["facility_power_w", "it_power_w", "power_available_w", "heat_rejection_capacity_w"]],
    ["supply", "supply by source", ["grid_power_w", "turbine_power_w", "solar_power_w", "battery_power_w"]],
    ["gpus", "GPUs", ["gpus_installed", "gpus_up", "gpus_busy", "gpus_shed"]],
    ["cap", "power capping", ["cap_fraction", "throttle_fraction"]],
    ["goodput", "goodput (useful training work per second)", ["goodput_flops"]],
    ["ambient", "ambient temperature", ["ambient_c"]],
    ["pue", "PUE", ["pue"]],
    ["battery", "battery state of charge", ["battery_soc"]],
    ["eclipse", "eclipse", ["in_eclipse"]],
    ["radiator", "radiator temperature", ["radiator_k"]]
  ];
  var syncKey = uPlot.sync("capsim-time");

  function timeSeries(s) {
    var ts = data.timeseries;
    if (!ts) return;
    var tsLabels = ts.labels || {};
    var sec = section("timeseries", "Time series", "Drag across a chart to zoom (all charts follow), double-click to zoom out; hover for values. Series that stay at zero are not drawn.");
    Object.keys(ts.sites).forEach(function (site) {
      var cols = ts.sites[site];
      var t = cols.time_s || [];
      if (!t.length) return;
      var tDays = t.map(function (x) { return x / 86400; });
      sec.appendChild(el("h3", {class: "site-title", text: "site " + site}));
      var used = {time_s: true};
      var groups = tsGroups.slice();
      Object.keys(cols).forEach(function (c) {
        var listed = tsGroups.some(function (g) { return g[2].indexOf(c) >= 0; });
        if (!listed && c !== "time_s") groups.push([c, tsLabels[c] ? tsLabels[c].label : readable(c), [c]]);
      });
      groups.forEach(function (g) {
        var present = g[2].filter(function (c) {
          return cols[c] && cols[c].some(function (v) { return typeof v === "number" && v !== 0; });
        });
        if (!present.length) return;
        present.forEach(function (c) { used[c] = true; });
        var maxAbs = 0;
        present.forEach(function (c) { cols[c].forEach(function (v) { if (typeof v === "number") maxAbs = Math.max(maxAbs, Math.abs(v)); }); });
        // Labels and units from capsim's column table (timeseries_columns.hpp).
        var info = tsLabels[present[0]];
        var sc = info ? scaleWith(info.steps, maxAbs) : scaleFor(kindOf(present[0]), maxAbs);
        var unit = sc[1];
        var series = [{label: "time (days)", value: function (u, v) { return v === null ? "" : sig(v, 4) + " d"; }}];
        var uData = [tDays];
        present.forEach(function (c, k) {
          series.push({label: tsLabels[c] ? tsLabels[c].label : readable(c), stroke: palette[k % palette.length], width: 1.5,
                       value: function (u, v) { return v === null ? "—" : sig(v, 4) + (unit ? " " + unit : ""); },
                       paths: g[0] === "eclipse" ? uPlot.paths.stepped({align: 1}) : undefined,
                       fill: g[0] === "eclipse" ? "rgba(120,120,160,0.25)" : undefined});
          uData.push(cols[c].map(function (v) { return typeof v === "number" ? v / sc[0] : null; }));
        });
        addChart(sec, site + ":" + g[0], g[1] + (unit && g[1].indexOf(unit) < 0 ? " (" + unit + ")" : ""), {
          series: series,
          scales: {x: {time: false}},
          axes: [{label: "time (days)"}, {label: unit, size: 60}],
          cursor: {sync: {key: syncKey.key}, drag: {x: true, y: false}},
          legend: {live: true}
        }, uData);
      });
    });
  }

  function eventLane(kind, detail) {
    detail = detail || "";
    if (kind === "failure") return "failure: " + detail.split(":")[0];
    if (kind === "interruption") return "interruption: " + detail.split(/ on |;/)[0];
    return kind;
  }
  var quietKinds = {checkpoints: 1, job_running: 1, eclipse_start: 1, eclipse_end: 1, downlink: 1, checkpoint_plan: 1};

  function events() {
    var ev = data.events;
    if (!ev) return;
    var sec = section("events", "Events", "Failures by cause, interruptions, deliveries, launches, grid steps and other state changes on the time axis (frequent routine events — eclipses, downlinks, checkpoints, job resumptions — are counted in the table only).");
    var c = ev.columns;
    var iT = c.indexOf("time_s"), iK = c.indexOf("kind"), iS = c.indexOf("site"), iD = c.indexOf("detail");
    var lanes = {}, laneNames = [];
    var pts = [];
    ev.rows.forEach(function (r) {
      if (quietKinds[r[iK]]) return;
      var lane = eventLane(r[iK], r[iD]).replace(/_/g, " ");
      if (!(lane in lanes)) { lanes[lane] = laneNames.length; laneNames.push(lane); }
      pts.push([r[iT] / 86400, lane, r]);
    });
    if (pts.length) {
      // One series per lane, on a shared x of every event time.
      var xs = Array.from(new Set(pts.map(function (p) { return p[0]; }))).sort(function (a, b) { return a - b; });
      var idx = new Map(xs.map(function (x, i) { return [x, i]; }));
      var uData = [xs];
      var series = [{label: "time (days)", value: function (u, v) { return v === null ? "" : sig(v, 5) + " d"; }}];
      laneNames.forEach(function (lane, k) {
        var ys = new Array(xs.length).fill(null);
        uData.push(ys);
        series.push({label: lane, stroke: palette[k % palette.length], width: 0, paths: function () { return null; },
                     points: {show: true, size: 7, fill: palette[k % palette.length]},
                     value: function (u, v) { return v === null ? "" : "●"; }});
      });
      pts.forEach(function (p) { uData[1 + lanes[p[1]]][idx.get(p[0])] = lanes[p[1]]; });
      addChart(sec, "events", "events by kind", {
        series: series,
        height: Math.max(160, 40 + 22 * laneNames.length),
        scales: {x: {time: false}, y: {range: [-0.5, laneNames.length - 0.5]}},
        axes: [{label: "time (days)"}, {size: Math.min(Math.max(90, 7 * Math.max.apply(null, laneNames.map(function (l) { return l.length; }))),
                                               Math.round(0.45 * chartWidth(root))), splits: function () { return laneNames.map(function (_, i) { return i; }); },
               values: function (u, sp) { return sp.map(function (v) { return laneNames[v] || ""; }); }}],
        cursor: {sync: {key: syncKey.key}, drag: {x: true, y: false}},
        legend: {show: false}
      }, uData);
    }
    var counts = Object.keys(ev.counts).sort().map(function (k) { return [k, ev.counts[k]]; });
    sec.appendChild(el("details", null, [el("summary", {text: "events by kind (" + counts.reduce(function (a, b) { return a + b[1]; }, 0) + " rows" + (ev.left_out ? ", " + ev.left_out + " not drawn" : "") + ")"}),
                                         tableOf(["kind", "rows in events.csv"], counts)]));
  }

  function columnIndex(table, name) { return table.columns.indexOf(name); }

  function finance(s, fin) {
    var sec = section("finance", "Finance", "Returns, debt service coverage against the covenants, and the monthly ledger.");
    var rows = [];
    ["equity_irr", "project_irr", "npv_usd", "min_dscr", "min_dscr_month", "covenant_breach", "dscr_below_1",
     "lessee_default", "lender_loss_usd", "cost_per_eflop_usd", "total_cost_usd"].forEach(function (k) {
      if (fin[k] !== undefined) rows.push([el("td", {text: readable(k)}), fieldCell(s, "finance." + k, k === "min_dscr" || k === "min_dscr_month" ? "x" : k)]);
    });
    (fin.vehicles || []).forEach(function (v, i) {
      ["equity_irr", "project_irr", "npv_usd", "debt_usd", "equity_usd", "interest_usd", "distributions_usd",
       "residual_value_usd", "lockup_months"].forEach(function (k) {
        if (v[k] !== undefined) rows.push([el("td", {text: v.name + ": " + readable(k)}),
                                           fieldCell(s, "finance.vehicles[" + i + "]." + k, k === "lockup_months" ? "x" : k)]);
      });
    });
    sec.appendChild(tableOf(["measure", "value"], rows, "finance-headline"));
    var fm = data.finance_months;
    if (fm && fm.rows.length) {
      var iM = columnIndex(fm, "month"), iV = columnIndex(fm, "vehicle"), iD = columnIndex(fm, "dscr");
      var iL = columnIndex(fm, "lockup_test"), iF = columnIndex(fm, "default_test");
      var vehicles = [];
      fm.rows.forEach(function (r) { if (vehicles.indexOf(r[iV]) < 0) vehicles.push(r[iV]); });
      var cov = covenants();
      vehicles.forEach(function (veh) {
        var rs = fm.rows.filter(function (r) { return r[iV] === veh; });
        var months = rs.map(function (r) { return r[iM]; });
        var dscr = rs.map(function (r) { return typeof r[iD] === "number" ? r[iD] : null; });
        if (!dscr.some(function (v) { return v !== null; })) return;
        var series = [{label: "month"}, {label: "DSCR", stroke: palette[0], width: 2, spanGaps: false,
                                         points: {show: true, size: 4}}];
        var uData = [months, dscr];
        var lines = [["DSCR = 1", 1]];
        if (cov.lockup !== undefined) lines.push(["lock-up covenant", cov.lockup]);
        if (cov.default !== undefined) lines.push(["default covenant", cov.default]);
        lines.forEach(function (l, k) {
          series.push({label: l[0] + " (" + l[1] + ")", stroke: palette[(k + 1) % palette.length], width: 1, dash: [6, 4],
                       points: {show: false}});
          uData.push(months.map(function () { return l[1]; }));
        });
        var fails = rs.map(function (r) { return (r[iL] === "fail" || r[iF] === "fail") && typeof r[iD] === "number" ? r[iD] : null; });
        if (fails.some(function (v) { return v !== null; })) {
          series.push({label: "covenant test failed", stroke: "#d62728", width: 0, paths: function () { return null; },
                       points: {show: true, size: 9, fill: "#d62728"}});
          uData.push(fails);
        }
        var finite = dscr.filter(function (v) { return v !== null; });
        var top = Math.min(Math.max.apply(null, finite), Math.max(4, 3 * Math.max(1, finite.sort(function (a, b) { return a - b; })[Math.floor(finite.length / 2)])));
        addChart(sec, "dscr:" + veh, veh + ": debt service coverage ratio by month", {
          series: series, scales: {x: {time: false}, y: {range: [0, top * 1.05]}},
          axes: [{label: "month"}, {label: "DSCR"}]
        }, uData);
      });
    }
    var lg = data.ledger;
    if (lg && lg.rows.length) {
      var iE = columnIndex(lg, "entity"), iN = columnIndex(lg, "name"), iMo = columnIndex(lg, "month");
      var entities = [];
      lg.rows.forEach(function (r) { var k = r[iE] + " " + r[iN]; if (entities.indexOf(k) < 0) entities.push(k); });
      entities.forEach(function (ent) {
        var rs = lg.rows.filter(function (r) { return r[iE] + " " + r[iN] === ent; });
        var cols = lg.columns.map(function (c, k) { return k; }).filter(function (k) {
          if (k === iMo) return true;
          if (!/_usd$/.test(lg.columns[k]) && ["dscr", "lockup_test", "default_test", "lease_status"].indexOf(lg.columns[k]) < 0) return false;
          return rs.some(function (r) { return r[k] !== null && r[k] !== 0 && r[k] !== ""; });
        });
        var body = rs.map(function (r) { return cols.map(function (k) {
          var v = r[k];
          return k === iMo ? String(v) : (typeof v === "number" ? (/_usd$/.test(lg.columns[k]) ? human(v, lg.columns[k]) : sig(v, 4)) : (v || ""));
        }); });
        sec.appendChild(el("details", null, [el("summary", {text: "ledger by month: " + ent + " (" + rs.length + " months)"}),
                                             tableOf(cols.map(function (k) { return readable(lg.columns[k]); }), body, "ledger")]));
      });
    }
  }

  function covenants() {
    var out = {};
    if (!data.inputs) return out;
    data.inputs.rows.forEach(function (r) {
      if (/covenants\.lockup_dscr$/.test(r[0])) out.lockup = parseFloat(r[1]);
      if (/covenants\.default_dscr$/.test(r[0])) out.default = parseFloat(r[1]);
    });
    return out;
  }

  function inputs() {
    var sec = section("inputs", "Scenario inputs", null);
    if (!data.inputs) {
      sec.appendChild(el("p", {text: "The scenario file was not given: capsim run --report includes it, as does capsim report DIR --scenario FILE."}));
      return;
    }
    sec.appendChild(el("p", {class: "intro", text: "From " + data.inputs.file + (data.inputs.sets.length ? " with --set " + data.inputs.sets.join(", ") : "") + ", as written (units as given)."}));
    sec.appendChild(tableOf(["input", "value", "unit"], data.inputs.rows, "inputs"));
  }

  // --- sweep page ----------------------------------------------------------------------------
  function sweepPage() {
    document.title = "capsim sweep report: " + data.scenario;
    root.appendChild(el("header", null, [
      el("h1", {text: "capsim sweep: " + data.scenario}),
      el("p", {class: "meta", text: data.points + " points × " + data.replications + " replications · " +
        data.scenario_file + " · capsim " + data.capsim_version})]));
    var sec = section("curves", "Curves", "Each line is the mean over the runs at each x, the band their 5th to 95th percentiles; circles mark break-evens. Drag to zoom, double-click to zoom out.");
    if (!data.curves.length) sec.appendChild(el("p", {text: "The sweep defines no curves (a curves: block, or --curve x=PATH,y=METRIC)."}));
    data.curves.forEach(function (c) { curveChart(sec, c); });
    pointsTable();
    returnsDistribution();
  }

  function short(v) { return String(parseFloat(Number(v).toPrecision(4))); }
  function fmtX(c, x) { return short(x / c.x_divisor) + " " + unitOf(c.x_label); }
  function unitOf(label) { var m = /\(([^()]*)\)$/.exec(label); return m ? m[1] : ""; }

  function curveChart(sec, c) {
    var tables = [];
    var series = [{label: c.x_label}];
    var bands = [];
    var k = 0;
    c.lines.forEach(function (l, li) {
      var xs = l.points.map(function (p) { return p[0] / c.x_divisor; });
      var color = palette[li % palette.length];
      var hasBand = l.points.some(function (p) { return p[1] > 1 && p[5] > p[3]; });
      var cols = [xs, l.points.map(function (p) { return p[2] / c.y_divisor; })];
      series.push({label: l.name + (hasBand ? " (mean)" : ""), stroke: color, width: 2, points: {show: true, size: 5}, spanGaps: true});
      if (hasBand) {
        cols.push(l.points.map(function (p) { return p[5] / c.y_divisor; }));
        cols.push(l.points.map(function (p) { return p[3] / c.y_divisor; }));
        series.push({label: l.name + " p95", stroke: color, width: 0.5, dash: [3, 3], spanGaps: true, points: {show: false}});
        series.push({label: l.name + " p5", stroke: color, width: 0.5, dash: [3, 3], spanGaps: true, points: {show: false}});
        bands.push({series: [k + 2, k + 3], fill: color + "33"});
        k += 3;
      } else {
        k += 1;
      }
      tables.push(cols);
    });
    if (c.break_evens.length) {
      var bx = c.break_evens.map(function (b) { return b.x / c.x_divisor; });
      tables.push([bx, c.break_evens.map(function (b) { return b.y / c.y_divisor; })]);
      series.push({label: "break-even", stroke: "#000", width: 0, paths: function () { return null; },
                   points: {show: true, size: 12, width: 2, stroke: "#000", fill: "#fff"}});
    }
    var uData = uPlot.join(tables.map(function (t) {
      // uPlot.join needs ascending x per table.
      var order = t[0].map(function (_, i) { return i; }).sort(function (a, b) { return t[0][a] - t[0][b]; });
      return t.map(function (col) { return order.map(function (i) { return col[i]; }); });
    }));
    var xAll = [];
    c.lines.forEach(function (l) { l.points.forEach(function (p) { if (xAll.indexOf(p[0] / c.x_divisor) < 0) xAll.push(p[0] / c.x_divisor); }); });
    xAll.sort(function (a, b) { return a - b; });
    var xAxis = {label: c.x_label + (c.x_log ? " — log scale" : "")};
    if (c.x_log) { // ticks at the swept values themselves
      xAxis.splits = function () { return xAll; };
      xAxis.filter = function (u, sp) { return sp; }; // uPlot keeps only decades otherwise
      xAxis.values = function (u, sp) { return sp.map(function (v) { return v === null ? "" : short(v); }); };
    }
    var opts = {
      series: series, bands: bands,
      scales: {x: {time: false, distr: c.x_log ? 3 : 1,
                   range: c.x_log ? function (u, min, max) { return [min / 1.15, max * 1.15]; } : undefined}, y: {}},
      axes: [xAxis, {label: root.clientWidth < 600 ? unitOf(c.y_label) : c.y_label, size: 60, labelSize: 20}],
      cursor: {drag: {x: true, y: false}},
      hooks: {draw: [function (u) {
        if (!c.break_evens.length) return;
        var ctx = u.ctx;
        ctx.save();
        ctx.fillStyle = "#000";
        ctx.font = Math.round(12 * devicePixelRatio) + "px sans-serif";
        c.break_evens.forEach(function (b) {
          var x = u.valToPos(b.x / c.x_divisor, "x", true), y = u.valToPos(b.y / c.y_divisor, "y", true);
          ctx.fillText("break-even " + fmtX(c, b.x), x + 8 * devicePixelRatio, y - 8 * devicePixelRatio);
        });
        ctx.restore();
      }]}
    };
    addChart(sec, "curve:" + c.name, c.title, opts, uData);
    if (c.break_evens.length) {
      sec.appendChild(tableOf(["break-even between", "at x", "y there", "higher before"], c.break_evens.map(function (b) {
        return [b.line_a + " and " + b.line_b,
                el("td", {class: "num breakeven-x", "data-x-si": String(b.x), text: fmtX(c, b.x)}),
                short(b.y / c.y_divisor) + " " + unitOf(c.y_label), b.higher_before];
      }), "breakevens"));
    }
  }

  function pointsTable() {
    var sc = data.summary_csv;
    if (!sc) return;
    var sec = section("points", "Points", "One row per point: the swept values, the runs and, for each curve's metric, the mean and the 5th–95th percentiles over the replications.");
    var axisCols = data.axes.map(function (a) { return a.path; });
    var metrics = [];
    data.curves.forEach(function (c) {
      if (c.x === "time") return;
      [c.y].forEach(function (y) { if (y && metrics.indexOf(y) < 0 && sc.columns.indexOf(y + ".mean") >= 0) metrics.push(y); });
    });
    var head = ["point"].concat(axisCols.map(function (p) { var a = data.axes[axisCols.indexOf(p)]; return a.label; }), ["runs", "failed"]);
    metrics.forEach(function (m) { head.push(readable(m.split(".").pop()) + " (" + m.split(".").slice(0, -1).join(".") + ") mean [p5, p95]"); });
    var idx = function (n) { return sc.columns.indexOf(n); };
    var rows = sc.rows.map(function (r) {
      var row = [String(r[idx("point")])];
      axisCols.forEach(function (p) { row.push(r[idx(p)] === null ? "" : String(r[idx(p)])); });
      row.push(String(r[idx("runs")]), String(r[idx("failed")]));
      metrics.forEach(function (m) {
        var f = m.split(".").pop();
        var mean = r[idx(m + ".mean")], p5 = r[idx(m + ".p5")], p95 = r[idx(m + ".p95")];
        row.push(mean === null ? "—" : human(mean, f) + (p5 !== null && p95 !== null && p95 > p5 ? " [" + human(p5, f) + ", " + human(p95, f) + "]" : ""));
      });
      return row;
    });
    sec.appendChild(tableOf(head, rows, "points"));
  }

  function returnsDistribution() {
    var varying = Object.keys(data.returns || {}).filter(function (k) {
      var v = data.returns[k];
      return v.length > 1 && Math.max.apply(null, v) > Math.min.apply(null, v);
    });
    if (!varying.length) return;
    var sec = section("returns", "Distribution of returns", "Every successful run's internal rate of return, in bins.");
    varying.forEach(function (k) {
      var v = data.returns[k].slice().sort(function (a, b) { return a - b; });
      var lo = v[0], hi = v[v.length - 1];
      var bins = Math.max(5, Math.min(30, Math.ceil(Math.sqrt(v.length))));
      var w = (hi - lo) / bins;
      var counts = new Array(bins).fill(0);
      v.forEach(function (x) { counts[Math.min(bins - 1, Math.floor((x - lo) / w))]++; });
      var maxc = Math.max.apply(null, counts);
      var hist = el("div", {class: "hist"});
      counts.forEach(function (n, i) {
        hist.appendChild(el("div", {class: "hist-bar bar-seg", style: "height:" + (100 * n / maxc).toFixed(2) + "%",
                                    title: human(lo + i * w, "irr") + " to " + human(lo + (i + 1) * w, "irr") + ": " + n + " runs"}));
      });
      var q = function (p) { var i = (v.length - 1) * p, f = Math.floor(i); return v[f] + (v[Math.min(f + 1, v.length - 1)] - v[f]) * (i - f); };
      sec.appendChild(el("div", {class: "chart bars", "data-chart": "returns:" + k}, [
        el("h3", {text: readable(k.split(".").pop()) + " (" + k + "): p5 " + human(q(0.05), "irr") + ", median " + human(q(0.5), "irr") + ", p95 " + human(q(0.95), "irr") + " over " + v.length + " runs"}),
        hist, el("div", {class: "hist-axis"}, [el("span", {text: human(lo, "irr")}), el("span", {text: human(hi, "irr")})])]));
    });
  }

  try {
    if (data.kind === "run") runPage(); else sweepPage();
    document.body.setAttribute("data-rendered", "true");
  } catch (e) {
    document.body.setAttribute("data-rendered", "error");
    console.error("capsim report: " + (e && e.stack ? e.stack : e));
  }
})();
