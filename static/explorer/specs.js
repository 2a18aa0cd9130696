// specs.js: what each kind of explorer draws (its grids) and writes for each step (its calculation).
//
// A spec: {kind, label, input, output, middle, steps, window(step), calc(step), feeds(flat)}. Grids
// are {name, title, sub, rows, cols, cell(r, c), texts, scheme, range}; `flat` indices count the
// input's cells in reading order, padding included.

const times = "\u00d7";
const factor = (text) => (text.startsWith("-") ? `(${text})` : text);
const sizeText = (rows, cols) => `${rows} x ${cols}`;
// One item of a grid's key, e.g. "orange: the window"; a key wraps between its items only.
const key = (name, colour, meaning) => `<span class="cx-keyitem"><span class="cx-key-${name}">${colour}</span>: ${meaning}</span> `;

function inputGrid(data, rows, cols, padded, padText, scheme) {
  const [rowOrigin, colOrigin] = data.origin || [0, 0];
  const texts = Array.from(padded.values, (value, at) => (padded.isPad[at] ? padText : printed(value, data.decimals)));
  const realValues = Array.from(padded.values).filter((_, at) => !padded.isPad[at]);
  return {
    name: "input", rows: rows.padded, cols: cols.padded, texts, scheme,
    range: colourRange(scheme, realValues, data.input_range),
    cell: (r, c) => {
      const at = r * cols.padded + c;
      return { row: r - rows.before + rowOrigin, col: c - cols.before + colOrigin, value: padded.values[at],
               text: texts[at], pad: padded.isPad[at] === 1 };
    },
    origin: [rowOrigin - rows.before, colOrigin - cols.before],
  };
}

function outputGrid(data, nRows, nCols, values, scheme, range) {
  const texts = Array.from(values, (value) => printed(value, data.decimals));
  return { name: "output", rows: nRows, cols: nCols, texts, scheme, range: range || colourRange(scheme, values, null),
           cell: (r, c) => ({ row: r, col: c, value: values[r * nCols + c], text: texts[r * nCols + c], pad: false }),
           origin: [0, 0] };
}

function padNote(rows, cols, what) {
  return rows.before + rows.after + cols.before + cols.after > 0 ? key("pad", "blue", `padding (${what})`) : "";
}

function convolutionSpec(data) {
  const model = convolve(data.input, data.kernel, data.stride, data.padding, data.dilation);
  const { rows, cols, padded, weights, output } = model;
  const input = inputGrid(data, rows, cols, padded, "0", data.colours || "grey");
  input.title = `${data.titles.input || "Input"} (${sizeText(data.input.length, data.input[0].length)})`;
  input.sub = key("window", "orange", "the window") + padNote(rows, cols, "zeros");
  const out = outputGrid(data, rows.output, cols.output, output, "signed", null);
  out.title = `${data.titles.output || "Output"} (${sizeText(rows.output, cols.output)})`;
  out.sub = key("todo", "grey", "to do");
  const weightTexts = weights.map((value) => printed(value, data.weight_decimals));
  const kernelRange = colourRange("signed", weights, null);
  const middle = {
    name: "kernel", rows: rows.kernel, cols: cols.kernel, texts: weightTexts, scheme: "signed", range: kernelRange,
    cell: (r, c) => ({ row: r, col: c, value: weights[r * cols.kernel + c], text: weightTexts[r * cols.kernel + c], pad: false }),
    title: `Kernel (${sizeText(rows.kernel, cols.kernel)})`,
    sub: `stride ${rows.stride}` + (rows.dilation > 1 ? ` · dilation ${rows.dilation}` : ""),
    static: true,
  };
  return {
    kind: "convolution", input, output: out, middle, rows, cols, steps: rows.output * cols.output,
    label: `Convolution: input ${sizeText(data.input.length, data.input[0].length)}, kernel ` +
      `${sizeText(rows.kernel, cols.kernel)}, output ${sizeText(rows.output, cols.output)}`,
    window: (step) => windowOf(rows, cols, step, -1),
    calc: (step) => {
      const cells = windowCells(rows, cols, Math.floor(step / cols.output), step % cols.output);
      const lines = [];
      for (let a = 0; a < rows.kernel; a++) {
        const terms = [];
        for (let b = 0; b < cols.kernel; b++) {
          const k = a * cols.kernel + b;
          const at = cells[k];
          const cls = padded.isPad[at] ? "cx-term cx-padterm" : "cx-term";
          terms.push(`<span class="${cls}">${input.texts[at]}${times}${factor(weightTexts[k])}</span>`);
        }
        lines.push(`<div class="cx-line">${a ? "+ " : ""}${terms.join(" + ")}</div>`);
      }
      return { html: lines.join(""), result: output[step], word: "" };
    },
    feeds: (at) => cross(feeding(rows, Math.floor(at / cols.padded)), feeding(cols, at % cols.padded), cols.output),
    samples: (widest) => {
      const term = `${widest(input.texts)}${times}${widest(weightTexts.map(factor))}`;
      return calcSamples(rows, cols, out, widest, `+ ${Array(cols.kernel).fill(term).join(" + ")}`);
    },
  };
}

// Texts at least as wide as any calculation's lines, so the middle column never changes width.
function calcSamples(rows, cols, out, widest, line) {
  return { head: `Output row ${rows.output - 1}, column ${cols.output - 1}:`, line, result: `= ${widest(out.texts)}` };
}

function poolingSpec(data) {
  const model = pool(data.input, data.size, data.stride, data.mode, data.padding);
  const { rows, cols, padded, output, winners, counts } = model;
  const scheme = data.colours || "reds";
  const input = inputGrid(data, rows, cols, padded, "", scheme);
  const word = data.mode === "max" ? "max" : "average";
  input.title = `${data.titles.input || "Feature map"} (${sizeText(data.input.length, data.input[0].length)})`;
  input.sub = key("window", "orange", "the window") + (data.mode === "max" ? key("win", "red", "its largest") : "") +
    padNote(rows, cols, "ignored");
  const out = outputGrid(data, rows.output, cols.output, output, scheme, input.range);
  out.title = `${data.titles.output || "Output"} (${sizeText(rows.output, cols.output)})`;
  out.sub = key("todo", "grey", "to do");
  const windowTexts = (step) => windowCells(rows, cols, Math.floor(step / cols.output), step % cols.output)
    .map((at) => (padded.isPad[at] ? "" : input.texts[at]));
  const middle = {
    name: "window", rows: rows.kernel, cols: cols.kernel, texts: input.texts, scheme, range: input.range,
    cell: (r, c) => ({ row: r, col: c, value: 0, text: "", pad: false }),
    title: `Window (${sizeText(rows.kernel, cols.kernel)})`, sub: `stride ${rows.stride}`, static: false,
    values: (step) => windowCells(rows, cols, Math.floor(step / cols.output), step % cols.output)
      .map((at) => ({ value: padded.values[at], text: padded.isPad[at] ? "" : input.texts[at], pad: padded.isPad[at] === 1 })),
  };
  return {
    kind: "pooling", input, output: out, middle, rows, cols, steps: rows.output * cols.output,
    label: `${word === "max" ? "Max" : "Average"} pooling: input ${sizeText(data.input.length, data.input[0].length)}, ` +
      `window ${sizeText(rows.kernel, cols.kernel)}, output ${sizeText(rows.output, cols.output)}`,
    window: (step) => windowOf(rows, cols, step, data.mode === "max" ? winners[step] : -1),
    calc: (step) => {
      const texts = windowTexts(step);
      const max = data.mode === "max";
      const lines = [];
      for (let a = 0; a < rows.kernel; a++) {
        const terms = texts.slice(a * cols.kernel, (a + 1) * cols.kernel).map((text, b) => {
          if (text === "") return null;
          const win = max && a * cols.kernel + b === winners[step];
          return `<span class="cx-term${win ? " cx-winterm" : ""}">${text}</span>`;
        }).filter(Boolean);
        if (terms.length) lines.push(terms.join(max ? ", " : " + "));
      }
      const html = lines.map((line, k) => {
        const before = k === 0 ? (max ? "max(" : "(") : (max ? "" : "+ ");
        const after = k < lines.length - 1 ? (max ? "," : "") : (max ? ")" : `) / ${counts[step]}`);
        return `<div class="cx-line">${before}${line}${after}</div>`;
      });
      const ignored = counts[step] < rows.kernel * cols.kernel ? "<div class=\"cx-note\">padding ignored</div>" : "";
      return { html: html.join("") + ignored, result: output[step], word };
    },
    feeds: (at) => (padded.isPad[at] ? []
      : cross(feeding(rows, Math.floor(at / cols.padded)), feeding(cols, at % cols.padded), cols.output)),
    samples: (widest) => {
      const terms = Array(cols.kernel).fill(widest(input.texts)).join(word === "max" ? ", " : " + ");
      return calcSamples(rows, cols, out, widest, word === "max" ? `max(${terms},` : `+ ${terms}) / ${rows.kernel * cols.kernel}`);
    },
  };
}

function matrixSpec(data) {
  const nRows = data.input.length;
  const nCols = data.input[0].length;
  const values = new Float64Array(data.input.flat());
  const [rowOrigin, colOrigin] = data.origin || [0, 0];
  const texts = Array.from(values, (value) => printed(value, data.decimals));
  const scheme = data.colours || "grey";
  const input = {
    name: "matrix", rows: nRows, cols: nCols, texts, scheme, range: colourRange(scheme, values, data.input_range),
    cell: (r, c) => ({ row: r + rowOrigin, col: c + colOrigin, value: values[r * nCols + c], text: texts[r * nCols + c], pad: false }),
    title: `${data.titles.input || "Matrix"} (${sizeText(nRows, nCols)})`, sub: "", origin: [rowOrigin, colOrigin],
  };
  return { kind: "matrix", input, output: null, middle: null, steps: 0, feeds: () => [],
           label: `${data.titles.input || "Matrix"}: ${sizeText(nRows, nCols)} values` };
}

function windowOf(rows, cols, step, winner) {
  const i = Math.floor(step / cols.output);
  const j = step % cols.output;
  return { i, j, r0: i * rows.stride, c0: j * cols.stride, height: rows.span, width: cols.span,
           cells: windowCells(rows, cols, i, j), winner };
}

function cross(outRows, outCols, width) {
  const found = [];
  for (const i of outRows) for (const j of outCols) found.push(i * width + j);
  return found;
}

function makeSpec(data) {
  if (data.kind === "convolution") return convolutionSpec(data);
  if (data.kind === "pooling") return poolingSpec(data);
  return matrixSpec(data);
}
