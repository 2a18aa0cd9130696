// pointing.js: the explorer's keys, clicks, hovering and touch. Hovering or tapping an output cell
// jumps to its step; an input cell marks every output cell it feeds. Nothing here reaches Python.

Object.assign(Explorer.prototype, {
  onClick(event) {
    const editable = this.editableCell(event.target);
    if (editable) { this.startEdit(editable); return; }
    const button = event.target.closest("button");
    if (!button || !this.spec) return;
    this.pointAtInput(-1, -1);
    if (button.dataset.speed) this.setSpeed(button.dataset.speed);
    const act = button.dataset.act;
    if (act === "play") (this.playing ? this.pause() : this.play());
    if (act === "back" || act === "next") { this.pause(); this.go(this.step + (act === "next" ? 1 : -1)); }
  },

  onKey(event) {
    if (!this.spec) return;
    const editable = (event.key === "Enter" || event.key === " ") && this.editableCell(event.target);
    if (editable) { event.preventDefault(); this.startEdit(editable); return; }
    if (this.spec.kind === "matrix") { this.moveCursor(event); return; }
    const onScrub = event.target.matches(".cx-scrub");
    const width = this.spec.output.cols;
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: width, ArrowUp: -width };
    if (event.key in moves && !onScrub) { this.pause(); this.go(this.step + moves[event.key]); }
    else if (event.key === "Home" && !onScrub) { this.pause(); this.go(0); }
    else if (event.key === "End" && !onScrub) { this.pause(); this.go(this.spec.steps - 1); }
    else if (event.key === " ") (this.playing ? this.pause() : this.play());
    else return;
    this.pointAtInput(-1, -1);
    event.preventDefault();
  },

  // The grid cell under a pointer: {grid, r, c} or null.
  cellAt(event) {
    const box = event.target.closest && event.target.closest(".cx-gridbox");
    const grid = box && Object.values(this.grids).find((candidate) => candidate.box === box);
    if (!grid || grid === this.grids.kernel || grid === this.grids.window) return null;
    const rect = grid.element.getBoundingClientRect();
    const c = Math.floor((event.clientX - rect.left) / this.cell);
    const r = Math.floor((event.clientY - rect.top) / this.cell);
    if (r < 0 || c < 0 || r >= grid.spec.rows || c >= grid.spec.cols) return null;
    return { grid, r, c };
  },

  onPointer(event) {
    if (!this.spec) return;
    const touching = event.pointerType !== "mouse";
    if (event.type === "pointermove" && touching && !event.buttons) return;
    const hit = this.cellAt(event);
    if (!hit) return;
    if (event.type === "pointerdown" && event.target.setPointerCapture && touching) {
      event.target.releasePointerCapture(event.pointerId); // a finger that slides on keeps reporting its cell
    }
    if (hit.grid === this.outputGrid) {
      this.pointAtInput(-1, -1);
      this.pause(false);
      this.go(hit.r * hit.grid.spec.cols + hit.c, true);
    } else {
      this.pointAtInput(hit.r, hit.c);
    }
  },

  onPointerOut(event) {
    if (event.pointerType !== "mouse" || !this.spec) return;
    const box = event.target.closest && event.target.closest(".cx-gridbox");
    if (box && box === this.inputGrid.box && !box.contains(event.relatedTarget)) this.pointAtInput(-1, -1);
  },

  // Highlight input cell (r, c) and every output cell it feeds; (-1, -1) clears.
  pointAtInput(r, c, announce = false) {
    for (const element of this.fed) element.classList.remove("cx-fed");
    this.fed = [];
    const spec = this.spec;
    const grid = this.inputGrid;
    if (r < 0) {
      this.hovRing.hidden = true;
      if (spec.kind === "matrix") this.readout.textContent = "Point at a cell to read its value.";
      else this.showReadout(false);
      return;
    }
    const at = r * grid.spec.cols + c;
    const cell = grid.cells[at];
    this.place(this.hovRing, r, c, 1, 1);
    const where = `Row ${cell.dataset.row}, column ${cell.dataset.col}`;
    const text = cell.dataset.pad ? (spec.kind === "pooling" ? "padding (ignored)" : "padding (0)") : cell.dataset.printed;
    if (spec.kind === "matrix") {
      this.readout.textContent = `${where}: ${text}`;
      if (announce) this.live.textContent = this.readout.textContent;
      return;
    }
    const outputs = spec.feeds(at);
    for (const index of outputs) {
      const element = this.outputGrid.cells[index];
      element.classList.add("cx-fed");
      this.fed.push(element);
    }
    this.readout.innerHTML = `Input ${where.toLowerCase()}: ${escapeHtml(text)} \u2192 used by ` +
      `<span class="cx-key-fed">${outputs.length} output cell${outputs.length === 1 ? "" : "s"}</span>`;
    this.showReadout(true);
  },

  moveCursor(event) {
    const grid = this.inputGrid.spec;
    const moves = { ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0] };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const [r, c] = this.cursor || [0, -1];
    const [dr, dc] = moves[event.key];
    this.cursor = [Math.min(Math.max(r + dr, 0), grid.rows - 1), Math.min(Math.max(c + dc, 0), grid.cols - 1)];
    this.pointAtInput(...this.cursor, true);
  },
});
