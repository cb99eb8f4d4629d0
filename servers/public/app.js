/* global document, window, location, history, fetch, sessionStorage, URLSearchParams, setTimeout, clearTimeout, requestAnimationFrame, cancelAnimationFrame */
/**
 * Arena's browser client: pick a game and opponents, then play in a Colyseus room.
 *
 * Plain ES module, no build step. The Colyseus SDK is the UMD bundle loaded by index.html
 * (`/vendor/colyseus.js`, served from node_modules by `arena serve`), which defines
 * `globalThis.Colyseus`.
 *
 * Protocol (see README): rooms are named by the game's unversioned name; create options
 * `{ seat, agents: { "<seat>": "<spec>" }, name }`; spectators join with `{ spectator: true }`.
 * Synced state: gameId, phase, toMove (seat, -2 simultaneous, -3 finished), step, publicView (JSON),
 * seats[{ kind, name, connected, view }] (view: JSON of that seat's private view, only sent to its
 * owner), result (JSON { returns, winnerTeam }), deadline (ms epoch), rematchVotes.
 * Messages: client → server `move { action }`, `rematch {}`; server → client `error { code, message }`.
 *
 * The page renders everything from the synced state on every change, and never decides legality
 * itself for board clicks: a click on an occupied cell is sent, and the server's error is shown.
 */

const Colyseus = globalThis.Colyseus;

const SIMULTANEOUS = -2;
const FINISHED = -3;

const $ = (id) => document.getElementById(id);

/** Element helper: el('button', { class: 'x', 'data-testid': 'y', onclick }, 'text', child). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

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

function capitalize(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `tic-tac-toe-v1` → `tic-tac-toe`. */
function baseName(gameId) {
  return String(gameId || '').replace(/-v\d+$/, '');
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
  /** Game info of the room's game (from /api/games). */
  info: null,
  /** The seat asked for when creating/joining (null for spectators). */
  wantSeat: null,
  spectator: false,
  /** Seat this client plays: from the server's `seat` message, else the seat whose private view we receive. */
  mySeat: null,
  /** Last `seat` message ({ seat, spectator, game, gameNumber }); rematches swap sides. */
  seatMsg: null,
  renderer: null,
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
  const team = teams.findIndex((t) => t.includes(seat));
  const teamSize = team >= 0 ? teams[team].length : 1;
  if (teamSize > 1) return `Seat ${seat} — team ${team}${team === 0 ? ' (blue, attacks →)' : team === 1 ? ' (red, attacks ←)' : ''}`;
  if (info.dynamics === 'sequential' || info.seats === 2) return seat === 0 ? `Seat 0 — moves first` : `Seat ${seat} — moves ${ordinal(seat + 1)}`;
  return `Seat ${seat}`;
}

function ordinal(n) {
  return n === 2 ? 'second' : n === 3 ? 'third' : n === 4 ? 'fourth' : `#${n}`;
}

function teamOf(info, seat) {
  return (info?.teams || []).findIndex((t) => t.includes(seat));
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
  const want = app.games.find((g) => g.room === preselect || g.id === preselect) || app.games.find((g) => g.room === 'connect-four') || app.games[0];
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
    const room = await client.create(g.room, { seat, agents, name });
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
  if (!app.info || (s.gameId && app.info.id !== s.gameId && baseName(s.gameId) !== app.info.room)) {
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
    send: sendMove,
  };
  const key = rendererKeyFor(s.gameId || app.info?.id);
  if (key !== app.rendererKey) {
    unmountRenderer();
    app.rendererKey = key;
    app.renderer = RENDERERS[key]();
    app.renderer.mount($('board'), ctx);
  }
  const board = $('board');
  board.dataset.step = String(s.step);
  board.dataset.phase = s.phase;
  board.dataset.toMove = String(s.toMove);
  board.dataset.myTurn = String(ctx.myTurn);
  board.dataset.mySeat = app.mySeat === null ? '' : String(app.mySeat);
  $('match').dataset.phase = s.phase;
  $('match').dataset.game = baseName(s.gameId || app.info?.id);
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

/** Sends a move for the step on screen: a move meant for an earlier step is refused by the server (STALE_MOVE). */
function sendMove(action) {
  if (!app.room) return;
  const msg = app.s ? { action, step: app.s.step } : { action };
  app.room.send('move', msg);
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
        el('span', { class: 'seat-chip', text: seatChip(info, i) }),
        el('span', { class: 'player-name', text: mine ? `${p.name || 'You'} (you)` : p.name || 'open seat' }),
        el('span', { class: 'kind', text: kind }),
        el('span', { class: `dot ${p.connected || kind === 'agent' ? 'on' : 'off'}`, title: p.connected ? 'connected' : 'not connected', 'aria-label': p.connected ? 'connected' : 'not connected' }),
      ),
    );
  });
}

function seatChip(info, seat) {
  const marks = app.s?.publicView?.marks;
  if (Array.isArray(marks) && marks[seat]) return marks[seat];
  const team = teamOf(info, seat);
  return (info?.teams?.[team]?.length || 1) > 1 ? String(seat) : `P${seat}`;
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
// Renderers: mount(board, ctx) once per game, update(ctx) on each state change
// ---------------------------------------------------------------------------------------------

function rendererKeyFor(gameId) {
  const b = baseName(gameId);
  if (b === 'tic-tac-toe' || b === 'connect-four') return 'grid';
  if (b === 'kuhn-poker' || b === 'leduc-poker') return 'poker';
  if (b === 'grid-soccer') return 'soccer';
  return 'generic';
}

const RENDERERS = {
  grid: gridRenderer,
  poker: pokerRenderer,
  soccer: soccerRenderer,
  generic: genericRenderer,
};

/** Tic-tac-toe (a cell is an action) and Connect Four (a column is an action; any cell of it plays it). */
function gridRenderer() {
  let cells = [];
  let rows = 0;
  let cols = 0;
  let dropColumns = false;
  let prevBoard = null;
  let root = null;

  function actionOf(i) {
    return dropColumns ? i % cols : i;
  }

  return {
    mount(board, { view, s }) {
      rows = view.rows || 3;
      cols = view.cols || 3;
      dropColumns = baseName(s.gameId) === 'connect-four';
      root = el('div', {
        class: `grid ${dropColumns ? 'connect-four' : 'tic-tac-toe'}`,
        role: 'grid',
        'aria-label': dropColumns ? 'Connect Four board: click a column to drop a disc' : 'Tic-tac-toe board',
        style: `--cols:${cols};--rows:${rows}`,
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
            'aria-label': `row ${r + 1} column ${c + 1}`,
            onclick: () => {
              if (root.classList.contains('locked')) return;
              sendMoveFromBoard(actionOf(i));
            },
          });
          if (dropColumns) {
            b.addEventListener('mouseenter', () => root.querySelectorAll(`[data-col="${c}"]`).forEach((x) => x.classList.add('col-hover')));
            b.addEventListener('mouseleave', () => root.querySelectorAll('.col-hover').forEach((x) => x.classList.remove('col-hover')));
          }
          row.append(el('div', { role: 'gridcell', class: 'gridcell' }, b));
          cells.push(b);
        }
        root.append(row);
      }
      board.replaceChildren(root);
      if (dropColumns) {
        const labels = el('div', { class: 'col-labels', 'aria-hidden': 'true', style: `--cols:${cols}` });
        for (let c = 0; c < cols; c++) labels.append(el('span', { text: String(c + 1) }));
        board.append(labels);
      }
    },
    update({ view, myTurn, s }) {
      const b = Array.isArray(view.board) ? view.board : [];
      const marks = Array.isArray(view.marks) ? view.marks : ['X', 'O'];
      const legal = new Set(Array.isArray(view.legal) ? view.legal : []);
      const winning = new Set(Array.isArray(view.winningCells) ? view.winningCells : []);
      let last = -1;
      if (prevBoard && prevBoard.length === b.length) for (let i = 0; i < b.length; i++) if (prevBoard[i] !== b[i] && b[i] >= 0) last = i;
      prevBoard = b.slice();
      root.classList.toggle('my-turn', myTurn);
      root.classList.toggle('finished', s.phase === 'finished');
      cells.forEach((cell, i) => {
        const v = b[i] ?? -1;
        const mark = v >= 0 ? marks[v] ?? String(v) : '';
        // a Connect Four cell plays its column; a tic-tac-toe cell only itself
        const isLegal = s.phase === 'playing' && legal.has(actionOf(i)) && (dropColumns || v < 0);
        cell.dataset.mark = mark;
        cell.dataset.seat = v >= 0 ? String(v) : '';
        cell.dataset.legal = String(isLegal);
        cell.textContent = dropColumns ? '' : mark;
        cell.setAttribute('aria-label', `row ${Math.floor(i / cols) + 1} column ${(i % cols) + 1}${mark ? `: ${mark}` : ''}`);
        cell.classList.toggle('p0', v === 0);
        cell.classList.toggle('p1', v === 1);
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

/** Board clicks are always sent: the server is the judge, and its `error` is shown. */
function sendMoveFromBoard(action) {
  if (!app.s || app.s.phase === 'finished') {
    showError({ code: 'finished', message: 'The game is over — press Rematch to play again.' });
    return;
  }
  if (app.spectator) {
    showError({ code: 'spectator', message: 'Spectators cannot move.' });
    return;
  }
  sendMove(action);
}

const SUITS = { 1: '♠', 2: '♥' };

/** A card: "K" (Kuhn) or "K1" (Leduc: rank + suit index); null = face down; undefined = no card. */
function cardEl(card, label, testid) {
  if (card === undefined) return el('div', { class: 'card empty', 'data-testid': testid, 'aria-label': `${label}: none` });
  if (card === null) return el('div', { class: 'card back', 'data-testid': testid, 'aria-label': `${label}: face down`, role: 'img' });
  const rank = String(card).charAt(0);
  const suit = SUITS[String(card).slice(1)] || '';
  const red = suit === '♥';
  return el(
    'div',
    { class: `card face${red ? ' red' : ''}`, 'data-testid': testid, 'data-card': card, 'aria-label': `${label}: ${card}`, role: 'img' },
    el('span', { class: 'corner', text: `${rank}${suit}` }),
    el('span', { class: 'pip' }, el('span', { class: 'rank', text: rank }), suit ? el('span', { class: 'suit', text: suit }) : null),
    el('span', { class: 'corner bottom', text: `${rank}${suit}` }),
  );
}

/** Kuhn and Leduc poker: cards, pot, betting history, and one button per action name. */
function pokerRenderer() {
  let root = null;
  let buttons = [];
  let actionsKey = '';
  let buttonRow = null;
  let hint = null;
  let table = null;

  function buildButtons(actions) {
    buttonRow.replaceChildren();
    buttons = actions.map((name, a) =>
      el('button', {
        type: 'button',
        class: `bet-button action-${name}`,
        'data-testid': `action-${name}`,
        'data-action': a,
        text: capitalize(name),
        onclick: () => sendMove(a),
      }),
    );
    buttonRow.append(...buttons);
    actionsKey = actions.join(',');
  }

  return {
    mount(board) {
      table = el('div', { class: 'poker-table' });
      buttonRow = el('div', { class: 'bet-buttons', role: 'group', 'aria-label': 'Your action' });
      hint = el('p', { class: 'muted small hint' });
      root = el('div', { class: 'poker' }, table, buttonRow, hint);
      board.replaceChildren(root);
    },
    update({ view, s, myTurn }) {
      const leduc = baseName(s.gameId) === 'leduc-poker';
      const actions = Array.isArray(view.actions) ? view.actions : leduc ? ['fold', 'call', 'raise'] : ['pass', 'bet'];
      if (actions.join(',') !== actionsKey) buildButtons(actions);
      buttonRow.hidden = app.spectator;
      const legal = new Set(Array.isArray(view.legal) ? view.legal : []);
      buttons.forEach((b, a) => {
        const ok = myTurn && s.phase === 'playing' && legal.has(a);
        b.disabled = !ok;
        b.dataset.legal = String(legal.has(a));
      });
      hint.textContent = leduc
        ? 'Call = check when nobody has bet. Raises are 2 chips in round 1 and 4 in round 2; at most two per round.'
        : 'Pass = check (or fold to a bet) · Bet = bet 1 chip (or call a bet).';

      const me = app.spectator || app.mySeat === null ? 0 : app.mySeat;
      const other = 1 - me;
      const cards = Array.isArray(view.cards) ? view.cards : [null, null];
      const dealt = (seat) => {
        // a card shows when the view has it; otherwise it is face down once dealt
        if (cards[seat]) return cards[seat];
        return s.phase === 'waiting' ? undefined : null;
      };
      const seatBox = (seat, top) => {
        const youLabel = seat === app.mySeat && !app.spectator;
        const contrib = Array.isArray(view.contributions) ? view.contributions[seat] : null;
        return el(
          'div',
          { class: `poker-seat ${top ? 'top' : 'bottom'}${s.toMove === seat && s.phase === 'playing' ? ' acting' : ''}`, 'data-testid': `poker-seat-${seat}` },
          el('div', { class: 'seat-name', text: youLabel ? 'You' : playerName(s, seat) }),
          cardEl(dealt(seat), youLabel ? 'Your card' : `${playerName(s, seat)}'s card`, `card-${seat}`),
          contrib !== null && contrib !== undefined ? el('div', { class: 'chips', text: `${contrib} in pot` }) : null,
        );
      };
      const centre = el(
        'div',
        { class: 'poker-centre' },
        el('div', { class: 'pot', 'data-testid': 'pot' }, el('span', { class: 'pot-label', text: 'Pot' }), el('span', { class: 'pot-value', text: String(potOf(view)) })),
        leduc ? el('div', { class: 'public-card' }, el('span', { class: 'muted small', text: `Round ${view.round ?? 1} · public card` }), cardEl(view.publicCard ?? undefined, 'Public card', 'public-card')) : null,
        el('div', { class: 'betting', 'data-testid': 'betting' }, ...bettingLines(view, s, leduc)),
      );
      table.replaceChildren(seatBox(other, true), centre, seatBox(me, false));
    },
    unmount() {
      buttons = [];
    },
  };
}

/** Chips in the pot: Leduc's view zeroes `pot` once it is paid out, its `contributions` stay. */
function potOf(view) {
  if (Array.isArray(view.contributions) && view.contributions.length) return view.contributions.reduce((a, b) => a + b, 0);
  return view.pot ?? '–';
}

function bettingLines(view, s, leduc) {
  const who = (seat) => (seat === app.mySeat && !app.spectator ? 'You' : playerName(s, seat));
  const line = (label, names) =>
    el('p', { class: 'bet-line' }, el('span', { class: 'muted', text: `${label}: ` }), names.length ? names.map((n, i) => `${who(i % 2)} ${n}`).join(' · ') : '—');
  if (leduc) {
    const h = Array.isArray(view.history) ? view.history : [[], []];
    return [line('Round 1', h[0] || []), (view.round ?? 1) >= 2 || (h[1] || []).length ? line('Round 2', h[1] || []) : null].filter(Boolean);
  }
  return [line('Betting', Array.isArray(view.bets) ? view.bets : [])];
}

// ---- grid soccer -------------------------------------------------------------------------------

const SOCCER_ACTIONS = ['stay', 'north', 'south', 'forward', 'back', 'pass', 'shoot', 'tackle'];
const SOCCER_LABELS = {
  stay: 'Stay (S)',
  north: 'Up ↑',
  south: 'Down ↓',
  forward: 'Forward',
  back: 'Back',
  pass: 'Pass (P)',
  shoot: 'Shoot (Space)',
  tackle: 'Tackle (T)',
};
const TEAM_COLOURS = ['#2f6fdf', '#d9433b'];

/** The 2v2 game on a canvas; the person's seat moves with the keyboard (or the buttons). */
function soccerRenderer() {
  let canvas = null;
  let buttons = [];
  let info = null;
  let controls = [];
  let moveNote = null;
  let timer = null;
  let timerFill = null;
  let scoreEl = null;
  let ctx2 = null;
  let last = null;
  /** Step for which a move was sent, and the action. */
  let sentStep = -1;
  let sentAction = -1;
  let queued = -1;
  const held = new Set();
  let raf = 0;
  let deadlineStart = { step: -1, at: 0, deadline: 0 };

  function actionForKey(key) {
    const attacksRight = last?.view?.attacks !== 'left';
    switch (key) {
      case 'ArrowUp':
        return 1;
      case 'ArrowDown':
        return 2;
      case 'ArrowRight':
        return attacksRight ? 3 : 4;
      case 'ArrowLeft':
        return attacksRight ? 4 : 3;
      case ' ':
      case 'Spacebar':
        return 6;
      case 'p':
      case 'P':
        return 5;
      case 't':
      case 'T':
        return 7;
      case 's':
      case 'S':
      case '.':
        return 0;
      default:
        return -1;
    }
  }

  function choose(action) {
    if (!last || last.s.phase !== 'playing' || app.spectator) return;
    const legal = Array.isArray(last.view.legal) ? last.view.legal : [];
    if (!legal.includes(action)) {
      showError({ code: 'not-legal', message: `${capitalize(SOCCER_ACTIONS[action])} is not possible right now.` });
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
    sendMove(action);
    renderMoveNote();
  }

  function renderMoveNote() {
    if (!moveNote || !last) return;
    if (last.s.phase !== 'playing' || app.spectator) {
      moveNote.textContent = '';
      return;
    }
    const now = sentStep === last.s.step ? `Sent for this step: ${SOCCER_ACTIONS[sentAction]}.` : 'No move sent for this step yet (you stay if time runs out).';
    moveNote.textContent = queued >= 0 ? `${now} Next: ${SOCCER_ACTIONS[queued]}.` : now;
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

  function draw() {
    if (!canvas || !last) return;
    const v = last.view;
    const W = v.width ?? 11;
    const H = v.height ?? 7;
    const goalRows = Array.isArray(v.goalRows) ? v.goalRows : [2, 4];
    const cell = 52;
    const goalDepth = 26;
    const pad = 12;
    const cssW = W * cell + 2 * (goalDepth + pad);
    const cssH = H * cell + 2 * pad;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(cssW * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
      canvas.style.aspectRatio = `${cssW} / ${cssH}`;
    }
    const g = ctx2;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    const ox = pad + goalDepth;
    const oy = pad;
    // grass
    g.fillStyle = '#2e7d32';
    g.fillRect(0, 0, cssW, cssH);
    for (let x = 0; x < W; x++) {
      g.fillStyle = x % 2 ? '#388e3c' : '#33873a';
      g.fillRect(ox + x * cell, oy, cell, H * cell);
    }
    // goals: the left one is defended by team 0 (blue), the right one by team 1 (red)
    const gy = oy + goalRows[0] * cell;
    const gh = (goalRows[1] - goalRows[0] + 1) * cell;
    g.fillStyle = 'rgba(47,111,223,0.85)';
    g.fillRect(ox - goalDepth, gy, goalDepth, gh);
    g.fillStyle = 'rgba(217,67,59,0.85)';
    g.fillRect(ox + W * cell, gy, goalDepth, gh);
    g.strokeStyle = '#ffffff';
    g.lineWidth = 2;
    g.strokeRect(ox - goalDepth, gy, goalDepth, gh);
    g.strokeRect(ox + W * cell, gy, goalDepth, gh);
    // lines
    g.strokeStyle = 'rgba(255,255,255,0.9)';
    g.strokeRect(ox, oy, W * cell, H * cell);
    g.beginPath();
    g.moveTo(ox + (W * cell) / 2, oy);
    g.lineTo(ox + (W * cell) / 2, oy + H * cell);
    g.stroke();
    g.beginPath();
    g.arc(ox + (W * cell) / 2, oy + (H * cell) / 2, cell * 1.1, 0, Math.PI * 2);
    g.stroke();
    // grid
    g.strokeStyle = 'rgba(255,255,255,0.12)';
    g.lineWidth = 1;
    for (let x = 1; x < W; x++) {
      g.beginPath();
      g.moveTo(ox + x * cell, oy);
      g.lineTo(ox + x * cell, oy + H * cell);
      g.stroke();
    }
    for (let y = 1; y < H; y++) {
      g.beginPath();
      g.moveTo(ox, oy + y * cell);
      g.lineTo(ox + W * cell, oy + y * cell);
      g.stroke();
    }
    const players = Array.isArray(v.players) ? v.players : [];
    const me = players.find((p) => p && p.seat === app.mySeat);
    // fog outside the seat's view radius
    if (me && typeof v.viewRadius === 'number') {
      g.fillStyle = 'rgba(10,20,12,0.45)';
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          if (Math.max(Math.abs(x - me.x), Math.abs(y - me.y)) > v.viewRadius) g.fillRect(ox + x * cell, oy + y * cell, cell, cell);
        }
      }
      g.strokeStyle = 'rgba(255,235,59,0.7)';
      g.setLineDash([6, 4]);
      const r = v.viewRadius;
      const x0 = Math.max(0, me.x - r);
      const y0 = Math.max(0, me.y - r);
      const x1 = Math.min(W - 1, me.x + r);
      const y1 = Math.min(H - 1, me.y + r);
      g.strokeRect(ox + x0 * cell, oy + y0 * cell, (x1 - x0 + 1) * cell, (y1 - y0 + 1) * cell);
      g.setLineDash([]);
    }
    // players
    for (const p of players) {
      if (!p) continue;
      const cx = ox + (p.x + 0.5) * cell;
      const cy = oy + (p.y + 0.5) * cell;
      const mine = p.seat === app.mySeat && !app.spectator;
      g.beginPath();
      g.arc(cx, cy, cell * 0.34, 0, Math.PI * 2);
      g.fillStyle = TEAM_COLOURS[p.team] || '#888';
      g.fill();
      g.lineWidth = mine ? 4 : 2;
      g.strokeStyle = mine ? '#ffeb3b' : 'rgba(255,255,255,0.9)';
      g.stroke();
      g.fillStyle = '#fff';
      g.font = '700 16px system-ui, sans-serif';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText(String(p.seat), cx, cy + 1);
      if (mine) canvas.dataset.me = `${p.x},${p.y}`;
      if (mine) {
        g.font = '700 11px system-ui, sans-serif';
        const ty = cy - cell * 0.34 - 9;
        g.fillStyle = '#ffeb3b';
        g.fillRect(cx - 16, ty - 7, 32, 14);
        g.fillStyle = '#1d2330';
        g.fillText('YOU', cx, ty + 1);
      }
    }
    // ball (on its holder's cell)
    if (v.ball) {
      const bx = ox + (v.ball.x + 0.5) * cell + cell * 0.26;
      const by = oy + (v.ball.y + 0.5) * cell + cell * 0.24;
      g.beginPath();
      g.arc(bx, by, cell * 0.14, 0, Math.PI * 2);
      g.fillStyle = '#ffffff';
      g.fill();
      g.lineWidth = 2;
      g.strokeStyle = '#111';
      g.stroke();
    }
    g.textBaseline = 'alphabetic';
  }

  return {
    mount(board) {
      canvas = el('canvas', {
        class: 'soccer-canvas',
        'data-testid': 'soccer-canvas',
        tabindex: 0,
        role: 'img',
        'aria-label': 'Grid soccer field',
      });
      ctx2 = canvas.getContext('2d');
      scoreEl = el('div', { class: 'score', 'data-testid': 'score' });
      timerFill = el('div', { class: 'timer-fill' });
      timer = el('div', { class: 'timer', 'aria-hidden': 'true' }, timerFill);
      moveNote = el('p', { class: 'muted small', 'data-testid': 'move-note', 'aria-live': 'polite' });
      const row = el('div', { class: 'soccer-buttons', role: 'group', 'aria-label': 'Your move' });
      buttons = SOCCER_ACTIONS.map((name, a) => el('button', { type: 'button', 'data-testid': `action-${name}`, 'data-action': a, text: SOCCER_LABELS[name], onclick: () => choose(a) }));
      row.append(...buttons);
      info = el('p', { class: 'muted small', 'data-testid': 'soccer-info' });
      const keys = el(
        'p',
        { class: 'keys small' },
        el('kbd', { text: '←' }), el('kbd', { text: '↑' }), el('kbd', { text: '↓' }), el('kbd', { text: '→' }), ' move · ',
        el('kbd', { text: 'Space' }), ' shoot · ', el('kbd', { text: 'P' }), ' pass · ', el('kbd', { text: 'T' }), ' tackle · ', el('kbd', { text: 'S' }), ' stay',
      );
      controls = [moveNote, row, keys];
      board.replaceChildren(el('div', { class: 'soccer' }, scoreEl, timer, canvas, moveNote, row, keys, info));
      document.addEventListener('keydown', onKeyDown);
      document.addEventListener('keyup', onKeyUp);
      raf = requestAnimationFrame(tickTimer);
    },
    update(ctx) {
      const prevStep = last?.s.step;
      last = ctx;
      const { view, s } = ctx;
      const score = Array.isArray(view.score) ? view.score : [0, 0];
      const myTeam = app.spectator ? -1 : teamOf(ctx.info, app.mySeat);
      scoreEl.replaceChildren(
        el('span', { class: 'team team-0', text: `Blue${myTeam === 0 ? ' (you)' : ''}` }),
        el('span', { class: 'goals', 'data-testid': 'goals', text: `${score[0]} : ${score[1]}` }),
        el('span', { class: 'team team-1', text: `${myTeam === 1 ? '(you) ' : ''}Red` }),
        el('span', { class: 'time muted', 'data-testid': 'time-left', text: `${view.timeLeft ?? '–'} steps left` }),
      );
      const legal = new Set(Array.isArray(view.legal) ? view.legal : []);
      const attacksRight = view.attacks !== 'left';
      for (const c of controls) c.hidden = app.spectator;
      buttons.forEach((b, a) => {
        b.disabled = app.spectator || s.phase !== 'playing' || !legal.has(a);
        if (SOCCER_ACTIONS[a] === 'forward') b.textContent = attacksRight ? 'Forward →' : 'Forward ←';
        if (SOCCER_ACTIONS[a] === 'back') b.textContent = attacksRight ? 'Back ←' : 'Back →';
      });
      const events = Array.isArray(view.events) && view.events.length ? ` · last step: ${view.events.join(', ')}` : '';
      info.textContent = app.spectator
        ? `Watching${events}`
        : `You are seat ${app.mySeat} (${myTeam === 0 ? 'blue' : 'red'}), attacking ${attacksRight ? 'right →' : 'left ←'}. You see opponents and the ball within ${view.viewRadius ?? 3} cells.${view.ball ? '' : ' The ball is out of sight.'}`;
      // a new step: send the queued move, or repeat a held movement key
      if (prevStep !== s.step && s.phase === 'playing' && !app.spectator) {
        if (queued >= 0) {
          const a = queued;
          queued = -1;
          choose(a);
        } else {
          for (const k of held) {
            const a = actionForKey(k);
            if (a >= 1 && a <= 4) {
              choose(a);
              break;
            }
          }
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

/** Any other game: the view as JSON and one button per legal action. */
function genericRenderer() {
  let pre = null;
  let row = null;
  return {
    mount(board) {
      pre = el('pre', { class: 'generic-view' });
      row = el('div', { class: 'bet-buttons', role: 'group', 'aria-label': 'Your action' });
      board.replaceChildren(pre, row);
    },
    update({ view, myTurn }) {
      pre.textContent = JSON.stringify(view, null, 2);
      row.replaceChildren(
        ...(Array.isArray(view.legal) ? view.legal : []).map((a) =>
          el('button', { type: 'button', 'data-testid': `action-${a}`, disabled: !myTurn, text: `Action ${a}`, onclick: () => sendMove(a) }),
        ),
      );
    },
  };
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
