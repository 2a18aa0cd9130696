// page_probe.js: injected by benchmarks/browser_pages.py before any of the page's own scripts.
// Records in window.__pageProbe, as epoch milliseconds: the page's load event (loaded), the first
// script run seen finished (runDone), the main picture first drawn (picture, and its pictureKind),
// and the page settled: the start of 0.5 s without Streamlit's status widget, a skeleton, a
// spinner, a stale element or a picture still drawing, with the app connected and its script not
// running (settled).
// PICTURE_RULE is replaced by "marker" (the app's st-key-main_picture container) or "first"
// (the first drawn picture anywhere in the main area, for an app without the marker).
(() => {
  if (window.top !== window) return; // component iframes get this script too; the page is what counts
  const RULE = PICTURE_RULE;
  const QUIET_MS = 500;
  const BUSY = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-testid="stSpinner"], [data-stale="true"]';
  const probe = (window.__pageProbe = { loaded: null, runDone: null, picture: null, pictureKind: null, settled: null, sawRun: false });
  let quietSince = null;

  // "img", "plotly" or "explorer" when root (an element or a shadow root) holds a drawn picture.
  function drawnIn(root) {
    for (const image of root.querySelectorAll("img")) if (image.complete && image.naturalWidth > 0) return "img";
    if (root.querySelector(".main-svg")) return "plotly";
    if (root.querySelector('[data-ready="true"]')) return "explorer";
    for (const element of root.querySelectorAll("*")) {
      const kind = element.shadowRoot && drawnIn(element.shadowRoot);
      if (kind) return kind;
    }
    return null;
  }

  function picture() {
    const scopes = RULE === "marker" ? document.querySelectorAll(".st-key-main_picture")
      : document.querySelectorAll('[data-testid="stMainBlockContainer"]');
    for (const scope of scopes) {
      const kind = drawnIn(scope);
      if (kind) return kind;
    }
    return null;
  }

  // A picture still on its way: a Plotly chart not drawn yet, an image still loading, an explorer
  // (a Components v2 element, in a shadow root) still building. A skeleton alone does not cover
  // these: Plotly draws after its skeleton has gone.
  function drawing() {
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
      if (!chart.querySelector(".main-svg")) return true;
    }
    for (const image of document.querySelectorAll('[data-testid="stMainBlockContainer"] img')) {
      if (!image.complete && image.loading !== "lazy") return true; // a lazy one off screen never completes
    }
    for (const host of document.querySelectorAll('[data-testid^="stBidiComponent"]')) {
      if (host.shadowRoot && host.shadowRoot.querySelector('[data-ready="false"]')) return true;
    }
    // A Components v2 element in the main picture that has not said data-ready="true" yet.
    if (RULE !== "marker") return false;
    for (const host of document.querySelectorAll('.st-key-main_picture [data-testid^="stBidiComponent"]')) {
      if (!host.shadowRoot || !host.shadowRoot.querySelector('[data-ready="true"]')) return true;
    }
    return false;
  }

  function busy() {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return true;
    const state = app.getAttribute("data-test-script-state");
    if (state === "running" || state === "rerunRequested") probe.sawRun = true;
    if (app.getAttribute("data-test-connection-state") !== "CONNECTED" || state !== "notRunning") return true;
    if (document.querySelector(BUSY) || drawing()) return true;
    // Before the first run's messages the state already reads "notRunning": wait for a run.
    return !probe.sawRun && !document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]');
  }

  function check() {
    const now = performance.timeOrigin + performance.now();
    if (probe.picture === null) {
      const kind = picture();
      if (kind) Object.assign(probe, { picture: now, pictureKind: kind });
    }
    if (probe.settled !== null) return;
    const quiet = !busy();
    if (probe.runDone === null && probe.sawRun && document.querySelector('[data-test-script-state="notRunning"]')) {
      probe.runDone = now; // the first script run has finished on the server and reached the page
    }
    if (!quiet) {
      quietSince = null;
    } else if (quietSince === null) {
      quietSince = now;
    } else if (now - quietSince >= QUIET_MS) {
      probe.settled = quietSince;
    }
  }

  const timer = setInterval(() => {
    check();
    if (probe.picture !== null && probe.settled !== null) clearInterval(timer);
  }, 50);
  // Mutations check at once, so a busy moment shorter than the timer's 50 ms is not missed.
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ["data-test-script-state", "data-test-connection-state", "data-stale", "data-ready"],
  });
  document.addEventListener("load", check, true); // an <img> has loaded (load does not bubble: capture)
  // The page's own load event: Streamlit's HTML, main bundle and fonts are in, before its first run.
  window.addEventListener("load", () => { probe.loaded = performance.timeOrigin + performance.now(); });
})();
