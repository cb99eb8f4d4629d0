/* global document, requestAnimationFrame, cancelAnimationFrame */
/**
 * The `field` kind: two teams and a ball on a grid field, drawn on a canvas (core/game.ts
 * `FieldUi`); team 0 defends the left goal. The person's seat moves with the keyboard (`ui.keys`,
 * with ← and → swapped for a side that attacks left) or the buttons; a move is sent once per step,
 * a second one waits for the next step, and held movement keys repeat.
 */
import { el, fitCanvas, list, teamOf } from './common.js';

const KEY_NAMES = { ArrowUp: '↑', ArrowDown: '↓', ArrowLeft: '←', ArrowRight: '→', ' ': 'Space' };
const MIRRORED = { ArrowLeft: 'ArrowRight', ArrowRight: 'ArrowLeft' };
const CELL = 52;
const GOAL_DEPTH = 26;
const PAD = 12;

function keyName(key) {
  return KEY_NAMES[key] ?? key.toUpperCase();
}

export default function fieldRenderer(ui) {
  const W = ui.width;
  const H = ui.height;
  const [goalTop, goalBottom] = ui.goalRows;
  let canvas = null;
  let g = null;
  let buttons = [];
  let controls = [];
  let keysLine = null;
  let keysFor = '';
  let infoLine = null;
  let moveNote = null;
  let timerFill = null;
  let scoreEl = null;
  let last = null;
  /** Step for which a move was sent, and the action. */
  let sentStep = -1;
  let sentAction = -1;
  let queued = -1;
  const held = new Set();
  let raf = 0;
  let deadlineStart = { step: -1, at: 0, deadline: 0 };

  const attacksLeft = () => last?.view?.attacks === 'left';
  const label = (a) => ui.actionLabels[a] ?? `action ${a}`;

  /** Action of a key for the person's side, -1 for none. */
  function actionForKey(key) {
    let k = key.length === 1 ? key.toLowerCase() : key;
    if (attacksLeft()) k = MIRRORED[k] ?? k;
    return Object.hasOwn(ui.keys, k) ? ui.keys[k] : -1;
  }

  /** The first key that plays `action` for the person's side, or ''. */
  function keyOf(action) {
    const key = Object.keys(ui.keys).find((k) => actionForKey(k) === action);
    return key === undefined ? '' : keyName(key);
  }

  function choose(action) {
    if (!last || last.s.phase !== 'playing' || last.spectator) return;
    if (!list(last.view, 'legal').includes(action)) {
      last.showError({ code: 'not-legal', message: `${label(action)} is not possible right now.` });
      return;
    }
    if (sentStep === last.s.step) {
      queued = action;
      renderMoveNote();
      return;
    }
    sentStep = last.s.step;
    sentAction = action;
    queued = -1;
    last.send(action);
    renderMoveNote();
  }

  function renderMoveNote() {
    if (!moveNote || !last) return;
    if (last.s.phase !== 'playing' || last.spectator) {
      moveNote.textContent = '';
      return;
    }
    const now = sentStep === last.s.step ? `Sent for this step: ${label(sentAction)}.` : 'No move sent for this step yet (you stay if time runs out).';
    moveNote.textContent = queued >= 0 ? `${now} Next: ${label(queued)}.` : now;
  }

  /** Button texts and the keys line, for the side the person plays now. */
  function renderControls() {
    const side = attacksLeft() ? 'left' : 'right';
    if (side === keysFor) return;
    keysFor = side;
    buttons.forEach((b, a) => {
      const key = keyOf(a);
      b.textContent = key ? `${label(a)} (${key})` : label(a);
    });
    const parts = [];
    ui.actionLabels.forEach((name, a) => {
      const key = keyOf(a);
      if (key) parts.push(el('span', {}, el('kbd', { text: key }), ` ${name.toLowerCase()}`));
    });
    keysLine.replaceChildren(...parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
  }

  function onKeyDown(e) {
    if (e.target && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
    const a = actionForKey(e.key);
    if (a < 0) return;
    e.preventDefault();
    if (e.repeat) return;
    held.add(e.key);
    choose(a);
  }
  function onKeyUp(e) {
    held.delete(e.key);
  }

  function tickTimer() {
    raf = requestAnimationFrame(tickTimer);
    if (!last || !timerFill) return;
    const { s } = last;
    if (s.phase !== 'playing' || !s.deadline) {
      timerFill.style.width = '0%';
      return;
    }
    if (deadlineStart.step !== s.step || deadlineStart.deadline !== s.deadline) deadlineStart = { step: s.step, at: Date.now(), deadline: s.deadline };
    const total = Math.max(1, deadlineStart.deadline - deadlineStart.at);
    const left = Math.max(0, s.deadline - Date.now());
    timerFill.style.width = `${Math.min(100, (100 * left) / total).toFixed(1)}%`;
  }

  function line(x0, y0, x1, y1) {
    g.beginPath();
    g.moveTo(x0, y0);
    g.lineTo(x1, y1);
    g.stroke();
  }

  function drawPitch(ox, oy, cssW, cssH) {
    g.fillStyle = '#2e7d32';
    g.fillRect(0, 0, cssW, cssH);
    for (let x = 0; x < W; x++) {
      g.fillStyle = x % 2 ? '#388e3c' : '#33873a';
      g.fillRect(ox + x * CELL, oy, CELL, H * CELL);
    }
    // goals: the left one is defended by team 0, the right one by team 1
    const gy = oy + goalTop * CELL;
    const gh = (goalBottom - goalTop + 1) * CELL;
    g.globalAlpha = 0.85;
    g.fillStyle = ui.teams[0]?.colour ?? '#888';
    g.fillRect(ox - GOAL_DEPTH, gy, GOAL_DEPTH, gh);
    g.fillStyle = ui.teams[1]?.colour ?? '#888';
    g.fillRect(ox + W * CELL, gy, GOAL_DEPTH, gh);
    g.globalAlpha = 1;
    g.strokeStyle = '#ffffff';
    g.lineWidth = 2;
    g.strokeRect(ox - GOAL_DEPTH, gy, GOAL_DEPTH, gh);
    g.strokeRect(ox + W * CELL, gy, GOAL_DEPTH, gh);
    g.strokeStyle = 'rgba(255,255,255,0.9)';
    g.strokeRect(ox, oy, W * CELL, H * CELL);
    line(ox + (W * CELL) / 2, oy, ox + (W * CELL) / 2, oy + H * CELL);
    g.beginPath();
    g.arc(ox + (W * CELL) / 2, oy + (H * CELL) / 2, CELL * 1.1, 0, Math.PI * 2);
    g.stroke();
    g.strokeStyle = 'rgba(255,255,255,0.12)';
    g.lineWidth = 1;
    for (let x = 1; x < W; x++) line(ox + x * CELL, oy, ox + x * CELL, oy + H * CELL);
    for (let y = 1; y < H; y++) line(ox, oy + y * CELL, ox + W * CELL, oy + y * CELL);
  }

  /** Shades the cells outside the seat's view radius and outlines what it sees. */
  function drawFog(ox, oy, me, r) {
    g.fillStyle = 'rgba(10,20,12,0.45)';
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (Math.max(Math.abs(x - me.x), Math.abs(y - me.y)) > r) g.fillRect(ox + x * CELL, oy + y * CELL, CELL, CELL);
      }
    }
    g.strokeStyle = 'rgba(255,235,59,0.7)';
    g.setLineDash([6, 4]);
    const x0 = Math.max(0, me.x - r);
    const y0 = Math.max(0, me.y - r);
    const x1 = Math.min(W - 1, me.x + r);
    const y1 = Math.min(H - 1, me.y + r);
    g.strokeRect(ox + x0 * CELL, oy + y0 * CELL, (x1 - x0 + 1) * CELL, (y1 - y0 + 1) * CELL);
    g.setLineDash([]);
  }

  function drawPlayer(cx, cy, p, mine) {
    g.beginPath();
    g.arc(cx, cy, CELL * 0.34, 0, Math.PI * 2);
    g.fillStyle = ui.teams[p.team]?.colour ?? '#888';
    g.fill();
    g.lineWidth = mine ? 4 : 2;
    g.strokeStyle = mine ? '#ffeb3b' : 'rgba(255,255,255,0.9)';
    g.stroke();
    g.fillStyle = '#fff';
    g.font = '700 16px system-ui, sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(String(p.seat), cx, cy + 1);
    if (!mine) return;
    g.font = '700 11px system-ui, sans-serif';
    const ty = cy - CELL * 0.34 - 9;
    g.fillStyle = '#ffeb3b';
    g.fillRect(cx - 16, ty - 7, 32, 14);
    g.fillStyle = '#1d2330';
    g.fillText('YOU', cx, ty + 1);
  }

  function draw() {
    if (!canvas || !last) return;
    const { view, mySeat, spectator } = last;
    const cssW = W * CELL + 2 * (GOAL_DEPTH + PAD);
    const cssH = H * CELL + 2 * PAD;
    fitCanvas(canvas, g, cssW, cssH);
    g.clearRect(0, 0, cssW, cssH);
    const ox = PAD + GOAL_DEPTH;
    const oy = PAD;
    drawPitch(ox, oy, cssW, cssH);
    const players = list(view, 'players');
    const me = players.find((p) => p && p.seat === mySeat);
    if (me && typeof view.viewRadius === 'number') drawFog(ox, oy, me, view.viewRadius);
    for (const p of players) {
      if (!p) continue;
      const mine = p.seat === mySeat && !spectator;
      drawPlayer(ox + (p.x + 0.5) * CELL, oy + (p.y + 0.5) * CELL, p, mine);
      if (mine) canvas.dataset.me = `${p.x},${p.y}`;
    }
    // the ball, on its holder's cell
    if (view.ball) {
      g.beginPath();
      g.arc(ox + (view.ball.x + 0.5) * CELL + CELL * 0.26, oy + (view.ball.y + 0.5) * CELL + CELL * 0.24, CELL * 0.14, 0, Math.PI * 2);
      g.fillStyle = '#ffffff';
      g.fill();
      g.lineWidth = 2;
      g.strokeStyle = '#111';
      g.stroke();
    }
    g.textBaseline = 'alphabetic';
  }

  function infoText({ view, mySeat, spectator, info }) {
    if (spectator) {
      const events = list(view, 'events');
      return `Watching${events.length ? ` · last step: ${events.join(', ')}` : ''}`;
    }
    const team = ui.teams[teamOf(info, mySeat)];
    const side = `You are seat ${mySeat}${team ? ` (${team.label.toLowerCase()})` : ''}, attacking ${attacksLeft() ? 'left ←' : 'right →'}.`;
    const sight = typeof view.viewRadius === 'number' ? ` You see opponents and the ball within ${view.viewRadius} cells.` : '';
    return `${side}${sight}${view.ball ? '' : ' The ball is out of sight.'}`;
  }

  function renderScore({ view, info, mySeat, spectator }) {
    const score = list(view, 'score');
    const myTeam = spectator ? -1 : teamOf(info, mySeat);
    const teamEl = (t, text) => el('span', { class: `team team-${t}`, style: ui.teams[t] ? `color:${ui.teams[t].colour}` : null, text });
    scoreEl.replaceChildren(
      teamEl(0, `${ui.teams[0]?.label ?? 'Team 0'}${myTeam === 0 ? ' (you)' : ''}`),
      el('span', { class: 'goals', 'data-testid': 'goals', text: `${score[0] ?? 0} : ${score[1] ?? 0}` }),
      teamEl(1, `${myTeam === 1 ? '(you) ' : ''}${ui.teams[1]?.label ?? 'Team 1'}`),
      el('span', { class: 'time muted', 'data-testid': 'time-left', text: `${view.timeLeft ?? '–'} steps left` }),
    );
  }

  return {
    mount(board) {
      canvas = el('canvas', { class: 'field-canvas', 'data-testid': 'field-canvas', tabindex: 0, role: 'img', 'aria-label': 'Field' });
      g = canvas.getContext('2d');
      scoreEl = el('div', { class: 'score', 'data-testid': 'score' });
      timerFill = el('div', { class: 'timer-fill' });
      moveNote = el('p', { class: 'muted small', 'data-testid': 'move-note', 'aria-live': 'polite' });
      const row = el('div', { class: 'field-buttons', role: 'group', 'aria-label': 'Your move' });
      buttons = ui.actionLabels.map((name, a) => el('button', { type: 'button', 'data-testid': `action-${a}`, 'data-action': a, text: name, onclick: () => choose(a) }));
      row.append(...buttons);
      keysLine = el('p', { class: 'keys small' });
      keysFor = '';
      infoLine = el('p', { class: 'muted small', 'data-testid': 'field-info' });
      controls = [moveNote, row, keysLine];
      const timer = el('div', { class: 'timer', 'aria-hidden': 'true' }, timerFill);
      board.replaceChildren(el('div', { class: 'field' }, scoreEl, timer, canvas, moveNote, row, keysLine, infoLine, ui.hint ? el('p', { class: 'muted small hint', text: ui.hint }) : null));
      document.addEventListener('keydown', onKeyDown);
      document.addEventListener('keyup', onKeyUp);
      raf = requestAnimationFrame(tickTimer);
    },
    update(ctx) {
      const prevStep = last?.s.step;
      last = ctx;
      const { view, s, spectator } = ctx;
      renderScore(ctx);
      renderControls();
      const legal = new Set(list(view, 'legal'));
      for (const c of controls) c.hidden = spectator;
      buttons.forEach((b, a) => {
        b.disabled = spectator || s.phase !== 'playing' || !legal.has(a);
      });
      infoLine.textContent = infoText(ctx);
      // a new step: send the queued move, or repeat a held movement key
      if (prevStep !== s.step && s.phase === 'playing' && !spectator) {
        if (queued >= 0) {
          const a = queued;
          queued = -1;
          choose(a);
        } else {
          const a = [...held].map(actionForKey).find((x) => ui.repeatWhileHeld.includes(x));
          if (a !== undefined) choose(a);
        }
      }
      renderMoveNote();
      draw();
    },
    unmount() {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('keyup', onKeyUp);
      cancelAnimationFrame(raf);
      held.clear();
      last = null;
    },
  };
}
