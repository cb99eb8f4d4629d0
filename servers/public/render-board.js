/**
 * The `board` kind: a grid of cells holding pieces (core/game.ts `BoardUi`). A `cell` board plays
 * the clicked cell; a `column` board plays the clicked cell's column. Clicks are always sent: the
 * server judges legality, and its error is shown.
 */
import { el, list } from './common.js';

/** Largest cell, px: boards of many columns get smaller cells. */
const MAX_CELL = { marks: 96, discs: 64 };
const BOARD_WIDTH = 560;

export default function boardRenderer(ui) {
  const { rows, cols, seats } = ui;
  const columns = ui.move === 'column';
  const actionOf = (i) => (columns ? i % cols : i);
  let cells = [];
  let root = null;
  let prevBoard = null;

  function hoverColumn(c, on) {
    for (let r = 0; r < rows; r++) cells[r * cols + c].classList.toggle('col-hover', on);
  }

  return {
    mount(board, ctx) {
      const cell = Math.min(MAX_CELL[ui.pieces] ?? 64, Math.floor(BOARD_WIDTH / cols));
      root = el('div', {
        class: `grid ${ui.pieces}`,
        role: 'grid',
        'aria-label': columns ? 'Board: click a column to drop a piece' : 'Board: click a cell to play it',
        style: `--cols:${cols};--rows:${rows};--cell:${cell}px`,
      });
      cells = [];
      for (let r = 0; r < rows; r++) {
        const row = el('div', { class: 'grid-row', role: 'row' });
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const b = el('button', {
            type: 'button',
            class: 'cell',
            'data-testid': `cell-${i}`,
            'data-row': r,
            'data-col': c,
            title: ui.actionLabels[actionOf(i)],
            onclick: () => ctx.send(actionOf(i)),
          });
          if (columns) {
            b.addEventListener('mouseenter', () => hoverColumn(c, true));
            b.addEventListener('mouseleave', () => hoverColumn(c, false));
          }
          row.append(el('div', { role: 'gridcell', class: 'gridcell' }, b));
          cells.push(b);
        }
        root.append(row);
      }
      board.replaceChildren(root);
      if (columns) {
        const labels = el('div', { class: 'col-labels', 'aria-hidden': 'true', style: root.getAttribute('style') });
        for (let c = 0; c < cols; c++) labels.append(el('span', { text: String(c + 1) }));
        board.append(labels);
      }
    },
    update({ view, myTurn, s }) {
      const b = list(view, 'board');
      const legal = new Set(list(view, 'legal'));
      const winning = new Set(list(view, 'winningCells'));
      let last = -1;
      if (prevBoard && prevBoard.length === b.length) for (let i = 0; i < b.length; i++) if (prevBoard[i] !== b[i] && b[i] >= 0) last = i;
      prevBoard = b.slice();
      root.classList.toggle('my-turn', myTurn);
      root.classList.toggle('finished', s.phase === 'finished');
      cells.forEach((cell, i) => {
        const v = b[i] ?? -1;
        const mark = v >= 0 ? (seats[v]?.label ?? String(v)) : '';
        cell.dataset.mark = mark;
        cell.dataset.seat = v >= 0 ? String(v) : '';
        cell.dataset.legal = String(s.phase === 'playing' && legal.has(actionOf(i)));
        cell.textContent = ui.pieces === 'marks' ? mark : '';
        cell.setAttribute('aria-label', `row ${Math.floor(i / cols) + 1} column ${(i % cols) + 1}${mark ? `: ${mark}` : ''}`);
        if (v >= 0 && seats[v]) cell.style.setProperty('--piece', seats[v].colour);
        else cell.style.removeProperty('--piece');
        cell.classList.toggle('taken', v >= 0);
        cell.classList.toggle('win', winning.has(i));
        cell.classList.toggle('last', i === last);
      });
    },
    unmount() {
      cells = [];
      prevBoard = null;
    },
  };
}
