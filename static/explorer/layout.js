// layout.js: the explorer's size. One cell size for the input and the output grids, the largest at
// which everything fits the container's width and max_height_px; numbers only where they fit.

Object.assign(Explorer.prototype, {
  // The widest number of each grid, for choosing which numbers fit in which cells.
  measureTexts() {
    const family = getComputedStyle(this.root).fontFamily || "sans-serif";
    for (const grid of Object.values(this.grids)) grid.widest = widestText(grid.spec.texts.filter(Boolean), family);
    const middle = this.spec.middle && this.grids[this.spec.middle.name];
    this.middleNeed = middle ? Math.max((middle.widest * this.sizes.cellMin) / 100 + 8, 1.9 * this.sizes.cellMin) : 0;
    if (this.spec.samples) {
      const px = (texts, weight = "400", scale = 1) => (widestText(texts, family, weight) * this.sizes.calc * scale) / 100;
      const samples = this.spec.samples((texts) => {
        let best = "";
        let bestWidth = -1;
        for (const text of new Set(texts)) {
          const width = widestText([text], family);
          if (width > bestWidth) { best = text; bestWidth = width; }
        }
        return best;
      });
      const width = Math.max(px([samples.head], "600"), px([samples.line]), px([samples.result], "700", 1.15));
      this.calc.style.width = `${Math.ceil(width) + 6}px`;
      this.calcSamples = samples;
    }
  },

  // The largest cell size at which everything fits the container's width and max_height_px.
  layout() {
    const width = this.root.clientWidth;
    if (!width || !this.spec) return;
    this.laidWidth = width;
    // Room for the longest calculation and the longest pointing line: neither may make the element grow.
    const box = this.calc || this.readout;
    box.style.minHeight = "";
    this.readout.innerHTML = this.readoutSample();
    if (this.calc) this.fillWithSamples();
    this.root.classList.add("cx-fitting"); // frames placed for the old size must not count
    const fits = (cell) => {
      this.applyCells(cell);
      this.alignHeads();
      return this.root.scrollWidth <= width && this.root.offsetHeight <= this.data.max_height_px;
    };
    let low = this.sizes.minCell;
    let high = this.sizes.maxCell;
    if (!fits(low)) {
      high = low;
    } else {
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        if (fits(middle)) low = middle; else high = middle - 1;
      }
    }
    this.applyCells(low);
    this.alignHeads();
    let reserve = box.offsetHeight;
    if (this.calc) {
      this.showReadout(true);
      reserve = Math.max(reserve, box.offsetHeight);
    }
    box.style.minHeight = `${reserve}px`;
    this.root.classList.remove("cx-fitting");
    this.pointAtInput(-1, -1);
    this.root.dataset.cell = String(low);
    for (const grid of Object.values(this.grids)) {
      const cell = grid === this.grids.kernel || grid === this.grids.window ? this.middleCell : this.cell;
      const font = fittingFont(cell - (cell >= 8 ? 1 : 0), grid.widest, this.sizes.cellMin, this.sizes.cellMax);
      grid.element.classList.toggle("cx-nonum", font === 0);
      grid.element.style.fontSize = font ? `${font}px` : "";
      grid.element.dataset.numbers = String(font > 0);
    }
    if (this.spec.steps) this.draw(this.step, false);
  },

  applyCells(cell) {
    this.cell = cell;
    this.gap = cell >= 8 ? 1 : 0;
    this.middleCell = Math.min(Math.max(cell, Math.ceil(this.middleNeed)), this.sizes.maxCell);
    const style = this.root.style;
    style.setProperty("--cs", `${cell}px`);
    style.setProperty("--gap", `${this.gap}px`);
    style.setProperty("--ring", `${cell < 16 ? 2 : 3}px`);
    style.setProperty("--ks", `${this.middleCell}px`);
    style.setProperty("--kgap", `${this.middleCell >= 8 ? 1 : 0}px`);
  },

  fillWithSamples() {
    const samples = this.calcSamples;
    this.showReadout(false);
    this.calcHead.textContent = samples.head;
    this.terms.innerHTML = `<div class="cx-line">${samples.line}</div>`.repeat(this.spec.rows.kernel + 1);
    this.result.textContent = samples.result;
  },

  showReadout(shown) {
    this.readout.hidden = !shown;
    this.stepPart.hidden = shown;
  },

  readoutSample() {
    const grid = this.inputGrid.spec;
    const widest = grid.texts.reduce((a, b) => (b.length > a.length ? b : a), "padding (ignored)");
    const where = `ow ${grid.origin[0] + grid.rows - 1}, column ${grid.origin[1] + grid.cols - 1}: ${widest}`;
    return this.spec.kind === "matrix" ? `R${where}` : `Input r${where} \u2192 used by <b>88 output cells</b>`;
  },

  // Every panel's heading as tall as the tallest, so that the grids start on one line.
  alignHeads() {
    const heads = [...this.root.querySelectorAll(".cx-head")];
    for (const head of heads) head.style.minHeight = "";
    const tallest = Math.max(...heads.map((head) => head.offsetHeight));
    for (const head of heads) head.style.minHeight = `${tallest}px`;
  },

  place(element, row, col, rows, cols, cell = this.cell) {
    const gap = cell >= 8 ? 1 : 0;
    element.style.transform = `translate(${col * cell}px, ${row * cell}px)`;
    element.style.width = `${Math.max(cols * cell - gap, 0)}px`;
    element.style.height = `${Math.max(rows * cell - gap, 0)}px`;
    element.hidden = rows <= 0 || cols <= 0;
  },
});
