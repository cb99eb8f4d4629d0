/* global document, location, history, fetch, sessionStorage, URLSearchParams, setTimeout, clearTimeout */
/**
 * Arena's browser client: pick a game and opponents, then play in a Colyseus room.
 *
 * Plain ES modules, no build step. The Colyseus SDK is the UMD bundle loaded by index.html
 * (`/vendor/colyseus.js`, served from node_modules by `arena serve`), which defines
 * `globalThis.Colyseus`.
 *
 * This file knows no game: each game of GET /api/games carries its `ui` description (core/game.ts
 * `GameUi`: a kind, what to draw, the action labels), and the renderer module of that kind
 * (render-<kind>.js) draws it.
 *
 * Protocol (see README): rooms are named by the game's unversioned name; create options
 * `{ seat, agents: { "<seat>": "<spec>" }, name, tickMs? }`; spectators join with `{ spectator: true }`.
 * Synced state: gameId, phase, toMove (seat, -2 simultaneous, -3 finished), step, publicView (JSON),
 * seats[{ kind, name, connected, view }] (view: JSON of that seat's private view, only sent to its
 * owner), result (JSON { returns, winnerTeam }), deadline (ms epoch), rematchVotes.
 * Messages: client → server `move { action, step }` (action: an id, or an array of numbers in a game
 * with an `actionSpace`), `rematch {}`; server → client `error { code, message }`.
 *
 * The page renders everything from the synced state on every change, and never decides legality
 * itself for board clicks: a click on an occupied cell is sent, and the server's error is shown.
 */
import { el, teamOf } from './common.js';
import arena2dRenderer from './render-arena2d.js';
import boardRenderer from './render-board.js';
import cardsRenderer from './render-cards.js';
import fieldRenderer from './render-field.js';
import panelRenderer from './render-panel.js';

const Colyseus = globalThis.Colyseus;

const SIMULTANEOUS = -2;
const FINISHED = -3;

const $ = (id) => document.getElementById(id);

function parseJson(text) {
  if (typeof text !== 'string' || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** 1 → "+1", -0.5 → "−0.50", 0 → "0". */
function signed(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  const text = Number.isInteger(abs) ? String(abs) : abs.toFixed(2);
  return x > 0 ? `+${text}` : x < 0 ? `−${text}` : '0';
}

// ---------------------------------------------------------------------------------------------
// Application state
// ---------------------------------------------------------------------------------------------

const app = {
  /** From GET /api/games. */
  games: [],
  /** The game picked in the lobby. */
  picked: null,
  /** From GET /api/agents for the picked game. */
  agents: [],
  client: null,
  room: null,
  /** Game info of the room's game (from /api/games), with its `ui` description. */
  info: null,
  /** The seat asked for when creating/joining (null for spectators). */
  wantSeat: null,
  spectator: false,
  /** Seat this client plays: from the server's `seat` message, else the seat whose private view we receive. */
  mySeat: null,
  /** Last `seat` message ({ seat, spectator, game, gameNumber }); rematches swap sides. */
  seatMsg: null,
  renderer: null,
  /** Id of the game the renderer was made for. */
  rendererKey: '',
  /** Plain copy of the last synced state. */
  s: null,
  lastStep: -1,
  lastPhase: '',
  lastGame: 0,
  errorTimer: 0,
  rematchAsked: false,
  left: false,
};

// ---------------------------------------------------------------------------------------------
// Lobby
// ---------------------------------------------------------------------------------------------

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text().catch(() => '')}`.trim());
  return res.json();
}

function lobbyError(message) {
  const p = $('lobby-error');
  p.textContent = message || '';
  p.hidden = !message;
}

function seatLabel(info, seat) {
  const teams = info.teams || [];
  const team = teamOf(info, seat);
  const teamSize = team >= 0 ? teams[team].length : 1;
  if (teamSize > 1) {
    const mark = info.ui?.teams?.[team];
    return `Seat ${seat} — team ${team}${mark ? ` (${[mark.label, mark.note].filter(Boolean).join(', ')})` : ''}`;
  }
  const mark = info.ui?.seats?.[seat]?.label;
  const order = seat === 0 ? 'moves first' : `moves ${ordinal(seat + 1)}`;
  if (info.dynamics === 'sequential' || info.seats === 2) return `Seat ${seat}${mark ? ` (${mark})` : ''} — ${order}`;
  return `Seat ${seat}`;
}

function ordinal(n) {
  return n === 2 ? 'second' : n === 3 ? 'third' : n === 4 ? 'fourth' : `#${n}`;
}

function renderGameOptions() {
  const box = $('game-options');
  box.replaceChildren();
  for (const g of app.games) {
    const input = el('input', {
      type: 'radio',
      name: 'game',
      value: g.id,
      id: `game-${g.room}`,
      'data-testid': `game-option-${g.room}`,
      onchange: () => pickGame(g),
    });
    const meta = `${g.seats} players · ${g.dynamics === 'simultaneous' ? 'simultaneous moves' : 'turns'}`;
    box.append(el('label', { class: 'game-option', for: `game-${g.room}` }, input, el('span', { class: 'game-name', text: g.name }), el('span', { class: 'game-meta', text: meta })));
  }
}

async function pickGame(g) {
  app.picked = g;
  const radio = $(`game-${g.room}`);
  if (radio) radio.checked = true;
  $('game-description').textContent = g.description || '';
  const seatSel = $('seat-select');
  seatSel.replaceChildren();
  for (let s = 0; s < g.seats; s++) seatSel.append(el('option', { value: s, text: seatLabel(g, s) }));
  seatSel.value = '0';
  $('start-button').disabled = true;
  $('agent-rows').replaceChildren(el('p', { class: 'muted', text: 'Loading opponents…' }));
  try {
    const agents = await getJson(`/api/agents?game=${encodeURIComponent(g.id)}`);
    if (app.picked !== g) return;
    app.agents = Array.isArray(agents) ? agents : [];
    lobbyError('');
  } catch (e) {
    if (app.picked !== g) return;
    app.agents = [];
    lobbyError(`Could not load the opponents: ${e.message}`);
  }
  renderAgentRows();
  $('start-button').disabled = false;
}

/** One agent picker per seat the person does not play. */
function renderAgentRows() {
  const g = app.picked;
  const rows = $('agent-rows');
  const previous = {};
  for (const sel of rows.querySelectorAll('select')) previous[sel.dataset.seat] = sel.value;
  rows.replaceChildren();
  if (!g) return;
  const me = Number($('seat-select').value);
  const myTeam = teamOf(g, me);
  for (let s = 0; s < g.seats; s++) {
    if (s === me) continue;
    const role = g.seats === 2 ? 'Opponent' : teamOf(g, s) === myTeam ? `Teammate (seat ${s})` : `Opponent (seat ${s})`;
    const sel = el('select', { id: `agent-select-${s}`, 'data-testid': `agent-select-${s}`, 'data-seat': s });
    for (const a of app.agents) sel.append(el('option', { value: a.spec, text: agentLabel(a), title: a.label || a.spec }));
    sel.append(el('option', { value: '', text: 'Open seat — another player or bot joins' }));
    const fallback = app.agents.find((a) => a.spec === 'heuristic') || app.agents.find((a) => !/^random/.test(a.spec)) || app.agents[0];
    sel.value = previous[s] !== undefined ? previous[s] : fallback ? fallback.spec : '';
    rows.append(el('div', { class: 'row' }, el('label', { for: sel.id, text: role }), sel));
  }
}

/** Option text of an agent: its spec, then its label (the server's labels may be long one-line summaries). */
function agentLabel(a) {
  if (!a.label || a.label === a.spec) return a.spec;
  let rest = a.label.startsWith(`${a.spec}: `) ? a.label.slice(a.spec.length + 2) : a.label;
  if (rest.length > 64) rest = `${rest.slice(0, 63).trimEnd()}…`;
  return `${a.spec} — ${rest}`;
}

async function loadLobby(preselect) {
  $('lobby').hidden = false;
  $('match').hidden = true;
  try {
    app.games = await getJson('/api/games');
  } catch (e) {
    $('game-options').replaceChildren(el('p', { class: 'error', text: `Could not load the games: ${e.message}` }));
    return;
  }
  renderGameOptions();
  const want = app.games.find((g) => g.room === preselect || g.id === preselect) || app.games[0];
  if (want) await pickGame(want);
}

async function startGame(ev) {
  ev.preventDefault();
  const g = app.picked;
  if (!g) return;
  const seat = Number($('seat-select').value);
  const agents = {};
  for (const sel of $('agent-rows').querySelectorAll('select')) if (sel.value) agents[sel.dataset.seat] = sel.value;
  const name = $('name-input').value.trim() || undefined;
  $('start-button').disabled = true;
  lobbyError('');
  try {
    const client = getClient();
    // a game may ask for its own tick length when people play it (ui.tickMs)
    const tickMs = g.dynamics === 'simultaneous' && g.ui?.tickMs ? { tickMs: g.ui.tickMs } : {};
    const room = await client.create(g.room, { seat, agents, name, ...tickMs });
    enterRoom(room, g, seat, false);
  } catch (e) {
    lobbyError(`Could not start the game: ${errorText(e)}`);
  } finally {
    $('start-button').disabled = false;
  }
}

function errorText(e) {
  if (!e) return 'unknown error';
  const code = e.code !== undefined ? ` (code ${e.code})` : '';
  return `${e.message || String(e)}${code}`;
}

function getClient() {
  app.client ??= new Colyseus.Client(location.origin);
  return app.client;
}

// ---------------------------------------------------------------------------------------------
// Match
// ---------------------------------------------------------------------------------------------

function enterRoom(room, info, seat, spectator) {
  app.room = room;
  app.info = info;
  app.wantSeat = spectator ? null : seat;
  app.spectator = spectator;
  app.mySeat = spectator ? null : seat;
  app.seatMsg = null;
  app.s = null;
  app.lastStep = -1;
  app.lastPhase = '';
  app.lastGame = 0;
  app.rematchAsked = false;
  app.left = false;
  unmountRenderer();
  $('lobby').hidden = true;
  $('match').hidden = false;
  $('match').dataset.roomId = room.roomId;
  $('leave-button').textContent = spectator ? 'Leave' : 'New game';
  $('match-title').textContent = info ? info.name : room.name;
  $('board').replaceChildren();
  $('result').hidden = true;
  showError(null);
  setStatus('Waiting for the game state…');
  $('room-note').replaceChildren(roomNote(room));

  room.onStateChange((state) => onState(state));
  room.onMessage('error', (msg) => showError(msg));
  room.onMessage('seat', (msg) => {
    if (!msg || typeof msg !== 'object') return;
    app.seatMsg = msg;
    app.spectator = !!msg.spectator;
    app.mySeat = typeof msg.seat === 'number' ? msg.seat : null;
    if (app.s) onState(room.state);
  });
  room.onMessage('*', () => {});
  room.onDrop?.(() => setStatus('Connection lost — reconnecting…'));
  room.onReconnect?.(() => {
    rememberSeat(room);
    if (app.s) onState(room.state);
  });
  // the address bar names the room: reloading this tab takes the seat back (the token is in this
  // tab's sessionStorage), the same link opened elsewhere watches as a spectator
  history.replaceState(null, '', `/?room=${encodeURIComponent(room.roomId)}`);
  if (!spectator) rememberSeat(room);
  room.onLeave((code, reason) => {
    if (app.room !== room || app.left) return;
    setStatus(`Disconnected from the room (code ${code}${reason ? `: ${reason}` : ''}).`);
    $('board').classList.add('disconnected');
  });
  room.onError((code, message) => showError({ code, message: message || 'room error' }));
  if (room.state && Object.keys(room.state).length) onState(room.state);
}

function roomNote(room) {
  const watch = `${location.origin}/?room=${encodeURIComponent(room.roomId)}`;
  return el('span', {}, `Room ${room.roomId} · `, el('a', { href: watch, target: '_blank', rel: 'noopener', 'data-testid': 'watch-link', text: 'spectator link' }));
}

const SEAT_KEY = 'arena-seat:';

function rememberSeat(room) {
  try {
    if (room.reconnectionToken) sessionStorage.setItem(SEAT_KEY + room.roomId, room.reconnectionToken);
  } catch {
    // storage disabled: reloading the page then loses the seat
  }
}

function forgetSeat(roomId) {
  try {
    sessionStorage.removeItem(SEAT_KEY + roomId);
  } catch {
    // storage disabled
  }
}

function leaveRoom() {
  const room = app.room;
  app.left = true;
  app.room = null;
  if (room) forgetSeat(room.roomId);
  unmountRenderer();
  if (room) room.leave(true).catch(() => {});
  history.replaceState(null, '', app.picked ? `/?game=${encodeURIComponent(app.picked.room)}` : '/');
  $('board').classList.remove('disconnected');
  if (app.games.length) {
    $('lobby').hidden = false;
    $('match').hidden = true;
  } else {
    loadLobby(app.picked?.room);
  }
}

/** Plain copy of the synced state with the JSON fields parsed. */
function plainState(state) {
  const raw = typeof state?.toJSON === 'function' ? state.toJSON() : state || {};
  const seats = Array.from(raw.seats || [], (x) => ({
    kind: x?.kind ?? '',
    name: x?.name ?? '',
    connected: !!x?.connected,
    rematch: !!x?.rematch,
    view: parseJson(x?.view),
  }));
  return {
    gameId: raw.gameId ?? '',
    phase: raw.phase ?? 'waiting',
    toMove: typeof raw.toMove === 'number' ? raw.toMove : FINISHED,
    step: typeof raw.step === 'number' ? raw.step : 0,
    gameNumber: typeof raw.gameNumber === 'number' ? raw.gameNumber : (app.seatMsg?.gameNumber ?? 0),
    publicView: parseJson(raw.publicView),
    seats,
    result: parseJson(raw.result),
    deadline: typeof raw.deadline === 'number' ? raw.deadline : 0,
    rematchVotes: raw.rematchVotes,
  };
}

function onState(state) {
  const s = plainState(state);
  app.s = s;
  if (!app.info || (s.gameId && app.info.id !== s.gameId)) {
    app.info = app.games.find((g) => g.id === s.gameId) || app.info || { id: s.gameId, name: s.gameId, seats: s.seats.length, teams: s.seats.map((_, i) => [i]) };
    $('match-title').textContent = app.info.name;
  }
  // the server says where we sit (`seat` message); failing that, the seat whose private view reaches us is ours
  if (!app.spectator && !app.seatMsg) {
    const withView = s.seats.map((x, i) => (x.view ? i : -1)).filter((i) => i >= 0);
    if (withView.length === 1) app.mySeat = withView[0];
    else if (app.wantSeat !== null) app.mySeat = app.wantSeat;
  }
  const view = (app.mySeat !== null && s.seats[app.mySeat]?.view) || s.publicView || {};
  const stepChanged = s.step !== app.lastStep || s.phase !== app.lastPhase || s.gameNumber !== app.lastGame;
  if (s.gameNumber !== app.lastGame || (app.lastPhase === 'finished' && s.phase !== 'finished')) app.rematchAsked = false;
  if (stepChanged) showError(null);
  app.lastStep = s.step;
  app.lastPhase = s.phase;
  app.lastGame = s.gameNumber;
  $('match-title').textContent = `${app.info.name}${s.gameNumber > 0 ? ` · game ${s.gameNumber + 1}` : ''}`;

  const ctx = {
    s,
    view,
    info: app.info,
    mySeat: app.mySeat,
    spectator: app.spectator,
    myTurn: !app.spectator && s.phase === 'playing' && (s.toMove === app.mySeat || s.toMove === SIMULTANEOUS),
    send: tryMove,
    showError,
    playerName: (seat) => playerName(s, seat),
  };
  if (app.info.id !== app.rendererKey) {
    unmountRenderer();
    app.rendererKey = app.info.id;
    const ui = app.info.ui;
    app.renderer = (RENDERERS[ui?.kind] ?? panelRenderer)(ui);
    app.renderer.mount($('board'), ctx);
  }
  const board = $('board');
  board.dataset.step = String(s.step);
  board.dataset.phase = s.phase;
  board.dataset.toMove = String(s.toMove);
  board.dataset.myTurn = String(ctx.myTurn);
  board.dataset.mySeat = app.mySeat === null ? '' : String(app.mySeat);
  $('match').dataset.phase = s.phase;
  app.renderer.update(ctx);
  renderPlayers(ctx);
  renderStatus(ctx);
  renderResult(ctx);
}

function unmountRenderer() {
  if (app.renderer) app.renderer.unmount?.();
  app.renderer = null;
  app.rendererKey = '';
}

// ---------------------------------------------------------------------------------------------
// Renderers: one module per UI kind. `create(ui)` gives { mount(board, ctx), update(ctx), unmount?() };
// mount once per game, update on each state change. ctx: { s, view, info, mySeat, spectator,
// myTurn, send(action: an id or a vector), showError(msg), playerName(seat) }.
// ---------------------------------------------------------------------------------------------

const RENDERERS = {
  arena2d: arena2dRenderer,
  board: boardRenderer,
  cards: cardsRenderer,
  field: fieldRenderer,
  panel: panelRenderer,
};

/**
 * Sends a move for the step on screen (a move meant for an earlier step is refused by the server:
 * STALE_MOVE). Whether it is legal is the server's to say; a finished game or a spectator is told here.
 */
function tryMove(action) {
  if (!app.room) return;
  if (!app.s || app.s.phase === 'finished') {
    showError({ code: 'finished', message: 'The game is over — press Rematch to play again.' });
    return;
  }
  if (app.spectator) {
    showError({ code: 'spectator', message: 'Spectators cannot move.' });
    return;
  }
  app.room.send('move', { action, step: app.s.step });
}

function playerName(s, seat) {
  const p = s.seats[seat];
  if (seat === app.mySeat && !app.spectator) return 'You';
  return p?.name || `Seat ${seat}`;
}

function renderPlayers({ s, info }) {
  const list = $('players');
  list.replaceChildren();
  s.seats.forEach((p, i) => {
    const mine = i === app.mySeat && !app.spectator;
    const acting = s.phase === 'playing' && s.toMove === i;
    const team = teamOf(info, i);
    const kind = p.kind || (p.connected ? 'player' : 'open');
    list.append(
      el(
        'li',
        {
          class: `player team-${team}${mine ? ' you' : ''}${acting ? ' acting' : ''}${p.connected || p.kind === 'agent' ? '' : ' away'}`,
          'data-testid': `player-${i}`,
          'aria-current': acting ? 'true' : null,
        },
        seatChip(info, i),
        el('span', { class: 'player-name', text: mine ? `${p.name || 'You'} (you)` : p.name || 'open seat' }),
        el('span', { class: 'kind', text: kind }),
        el('span', { class: `dot ${p.connected || kind === 'agent' ? 'on' : 'off'}`, title: p.connected ? 'connected' : 'not connected', 'aria-label': p.connected ? 'connected' : 'not connected' }),
      ),
    );
  });
}

/** The chip before a player's name: the seat's mark (label and colour) when the game gives one. */
function seatChip(info, seat) {
  const team = teamOf(info, seat);
  const mark = info?.ui?.seats?.[seat];
  const text = mark?.label ?? ((info?.teams?.[team]?.length || 1) > 1 ? String(seat) : `P${seat}`);
  const colour = mark?.colour ?? info?.ui?.teams?.[team]?.colour;
  return el('span', { class: 'seat-chip', style: colour ? `background:${colour};color:${inkOn(colour)}` : null, text });
}

/** Dark or white text, whichever reads better on a `#rrggbb` colour. */
function inkOn(colour) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!m) return '#fff';
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.6 ? '#1d2330' : '#fff';
}

function setStatus(text, cls = '') {
  const p = $('status');
  p.textContent = text;
  p.className = `status ${cls}`.trim();
}

function renderStatus(ctx) {
  const { s } = ctx;
  if (s.phase === 'waiting') {
    const open = s.seats.map((p, i) => (!p.connected && p.kind !== 'agent' ? i : -1)).filter((i) => i >= 0);
    setStatus(open.length ? `Waiting for players (open: ${open.map((i) => `seat ${i}`).join(', ')}) — share the link below.` : 'Starting…', 'waiting');
    renderInvites(open);
    return;
  }
  renderInvites([]);
  if (s.phase === 'finished') {
    setStatus('Game over', 'finished');
    return;
  }
  if (s.toMove === SIMULTANEOUS) {
    setStatus(app.spectator ? `Step ${s.step} — everyone moves at once` : `Your move — everyone moves at once (step ${s.step})`, app.spectator ? '' : 'your-turn');
  } else if (s.toMove === app.mySeat && !app.spectator) {
    setStatus('Your turn', 'your-turn');
  } else if (s.toMove >= 0) {
    const p = s.seats[s.toMove];
    setStatus(p?.kind === 'agent' ? `${playerName(s, s.toMove)} is thinking…` : `Waiting for ${playerName(s, s.toMove)}…`);
  } else {
    setStatus('Dealing…');
  }
}

function renderInvites(open) {
  const note = $('room-note');
  if (!app.room) return;
  note.replaceChildren(roomNote(app.room));
  for (const seat of open) {
    const link = `${location.origin}/?room=${encodeURIComponent(app.room.roomId)}&seat=${seat}`;
    note.append(' · ', el('a', { href: link, 'data-testid': `invite-${seat}`, text: `invite link for seat ${seat}` }));
  }
}

/** Headline of a finished game from the server's `result`. */
function resultHeadline({ s, info }) {
  const r = s.result || {};
  const winnerTeam = r.winnerTeam ?? null;
  const teams = info?.teams || s.seats.map((_, i) => [i]);
  const nameOfTeam = (t) => (teams[t] || []).map((seat) => playerName(s, seat)).join(' & ');
  if (winnerTeam === null || winnerTeam === undefined || winnerTeam < 0) return { outcome: 'draw', text: 'Draw' };
  if (app.spectator || app.mySeat === null) return { outcome: 'other', text: `${nameOfTeam(winnerTeam)} won` };
  const myTeam = teamOf(info, app.mySeat);
  return winnerTeam === myTeam ? { outcome: 'win', text: 'You won!' } : { outcome: 'loss', text: `You lost — ${nameOfTeam(winnerTeam)} won` };
}

function renderResult(ctx) {
  const { s, info } = ctx;
  const box = $('result');
  if (s.phase !== 'finished') {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const head = resultHeadline(ctx);
  const text = $('result-text');
  text.textContent = head.text;
  box.dataset.outcome = head.outcome;
  const returns = Array.isArray(s.result?.returns) ? s.result.returns : [];
  box.dataset.returns = JSON.stringify(returns);
  box.dataset.winnerTeam = String(s.result?.winnerTeam ?? 'null');
  const teams = info?.teams || [];
  const teamGame = teams.some((t) => t.length > 1);
  const parts = teamGame
    ? teams.map((t, i) => `${i === teamOf(info, app.mySeat) && !app.spectator ? 'Your team' : `Team ${i}`} ${signed(returns[t[0]])}`)
    : returns.map((v, i) => `${playerName(s, i)} ${signed(v)}`);
  $('result-detail').textContent = returns.length ? `Returns: ${parts.join(' · ')}` : '';
  const rb = $('rematch-button');
  rb.hidden = app.spectator;
  rb.disabled = app.rematchAsked;
  rb.textContent = app.rematchAsked ? 'Rematch requested' : 'Rematch';
  $('rematch-note').textContent = rematchText(s.rematchVotes);
}

function rematchText(votes) {
  let n = 0;
  if (typeof votes === 'number') n = votes;
  else if (Array.isArray(votes)) n = votes.filter(Boolean).length;
  else if (votes && typeof votes === 'object') n = Object.values(votes).filter(Boolean).length;
  const humans = (app.s?.seats || []).filter((p) => p.kind !== 'agent' && p.connected).length;
  if (!n) return '';
  return humans > 1 ? `${n} of ${humans} players want a rematch` : `${n} rematch vote${n === 1 ? '' : 's'}`;
}

function askRematch() {
  if (!app.room) return;
  app.rematchAsked = true;
  app.room.send('rematch', {});
  if (app.s) renderResult({ s: app.s, info: app.info });
}

function showError(msg) {
  const p = $('error');
  clearTimeout(app.errorTimer);
  if (!msg) {
    p.hidden = true;
    p.textContent = '';
    delete p.dataset.code;
    return;
  }
  const message = typeof msg === 'string' ? msg : msg.message || 'error';
  p.textContent = msg.code !== undefined ? `${message} (${msg.code})` : message;
  p.dataset.code = msg.code !== undefined ? String(msg.code) : '';
  p.hidden = false;
  // restart the flash animation
  p.classList.remove('flash');
  void p.offsetWidth;
  p.classList.add('flash');
  app.errorTimer = setTimeout(() => showError(null), 8000);
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

async function joinFromLink(roomId, seat) {
  $('lobby').hidden = true;
  $('match').hidden = false;
  setStatus('Joining…');
  app.games = await getJson('/api/games').catch(() => []);
  // our own seat after a reload: reconnect with the stored token while the server still holds the seat
  let token = null;
  try {
    token = sessionStorage.getItem(SEAT_KEY + roomId);
  } catch {
    token = null;
  }
  if (token && seat === null) {
    try {
      const room = await getClient().reconnect(token);
      const info = app.games.find((g) => g.room === room.name) || null;
      enterRoom(room, info, null, false);
      return;
    } catch {
      forgetSeat(roomId);
    }
  }
  try {
    const spectator = seat === null;
    const room = await getClient().joinById(roomId, spectator ? { spectator: true } : { seat });
    const info = app.games.find((g) => g.room === room.name) || null;
    enterRoom(room, info, seat, spectator);
  } catch (e) {
    setStatus(`Could not join room ${roomId}: ${errorText(e)}`);
    $('board').replaceChildren(el('a', { href: '/', class: 'button-link', text: 'Back to the lobby' }));
  }
}

function main() {
  $('lobby-form').addEventListener('submit', startGame);
  $('seat-select').addEventListener('change', renderAgentRows);
  $('leave-button').addEventListener('click', leaveRoom);
  $('rematch-button').addEventListener('click', askRematch);
  if (!Colyseus) {
    lobbyError('The Colyseus SDK (/vendor/colyseus.js) did not load.');
    return;
  }
  const q = new URLSearchParams(location.search);
  const roomId = q.get('room');
  if (roomId) {
    const seat = q.get('seat');
    joinFromLink(roomId, seat === null || seat === '' ? null : Number(seat));
  } else {
    loadLobby(q.get('game'));
  }
}

main();
