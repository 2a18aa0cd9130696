// engine.js: the arithmetic and the refusals of cnnviz/lesson/ops.py, mirrored in the browser.
//
// Every number the explorer shows is computed here, and tests/test_explorer_browser.py checks it
// against the numpy engine: the same geometry (Keras' "same" rule), the same sentences when a
// configuration has no output, and sums added in numpy's order (its pairwise summation), so that
// even a value on a rounding tie prints the same on both sides.

class EngineError extends Error {}

// Python's repr() of the values a caller can hand over (whole numbers, strings, None, booleans).
function pyRepr(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(value);
  const text = String(value);
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === "\\") body += "\\\\";
    else if (ch === quote) body += "\\" + quote;
    else if (ch === "\n") body += "\\n";
    else if (ch === "\r") body += "\\r";
    else if (ch === "\t") body += "\\t";
    else if (code < 0x20 || code === 0x7f) body += "\\x" + code.toString(16).padStart(2, "0");
    else body += ch;
  }
  return quote + body + quote;
}

const isWhole = (value) => typeof value === "number" && Number.isInteger(value);

function positiveInt(value, name) {
  if (!isWhole(value) || value < 1) {
    throw new EngineError(`${name} must be a whole number of at least 1, not ${pyRepr(value)}.`);
  }
  return value;
}

// ops.geometry: padding and output length along one axis.
function geometry(n, kernel, stride, padding, dilation, axis) {
  n = positiveInt(n, `The input ${axis}`);
  kernel = positiveInt(kernel, `The kernel ${axis}`);
  stride = positiveInt(stride, "The stride");
  dilation = positiveInt(dilation, "The dilation");
  const span = dilation * (kernel - 1) + 1;
  let before;
  let after;
  if (typeof padding === "string" && padding.toLowerCase() === "valid") {
    before = after = 0;
  } else if (typeof padding === "string" && padding.toLowerCase() === "same") {
    const output = Math.ceil(n / stride);
    const total = Math.max((output - 1) * stride + span - n, 0);
    before = Math.floor(total / 2);
    after = total - before;
  } else if (isWhole(padding) && padding >= 0) {
    before = after = padding;
  } else {
    throw new EngineError(`Padding must be "valid", "same" or a whole number >= 0, not ${pyRepr(padding)}.`);
  }
  const padded = n + before + after;
  if (span > padded) {
    const reach = dilation === 1 ? `${kernel}` : `${kernel} (reaching ${span} cells with dilation ${dilation})`;
    throw new EngineError(
      `The kernel ${axis} ${reach} is larger than the padded input ${axis} ${padded}: there is no ` +
        "position for the window. Use a smaller kernel or dilation, or more padding.",
    );
  }
  return { size: n, kernel, stride, dilation, span, before, after, padded,
           output: Math.floor((padded - span) / stride) + 1 };
}

// numpy's float64 sum along a contiguous axis: 8 running sums from 8 values on (pairwise_sum).
function pairwiseSum(values, start = 0, count = values.length) {
  if (count < 8) {
    let total = 0;
    for (let i = 0; i < count; i++) total += values[start + i];
    return total;
  }
  if (count <= 128) {
    const r = values.slice(start, start + 8);
    let i = 8;
    for (; i < count - (count % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    let total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < count; i++) total += values[start + i];
    return total;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}

// The text of a number: `decimals` decimals rounded half away from zero on the exact value
// (toFixed), trailing zeros dropped, never "-0". explorer.printed() in Python is its mirror.
function printed(value, decimals) {
  let text = value.toFixed(decimals);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" || text === "" ? "0" : text;
}

// The input inside its padding, flat in reading order; `fill` on padded cells.
function padInput(input, rows, cols, fill) {
  const width = cols.padded;
  const values = new Float64Array(rows.padded * width).fill(fill);
  const isPad = new Uint8Array(rows.padded * width).fill(1);
  input.forEach((row, r) => row.forEach((value, c) => {
    const at = (r + rows.before) * width + c + cols.before;
    values[at] = value;
    isPad[at] = 0;
  }));
  return { values, isPad, width };
}

// ops.conv2d on a 2-D image and kernel, with every output cell's window (padded indices).
function convolve(input, kernel, stride, padding, dilation) {
  if (positiveInt(stride, "The stride") > 1 && positiveInt(dilation, "The dilation") > 1) {
    throw new EngineError(
      `Keras' Conv2D does not allow a stride above 1 together with a dilation above 1 (got stride ${stride}, ` +
        `dilation ${dilation}). Set one of them to 1.`,
    );
  }
  const rows = geometry(input.length, kernel.length, stride, padding, dilation, "height");
  const cols = geometry(input[0].length, kernel[0].length, stride, padding, dilation, "width");
  const padded = padInput(input, rows, cols, 0);
  const weights = kernel.flat();
  const output = new Float64Array(rows.output * cols.output);
  const products = new Array(weights.length);
  for (let i = 0; i < rows.output; i++) {
    for (let j = 0; j < cols.output; j++) {
      windowCells(rows, cols, i, j).forEach((at, k) => { products[k] = padded.values[at] * weights[k]; });
      output[i * cols.output + j] = pairwiseSum(products) + 0;
    }
  }
  return { rows, cols, padded, weights, output };
}

// ops.pool2d (square windows); padded cells are ignored, as in Keras.
function pool(input, size, stride, mode, padding) {
  if (mode !== "max" && mode !== "average") {
    throw new EngineError(`The pooling mode must be "max" or "average", not ${pyRepr(mode)}.`);
  }
  if (typeof padding !== "string" || !["valid", "same"].includes(padding.toLowerCase())) {
    throw new EngineError(`Pooling padding must be "valid" or "same", not ${pyRepr(padding)}.`);
  }
  stride = stride === null || stride === undefined ? size : stride;
  const rows = geometry(input.length, size, stride, padding, 1, "height");
  const cols = geometry(input[0].length, size, stride, padding, 1, "width");
  const padded = padInput(input, rows, cols, NaN);
  const output = new Float64Array(rows.output * cols.output);
  const winners = new Int32Array(rows.output * cols.output);
  const counts = new Int32Array(rows.output * cols.output);
  for (let i = 0; i < rows.output; i++) {
    for (let j = 0; j < cols.output; j++) {
      const cells = windowCells(rows, cols, i, j);
      const values = cells.map((at) => padded.values[at]);
      let best = -1;
      values.forEach((value, k) => { if (!Number.isNaN(value) && (best < 0 || value > values[best])) best = k; });
      const counted = values.filter((value) => !Number.isNaN(value)).length;
      const at = i * cols.output + j;
      winners[at] = best;
      counts[at] = counted;
      output[at] = mode === "max" ? values[best]
        : pairwiseSum(values.map((value) => (Number.isNaN(value) ? 0 : value))) / counted;
    }
  }
  return { rows, cols, padded, output, winners, counts };
}

// Flat padded indices of the cells output cell (i, j) reads, in the kernel's reading order.
function windowCells(rows, cols, i, j) {
  const cells = [];
  for (let a = 0; a < rows.kernel; a++) {
    for (let b = 0; b < cols.kernel; b++) {
      cells.push((i * rows.stride + a * rows.dilation) * cols.padded + j * cols.stride + b * cols.dilation);
    }
  }
  return cells;
}

// Output positions along one axis whose window reads padded index `at`.
function feeding(geom, at) {
  const found = [];
  for (let a = 0; a < geom.kernel; a++) {
    const start = at - a * geom.dilation;
    if (start >= 0 && start % geom.stride === 0 && start / geom.stride < geom.output) found.push(start / geom.stride);
  }
  return found;
}
