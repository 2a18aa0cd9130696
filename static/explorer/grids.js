// grids.js: colour scales, colour legends, fitting numbers into cells, and the grids' HTML.

// The colour scales of cnnviz.style, as Plotly defines them (Greys, RdBu_r, Reds).
const SCALES = {
  grey: [[0, [255, 255, 255]], [0.125, [240, 240, 240]], [0.25, [217, 217, 217]], [0.375, [189, 189, 189]],
         [0.5, [150, 150, 150]], [0.625, [115, 115, 115]], [0.75, [82, 82, 82]], [0.875, [37, 37, 37]],
         [1, [0, 0, 0]]],
  signed: [[0, [5, 48, 97]], [0.1, [33, 102, 172]], [0.2, [67, 147, 195]], [0.3, [146, 197, 222]],
           [0.4, [209, 229, 240]], [0.5, [247, 247, 247]], [0.6, [253, 219, 199]], [0.7, [244, 165, 130]],
           [0.8, [214, 96, 77]], [0.9, [178, 24, 43]], [1, [103, 0, 31]]],
  reds: [[0, [255, 245, 240]], [0.125, [254, 224, 210]], [0.25, [252, 187, 161]], [0.375, [252, 146, 114]],
         [0.5, [251, 106, 74]], [0.625, [239, 59, 44]], [0.75, [203, 24, 29]], [0.875, [165, 15, 21]],
         [1, [103, 0, 13]]],
};

// [low, high] of a colour scale for these values: signed maps are centred on zero (white = 0).
function colourRange(scheme, values, given) {
  if (given) return given;
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (Number.isNaN(value)) continue;
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  if (!Number.isFinite(low)) low = high = 0;
  if (scheme === "signed") {
    const limit = Math.max(Math.abs(low), Math.abs(high), 1e-9);
    return [-limit, limit];
  }
  if (scheme === "grey" && low >= 0 && high <= 1) return [0, 1];
  return [Math.min(low, 0), Math.max(high, Math.min(low, 0) + 1e-9)];
}

function colourAt(scheme, range, value) {
  const stops = SCALES[scheme];
  const t = Math.min(1, Math.max(0, (value - range[0]) / Math.max(range[1] - range[0], 1e-12)));
  let k = 1;
  while (k < stops.length - 1 && stops[k][0] < t) k++;
  const [t0, c0] = stops[k - 1];
  const [t1, c1] = stops[k];
  const f = (t - t0) / (t1 - t0);
  return c0.map((channel, i) => Math.round(channel + (c1[i] - channel) * f));
}

const rgb = (colour) => `rgb(${colour[0]},${colour[1]},${colour[2]})`;
const textOn = (colour) => (0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2] > 140 ? "#000" : "#fff");

function legendHtml(scheme, range, decimals) {
  while (decimals < 6 && printed(range[0], decimals) === printed(range[1], decimals)) decimals++; // "0" to "0" says nothing
  const stops = SCALES[scheme].map(([t, colour]) => `${rgb(colour)} ${(t * 100).toFixed(1)}%`).join(",");
  const ticks = [[range[1], 0], [range[0], 100]];
  if (range[0] < 0 && range[1] > 0) ticks.push([0, (100 * range[1]) / (range[1] - range[0])]);
  const texts = ticks.map(([value]) => printed(value, decimals));
  const labels = ticks.map(([, top], k) => `<span class="cx-tick" style="top:${top}%">${texts[k]}</span>`);
  const longest = texts.reduce((a, b) => (b.length > a.length ? b : a));
  return `<div class="cx-legend" aria-hidden="true"><div class="cx-bar" style="background:linear-gradient(to top,${stops})"></div>` +
    `<div class="cx-ticks">${labels.join("")}<span class="cx-sizer">${longest}</span></div></div>`;
}

const escapeHtml = (text) => String(text).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);

// Width (px at a 100 px font) of the widest of these texts in the component's font.
const measureCanvas = document.createElement("canvas").getContext("2d");
function widestText(texts, fontFamily, weight = "400") {
  measureCanvas.font = `${weight} 100px ${fontFamily}`;
  let widest = 0;
  for (const text of new Set(texts)) widest = Math.max(widest, measureCanvas.measureText(text).width);
  return widest;
}

// The largest font in [smallest, largest] whose numbers fit a cell of `cell` px, or 0 for none.
function fittingFont(cell, widestAt100, smallest, largest) {
  for (let size = Math.min(largest, Math.max(smallest, Math.floor(cell * 0.55))); size >= smallest; size--) {
    if ((widestAt100 * size) / 100 + 3 <= cell && size + 2 <= cell) return size;
  }
  return 0;
}

// A grid's cells as HTML. cell(r, c) -> {row, col, value, text, pad}; colours from the scale.
function gridHtml(name, nRows, nCols, cell, scheme, range) {
  const parts = [];
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      const info = cell(r, c);
      if (info.pad) {
        parts.push(`<div class="cx-c cx-pad" data-row="${info.row}" data-col="${info.col}" data-pad="true">${info.text}</div>`);
      } else {
        const colour = colourAt(scheme, range, info.value);
        parts.push(`<div class="cx-c" data-row="${info.row}" data-col="${info.col}" data-printed="${info.text}" ` +
          `style="background:${rgb(colour)};color:${textOn(colour)}">${info.text}</div>`);
      }
    }
  }
  return `<div class="cx-grid" data-grid="${name}" style="--rows:${nRows};--cols:${nCols}">${parts.join("")}</div>`;
}

// A titled panel: heading, then the grid (with its overlays) beside its legend, then `after`.
function panelHtml(name, title, subtitle, grid, legend, after = "", extraClass = "") {
  return `<section class="cx-panel${extraClass}" data-panel="${name}"><div class="cx-head">` +
    `<div class="cx-title">${escapeHtml(title)}</div>${subtitle ? `<div class="cx-sub">${subtitle}</div>` : ""}</div>` +
    `<div class="cx-body"><div class="cx-gridbox">${grid}</div>${legend}</div>${after}</section>`;
}
