// Loads a capsim report.html in Debian's headless Chromium (DevTools protocol over a pipe, no
// extra package) and fails on anything a reader would see go wrong:
//   - a console error, an uncaught exception or a browser log error;
//   - a request for anything but the file itself (file:, data:, blob:, about: are local);
//   - a chart that did not render: a uPlot chart whose canvas is blank, whose series hold no
//     value or whose lines were not drawn; a bar chart without visible bars;
//   - a number shown with data-field that differs from summary.json's value at that path, or
//     whose text (human units) is not that value to the shown precision;
//   - at phone width (390 px), a page wider than the screen.
// Saves a full-page screenshot per width. Prints one line per check; exit 1 on any failure.
//
// node check-report.mjs --page DIR/report.html [--summary DIR/summary.json]
//      --screenshot OUT_PREFIX [--browser PATH] [--expect-chart TEXT]... [--no-chart TEXT]...
//      [--section ID]   (also a screenshot of that section alone)
import {spawn} from "node:child_process";
import {readFileSync, writeFileSync} from "node:fs";
import {resolve} from "node:path";

const args = process.argv.slice(2);
const opt = {expect: [], none: []};
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = args[i + 1];
  if (a === "--page") { opt.page = v; i++; }
  else if (a === "--summary") { opt.summary = v; i++; }
  else if (a === "--screenshot") { opt.shot = v; i++; }
  else if (a === "--browser") { opt.browser = v; i++; }
  else if (a === "--expect-chart") { opt.expect.push(v); i++; }
  else if (a === "--no-chart") { opt.none.push(v); i++; }
  else if (a === "--section") { opt.section = v; i++; }
  else { console.error("unknown argument " + a); process.exit(2); }
}
const failures = [];
const fail = (m) => { failures.push(m); console.log("FAIL " + m); };
const pass = (m) => console.log("ok   " + m);

const browser = spawn(opt.browser || "chromium-headless-shell",
  ["--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--no-first-run",
   "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
   "--user-data-dir=" + resolve(opt.shot + "-profile"), "about:blank"],
  {stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"]});
let stderr = "";
browser.stderr.on("data", (d) => { stderr += d; });
const toBrowser = browser.stdio[3], fromBrowser = browser.stdio[4];
let nextId = 1, buffer = "";
const pending = new Map();
const listeners = [];
fromBrowser.on("data", (chunk) => {
  buffer += chunk.toString("utf8");
  let end;
  while ((end = buffer.indexOf("\0")) >= 0) {
    const msg = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    if (msg.id && pending.has(msg.id)) {
      const {ok, ko} = pending.get(msg.id);
      pending.delete(msg.id);
      msg.error ? ko(new Error(JSON.stringify(msg.error))) : ok(msg.result);
    } else if (msg.method) {
      listeners.forEach((l) => l(msg));
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const msg = {id, method, params};
  if (sessionId) msg.sessionId = sessionId;
  toBrowser.write(JSON.stringify(msg) + "\0");
  return new Promise((ok, ko) => pending.set(id, {ok, ko}));
}
const timeout = setTimeout(() => {
  fail("timed out after 60 s; browser stderr: " + stderr.slice(-2000));
  finish();
}, 60000);

function finish() {
  clearTimeout(timeout);
  try { browser.kill("SIGKILL"); } catch (e) { /* gone */ }
  console.log(failures.length ? `${failures.length} failed` : "all checks passed");
  process.exit(failures.length ? 1 : 0);
}

// "1.23 M USD" -> 1.23e6; "45.6 %" -> 0.456; "3.14 days" -> 271296 (SI, as summary.json).
const units = {
  "USD": 1, "k USD": 1e3, "M USD": 1e6, "B USD": 1e9, "W": 1, "kW": 1e3, "MW": 1e6, "GW": 1e9,
  "J": 1, "kWh": 3.6e6, "MWh": 3.6e9, "GWh": 3.6e12, "s": 1, "min": 60, "h": 3600,
  "days": 86400, "FLOP": 1, "EFLOP": 1e18, "k EFLOP": 1e21, "M EFLOP": 1e24, "%": 0.01, "GPU-h": 1,
  "k GPU-h": 1e3, "M GPU-h": 1e6, "B": 1, "GB": 1e9, "TB": 1e12, "PB": 1e15, "": 1
};
function parseShown(text) {
  const m = /^(-?[0-9.]+(?:e[+-]?\d+)?)\s*(.*)$/.exec(text.trim());
  if (!m || !(m[2] in units)) return null;
  return parseFloat(m[1]) * units[m[2]];
}
function at(obj, path) {
  return path.replace(/\[(\d+)\]/g, ".$1").split(".").reduce((o, k) => (o == null ? o : o[k]), obj);
}

async function checkPage(width, label) {
  const {targetId} = await send("Target.createTarget", {url: "about:blank"});
  const {sessionId} = await send("Target.attachToTarget", {targetId, flatten: true});
  const problems = [];
  const requests = [];
  let loaded = false;
  listeners.push((msg) => {
    if (msg.sessionId !== sessionId) return;
    const p = msg.params;
    if (msg.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert"))
      problems.push("console." + p.type + ": " + p.args.map((a) => a.value ?? a.description).join(" "));
    if (msg.method === "Runtime.exceptionThrown")
      problems.push("exception: " + (p.exceptionDetails.exception?.description || p.exceptionDetails.text));
    if (msg.method === "Log.entryAdded" && p.entry.level === "error")
      problems.push("log error: " + p.entry.text + (p.entry.url ? " (" + p.entry.url + ")" : ""));
    if (msg.method === "Network.requestWillBeSent") requests.push(p.request.url);
    if (msg.method === "Page.loadEventFired") loaded = true;
  });
  for (const domain of ["Runtime", "Log", "Network", "Page"]) await send(domain + ".enable", {}, sessionId);
  await send("Emulation.setDeviceMetricsOverride",
             {width, height: 900, deviceScaleFactor: 1, mobile: width < 600}, sessionId);
  await send("Page.navigate", {url: "file://" + resolve(opt.page)}, sessionId);
  for (let i = 0; i < 200 && !loaded; i++) await new Promise((r) => setTimeout(r, 50));
  const evaluate = async (expr) => (await send("Runtime.evaluate",
    {expression: expr, returnByValue: true, awaitPromise: true}, sessionId)).result.value;
  let rendered = null;
  for (let i = 0; i < 200; i++) {
    rendered = await evaluate("document.body && document.body.getAttribute('data-rendered')");
    if (rendered) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300)); // a resize or late draw would log by now
  if (rendered !== "true") fail(`${label}: page did not finish rendering (data-rendered=${rendered})`);

  const state = await evaluate(`(() => {
    const charts = [];
    document.querySelectorAll(".chart").forEach((box) => {
      const id = box.getAttribute("data-chart");
      if (box.classList.contains("bars")) {
        const bars = [...box.querySelectorAll(".bar-seg")];
        const visible = bars.filter((b) => { const r = b.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
        charts.push({id, kind: "bars", ok: visible.length > 0, detail: visible.length + " of " + bars.length + " bars visible"});
        return;
      }
      const canvas = box.querySelector("canvas");
      if (!canvas || !canvas.width || !canvas.height) { charts.push({id, kind: "uplot", ok: false, detail: "no canvas"}); return; }
      const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
      const u = (window.capsimCharts || []).find((c) => c.root.parentNode === box);
      let emptySeries = [], undrawn = [];
      if (u) u.series.forEach((s, i) => {
        if (i === 0) return;
        if (!u.data[i].some((v) => v !== null && isFinite(v))) emptySeries.push(s.label);
        else if (s.show && s.width > 0 && !s._paths) undrawn.push(s.label);
      });
      const share = painted / (canvas.width * canvas.height);
      charts.push({id, kind: "uplot", ok: !!u && share > 0.002 && !emptySeries.length && !undrawn.length,
                   detail: (100 * share).toFixed(2) + "% of the canvas painted" +
                     (u ? "" : ", no uPlot instance") +
                     (emptySeries.length ? ", empty series: " + emptySeries.join(", ") : "") +
                     (undrawn.length ? ", series not drawn: " + undrawn.join(", ") : "")});
    });
    const fields = [...document.querySelectorAll("[data-field]")].map((e) => ({
      path: e.getAttribute("data-field"), value: e.getAttribute("data-value"), text: e.textContent}));
    return {charts, fields, scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
            html: document.documentElement.outerHTML.length};
  })()`);

  problems.forEach((p) => fail(`${label}: ${p}`));
  if (!problems.length) pass(`${label}: no console error, exception or log error`);
  const remote = requests.filter((u) => !/^(file|data|blob|about):/.test(u));
  if (remote.length) fail(`${label}: requests left the file: ${remote.join(", ")}`);
  else pass(`${label}: ${requests.length} request(s), all local (${requests.join(", ")})`);
  if (!state.charts.length) fail(`${label}: no chart on the page`);
  state.charts.forEach((c) => (c.ok ? pass : fail)(`${label}: chart ${c.id} (${c.kind}): ${c.detail}`));
  opt.expect.forEach((t) => state.charts.some((c) => c.id.includes(t)) ? pass(`${label}: a chart ${t} is drawn`)
                                                                         : fail(`${label}: no chart ${t}`));
  opt.none.forEach((t) => state.charts.some((c) => c.id.includes(t)) ? fail(`${label}: a chart ${t} is drawn`)
                                                                       : pass(`${label}: no chart ${t}, as expected`));
  if (width < 600) {
    (state.scrollWidth <= state.innerWidth + 1 ? pass : fail)(
      `${label}: page width ${state.scrollWidth} px at a ${state.innerWidth} px screen`);
  }
  if (opt.summary) {
    const summary = JSON.parse(readFileSync(opt.summary, "utf8"));
    let checked = 0;
    state.fields.forEach((f) => {
      const expected = at(summary, f.path);
      if (expected === undefined) { fail(`${label}: ${f.path} shown but not in summary.json`); return; }
      if (expected === null) {
        if (f.value !== "null") fail(`${label}: ${f.path} is null in summary.json, page has ${f.value}`);
        checked++;
        return;
      }
      if (Number(f.value) !== expected) { fail(`${label}: ${f.path} = ${f.value} on the page, ${expected} in summary.json`); return; }
      const shown = parseShown(f.text);
      // Three significant digits: at most 0.5% off, and exact for zero.
      if (shown === null || Math.abs(shown - expected) > 0.0051 * Math.abs(expected) + 1e-300)
        fail(`${label}: ${f.path} shown as '${f.text}', summary.json has ${expected}`);
      else checked++;
    });
    (checked && checked === state.fields.length ? pass : fail)(
      `${label}: ${checked} of ${state.fields.length} numbers shown equal summary.json's`);
  }
  const metrics = await send("Page.getLayoutMetrics", {}, sessionId);
  const height = Math.min(12000, Math.ceil(metrics.cssContentSize.height));
  await send("Emulation.setDeviceMetricsOverride",
             {width, height, deviceScaleFactor: 1, mobile: width < 600}, sessionId);
  const shot = await send("Page.captureScreenshot", {format: "png", captureBeyondViewport: false}, sessionId);
  const file = `${opt.shot}-${width}.png`;
  writeFileSync(file, Buffer.from(shot.data, "base64"));
  pass(`${label}: screenshot ${file} (${width} x ${height} px, page ${state.html} bytes of HTML)`);
  if (opt.section) { // one section alone, to look at it closely
    const box = await evaluate(`(() => { const r = document.getElementById(${JSON.stringify(opt.section)}).getBoundingClientRect();
      return {x: r.left, y: r.top + window.scrollY, width: r.width, height: Math.min(r.height, 4000)}; })()`);
    const part = await send("Page.captureScreenshot", {format: "png", clip: {...box, scale: 1}}, sessionId);
    writeFileSync(`${opt.shot}-${width}-${opt.section}.png`, Buffer.from(part.data, "base64"));
  }
  await send("Target.closeTarget", {targetId});
}

try {
  await checkPage(1280, "desktop");
  await checkPage(390, "phone");
} catch (e) {
  fail("browser: " + e.message + "; stderr: " + stderr.slice(-2000));
}
finish();
