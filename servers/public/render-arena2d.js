/* global document, setTimeout, clearTimeout */
/**
 * The `arena2d` kind: ships and projectiles in a walled 2-D arena, drawn on a canvas (core/game.ts
 * `Arena2dUi`). A seat's view comes in its own frame, the one its actions are in, so what the person
 * sees is what the keys mean: no turning here. The person's input becomes the action vector through
 * `ui.controls` — held keys add their value to their component, the pointer's direction from the
 * person's ship sets the aim component (angle over π), the pointer's button drives its component —
 * and the vector is sent once per tick, shortly before the tick's deadline, so the game runs at the
 * room's pace (a seat that sends nothing plays the zero vector).
 */
import { el, fitCanvas, list } from './common.js';

const PX = 36;
const PAD = 10;
/** Send this long before a tick's deadline, ms. */
const SEND_MARGIN_MS = 40;
const KEY_NAMES = { ArrowUp: '↑', ArrowDown: '↓', ArrowLeft: '←', ArrowRight: '→', ' ': 'Space' };

function keyName(key) {
  return KEY_NAMES[key] ?? key.toUpperCase();
}

export default function arena2dRenderer(ui) {
  const W = ui.width;
  const H = ui.height;
  const cssW = W * PX + 2 * PAD;
  const cssH = H * PX + 2 * PAD;
  const controls = ui.controls || { keys: {} };
  const components = ui.actionLabels.length;
  let canvas = null;
  let g = null;
  let hud = null;
  let moveNote = null;
  let keysLine = null;
  let last = null;
  const held = new Set();
  let pointerDown = false;
  /** Aim component value from the pointer (angle over π): straight ahead until the pointer moves. */
  let aim = 0;
  /** The pointer in arena coordinates (null until it moves over the canvas). */
  let pointer = null;
  let timer = 0;
  let scheduledFor = '';
  let sent = 0;

  const toCanvas = (x, y) => [PAD + (x + W / 2) * PX, PAD + (y + H / 2) * PX];
  const colour = (seat) => ui.seats?.[seat]?.colour ?? '#888';
  const myShip = () => (last && !last.spectator ? list(last.view, 'ships').find((p) => p && p.seat === last.mySeat) : null);

  /** The action vector the person's input makes now. */
  function vector() {
    const u = new Array(components).fill(0);
    for (const key of held) {
      const binding = controls.keys[key];
      if (binding) u[binding[0]] += binding[1];
    }
    if (controls.pointerAngle !== undefined) {
      // toward the pointer from where the ship is now
      const me = myShip();
      if (me && pointer) aim = Math.atan2(pointer[1] - me.y, pointer[0] - me.x) / Math.PI;
      u[controls.pointerAngle] = aim;
    }
    if (controls.pointerButton && pointerDown) u[controls.pointerButton[0]] += controls.pointerButton[1];
    return u;
  }

  function sendNow(stepKey) {
    timer = 0;
    if (!last || `${last.s.gameNumber}:${last.s.step}` !== stepKey || last.s.phase !== 'playing') return;
    last.send(vector());
    sent++;
    canvas.dataset.sent = String(sent);
    moveNote.textContent = `Sent for tick ${last.s.step}.`;
  }

  /** Once per tick, shortly before its deadline (at once when the deadline is unknown or past). */
  function schedule() {
    const { s, view, spectator } = last;
    const key = `${s.gameNumber}:${s.step}`;
    if (spectator || s.phase !== 'playing' || list(view, 'legal').length === 0 || scheduledFor === key) return;
    scheduledFor = key;
    clearTimeout(timer);
    const wait = s.deadline ? Math.min(Math.max(0, s.deadline - Date.now() - SEND_MARGIN_MS), ui.tickMs ?? 500) : 0;
    timer = setTimeout(() => sendNow(key), wait);
  }

  function keyOf(e) {
    return e.key.length === 1 ? e.key.toLowerCase() : e.key;
  }
  function onKeyDown(e) {
    if (e.target && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
    const key = keyOf(e);
    if (!Object.hasOwn(controls.keys, key)) return;
    e.preventDefault();
    held.add(key);
  }
  function onKeyUp(e) {
    held.delete(keyOf(e));
  }
  function onPointerMove(e) {
    const r = canvas.getBoundingClientRect();
    if (!r.width) return;
    const x = ((e.clientX - r.left) / r.width) * cssW;
    const y = ((e.clientY - r.top) / r.height) * cssH;
    pointer = [(x - PAD) / PX - W / 2, (y - PAD) / PX - H / 2];
    draw();
  }
  function onPointerDown(e) {
    if (e.button === 0) pointerDown = true;
  }
  function onPointerUp() {
    pointerDown = false;
  }

  function drawShip(p, mine) {
    const [cx, cy] = toCanvas(p.x, p.y);
    const r = ui.shipRadius * PX;
    g.beginPath();
    g.arc(cx, cy, r, 0, Math.PI * 2);
    g.fillStyle = colour(p.seat);
    g.fill();
    g.lineWidth = mine ? 3 : 1.5;
    g.strokeStyle = mine ? '#ffeb3b' : '#fff';
    g.stroke();
    // the gun
    g.beginPath();
    g.moveTo(cx, cy);
    g.lineTo(cx + Math.cos(p.heading) * r * 1.6, cy + Math.sin(p.heading) * r * 1.6);
    g.lineWidth = 4;
    g.strokeStyle = '#e8ecf4';
    g.stroke();
    // hit points above it
    const w = r * 2.4;
    g.fillStyle = 'rgba(0,0,0,0.5)';
    g.fillRect(cx - w / 2, cy - r - 12, w, 5);
    g.fillStyle = '#7cd67c';
    g.fillRect(cx - w / 2, cy - r - 12, (w * Math.max(0, p.hp)) / ui.maxHp, 5);
    if (mine) {
      g.fillStyle = '#ffeb3b';
      g.font = '700 11px system-ui, sans-serif';
      g.textAlign = 'center';
      g.fillText('YOU', cx, cy + r + 14);
    }
  }

  function draw() {
    if (!canvas || !last) return;
    fitCanvas(canvas, g, cssW, cssH);
    g.fillStyle = '#141a26';
    g.fillRect(0, 0, cssW, cssH);
    g.strokeStyle = '#8a93a8';
    g.lineWidth = 2;
    g.strokeRect(PAD, PAD, W * PX, H * PX);
    g.strokeStyle = 'rgba(255,255,255,0.06)';
    g.lineWidth = 1;
    for (let x = 1; x < W; x++) {
      g.beginPath();
      g.moveTo(PAD + x * PX, PAD);
      g.lineTo(PAD + x * PX, PAD + H * PX);
      g.stroke();
    }
    const { view, mySeat, spectator } = last;
    const me = myShip();
    if (me && pointer) {
      g.setLineDash([4, 6]);
      g.strokeStyle = 'rgba(255,235,59,0.4)';
      g.beginPath();
      g.moveTo(...toCanvas(me.x, me.y));
      g.lineTo(...toCanvas(pointer[0], pointer[1]));
      g.stroke();
      g.setLineDash([]);
    }
    for (const p of list(view, 'projectiles')) {
      const [cx, cy] = toCanvas(p.x, p.y);
      g.beginPath();
      g.arc(cx, cy, Math.max(2, ui.projectileRadius * PX), 0, Math.PI * 2);
      g.fillStyle = colour(p.owner);
      g.fill();
    }
    for (const p of list(view, 'ships')) {
      if (!p) continue;
      const mine = p.seat === mySeat && !spectator;
      drawShip(p, mine);
      if (mine) canvas.dataset.me = `${p.x.toFixed(2)},${p.y.toFixed(2)}`;
    }
  }

  function renderHud({ view, playerName }) {
    const ships = list(view, 'ships');
    hud.replaceChildren(
      ...ships.map((p) =>
        el(
          'span',
          { class: 'arena-hp', 'data-testid': `hp-${p.seat}`, 'data-hp': p.hp, style: `color:${colour(p.seat)}` },
          `${playerName(p.seat)}: ${'♥'.repeat(Math.max(0, p.hp))}${'·'.repeat(Math.max(0, ui.maxHp - p.hp))}`,
        ),
      ),
      el('span', { class: 'time muted', 'data-testid': 'time-left', text: `${view.timeLeft ?? '–'} ticks left` }),
    );
  }

  function renderKeys() {
    // keys with the same binding share one entry: W ↑ thrust y −
    const byBinding = new Map();
    for (const [key, [j, v]] of Object.entries(controls.keys)) {
      const what = `${ui.actionLabels[j].toLowerCase()} ${v > 0 ? '+' : '−'}`;
      byBinding.set(what, [...(byBinding.get(what) ?? []), key]);
    }
    const parts = [...byBinding].map(([what, keys]) => el('span', {}, ...keys.flatMap((k) => [el('kbd', { text: keyName(k) }), ' ']), what));
    if (controls.pointerAngle !== undefined) parts.push(el('span', {}, el('kbd', { text: 'mouse' }), ` ${ui.actionLabels[controls.pointerAngle].toLowerCase()}`));
    if (controls.pointerButton) parts.push(el('span', {}, el('kbd', { text: 'click' }), ` ${ui.actionLabels[controls.pointerButton[0]].toLowerCase()}`));
    keysLine.replaceChildren(...parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
  }

  return {
    mount(board) {
      canvas = el('canvas', { class: 'field-canvas', 'data-testid': 'arena-canvas', 'data-sent': '0', tabindex: 0, role: 'img', 'aria-label': 'Arena' });
      g = canvas.getContext('2d');
      hud = el('div', { class: 'score', 'data-testid': 'arena-hud' });
      moveNote = el('p', { class: 'muted small', 'data-testid': 'move-note', 'aria-live': 'polite' });
      keysLine = el('p', { class: 'keys small' });
      renderKeys();
      board.replaceChildren(el('div', { class: 'field' }, hud, canvas, moveNote, keysLine, ui.hint ? el('p', { class: 'muted small hint', text: ui.hint }) : null));
      document.addEventListener('keydown', onKeyDown);
      document.addEventListener('keyup', onKeyUp);
      canvas.addEventListener('pointermove', onPointerMove);
      canvas.addEventListener('pointerdown', onPointerDown);
      document.addEventListener('pointerup', onPointerUp);
    },
    update(ctx) {
      last = ctx;
      moveNote.hidden = ctx.spectator;
      keysLine.hidden = ctx.spectator;
      renderHud(ctx);
      schedule();
      draw();
    },
    unmount() {
      clearTimeout(timer);
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('keyup', onKeyUp);
      document.removeEventListener('pointerup', onPointerUp);
      held.clear();
      last = null;
    },
  };
}
