/**
 * The browser client (servers/public/) in a real browser against the real server: `arena serve`'s
 * server, started in-process on a free port, and Debian's Chromium driven by playwright-core.
 * - A full game of tic-tac-toe against `minimax`, from the lobby to the result, by clicking the first
 *   legal cell: an illegal click on the way shows the server's error and changes nothing, reloading
 *   the tab takes the seat back, the result shown is the server's result (read by a spectator over
 *   the Colyseus SDK) and the board's, and Rematch starts game 2 with sides swapped.
 * - A hand of Kuhn poker with the bet buttons: the opponent's card is face down until a showdown.
 * - Grid soccer: holding → moves the person's player forward.
 * - A continuous game (the arena2d kind): holding D thrusts the person's ship right, the mouse aims,
 *   and one action vector goes to the server per tick, which it plays.
 * - A 4×5 board game the client has never seen (tests/browser/fixtures/mnk-game.ts), hosted next to
 *   the registered games: it is listed, drawn from its UI description and takes a move.
 *
 * Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Without it the file
 * is skipped on a developer machine and fails in CI (CI is set there).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { createArenaServer, hostedGames, type ArenaServer } from '../../servers/server.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { mnkGame } from './fixtures/mnk-game.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP = !HAVE_CHROMIUM && !process.env.CI;
if (SKIP) console.warn(`tests/browser: skipped — ${CHROMIUM} is missing (apt-get install -y chromium); in CI this fails instead`);

/** Winner's mark of a tic-tac-toe board ('' when there is no line). */
function lineWinner(marks: string[]): string {
  const lines = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]];
  for (const [a, b, c] of lines) if (marks[a!] && marks[a!] === marks[b!] && marks[a!] === marks[c!]) return marks[a!]!;
  return '';
}

/** From the lobby: picks a game, the person's seat and the agents of the other seats, and starts. */
async function startFromLobby(page: Page, base: string, room: string, seat: number, agents: Record<number, string>): Promise<void> {
  await page.goto(`${base}/?game=${room}`);
  await page.locator(`label[for="game-${room}"]`).click();
  await page.getByTestId('seat-select').selectOption(String(seat));
  for (const [s, spec] of Object.entries(agents)) await page.getByTestId(`agent-select-${s}`).selectOption(spec);
  await page.getByTestId('start-button').click();
  await page.locator('[data-testid=board][data-phase="playing"]').waitFor();
}

type ServerResult = { returns: number[]; winnerTeam: number | null };

/** A game no registry holds: 3 in a row on 4 rows × 5 columns. */
const UNSEEN = mnkGame(4, 5, 3);
const UNSEEN_ROOM = UNSEEN.info.id.replace(/-v\d+$/, '');

/** The finished room's result as the server has it, read by a spectator over the Colyseus SDK. */
async function serverResult(base: string, roomId: string): Promise<ServerResult> {
  const { Client } = await import('@colyseus/sdk');
  const spectator = await new Client(base).joinById(roomId, { spectator: true });
  spectator.onMessage('*', () => {});
  try {
    const state = spectator.state as { result?: string };
    await expect.poll(() => state.result ?? '', { timeout: 5000 }).not.toBe('');
    return JSON.parse(state.result!) as ServerResult;
  } finally {
    await spectator.leave(true).catch(() => {});
  }
}

describe.skipIf(SKIP)('browser client (Chromium + arena serve)', () => {
  let server: ArenaServer;
  let base = '';
  let context: BrowserContext;
  let page: Page;
  const tempDir = tempDirs('arena-chromium-');
  let userDataDir = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get update && apt-get install -y chromium)`);
    const { chromium } = await import('playwright-core');
    userDataDir = tempDir();
    // the real server, as `arena serve --port 0` starts it (nothing recorded to disk)
    const [srv, ctx] = await Promise.allSettled([
      createArenaServer({ port: 0, host: '127.0.0.1', dataDir: null, games: [...hostedGames(), UNSEEN] }),
      chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
        viewport: { width: 1000, height: 900 },
      }),
    ]);
    // keep whichever started, so afterAll stops it when the other failed
    if (srv.status === 'fulfilled') server = srv.value;
    if (ctx.status === 'fulfilled') context = ctx.value;
    if (srv.status === 'rejected') throw srv.reason;
    if (ctx.status === 'rejected') throw ctx.reason;
    base = server.url.replace(/\/$/, '');
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await server?.close().catch(() => {});
  });

  it('serves the page and the SDK, and lists games and opponents', async () => {
    const sdk = await fetch(`${base}/vendor/colyseus.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get('content-type')).toMatch(/javascript/);
    expect(await sdk.text()).toMatch(/Colyseus/);
    await page.goto(`${base}/`);
    await expect.poll(() => page.getByTestId('game-option-tic-tac-toe').count()).toBe(1);
    await expect.poll(() => page.getByTestId('game-option-connect-four').count()).toBe(1);
    // the SDK's global loaded and the lobby rendered without page errors
    expect(await page.evaluate(() => typeof (globalThis as { Colyseus?: unknown }).Colyseus)).toBe('object');
    expect(pageErrors).toEqual([]);
  });

  it('plays a full game of tic-tac-toe against minimax by clicking, shows an illegal move error and the server\'s result', async () => {
    await startFromLobby(page, base, 'tic-tac-toe', 0, { 1: 'minimax' });

    const board = page.getByTestId('board');
    const match = page.getByTestId('match');
    await page.locator('[data-testid=board][data-my-turn="true"]').waitFor();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Your turn');
    const roomId = await match.getAttribute('data-room-id');
    expect(roomId).toBeTruthy();

    let moves = 0;
    let illegalChecked = false;
    let reloaded = false;
    for (;;) {
      // my turn or the end
      await page.locator('[data-testid=board][data-phase="finished"], [data-testid=board][data-my-turn="true"]').waitFor();
      if ((await board.getAttribute('data-phase')) === 'finished') break;
      const step = Number(await board.getAttribute('data-step'));
      if (moves === 1 && !illegalChecked) {
        // an occupied cell: the click is sent, the server refuses it, and the page says so
        const occupied = page.locator('[data-testid^="cell-"]:not([data-mark=""])').first();
        await occupied.click();
        const error = page.getByTestId('error');
        await error.waitFor({ state: 'visible' });
        expect(await error.getAttribute('data-code')).toBe('ILLEGAL_ACTION');
        expect(await error.textContent()).toMatch(/illegal|not legal/i);
        expect(Number(await board.getAttribute('data-step'))).toBe(step);
        illegalChecked = true;
      }
      if (moves === 2) {
        // reloading the tab takes the seat back (reconnection within the grace period)
        const marks = await page.locator('[data-testid^="cell-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-mark')));
        await page.reload();
        await page.locator(`[data-testid=board][data-my-turn="true"][data-step="${step}"][data-my-seat="0"]`).waitFor();
        expect(await page.locator('[data-testid^="cell-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-mark')))).toEqual(marks);
        expect(await match.getAttribute('data-room-id')).toBe(roomId);
        reloaded = true;
      }
      await page.locator('[data-testid^="cell-"][data-legal="true"]').first().click();
      moves++;
      await page.locator(`[data-testid=board]:not([data-step="${step}"])`).waitFor();
      expect(moves).toBeLessThanOrEqual(5);
    }
    expect(illegalChecked).toBe(true);
    expect(reloaded).toBe(true);

    // the result the page shows…
    const result = page.getByTestId('result');
    await result.waitFor({ state: 'visible' });
    const outcome = await result.getAttribute('data-outcome');
    const text = (await page.getByTestId('result-text').textContent()) ?? '';
    expect(['loss', 'draw']).toContain(outcome); // minimax never loses
    expect(text).toMatch(outcome === 'loss' ? /^You lost/ : /^Draw$/);
    await expect.poll(() => page.getByTestId('rematch-button').isVisible()).toBe(true);

    // …agrees with the board on the page…
    const marks = await page.locator('[data-testid^="cell-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-mark') ?? ''));
    const winner = lineWinner(marks);
    expect(winner).toBe(outcome === 'loss' ? 'O' : '');
    if (outcome === 'draw') expect(marks.every((m) => m !== '')).toBe(true);

    // …and with the server's result, read by a spectator over the SDK
    const server = await serverResult(base, roomId!);
    expect(server.winnerTeam).toBe(outcome === 'loss' ? 1 : null);
    expect(server.returns).toEqual(outcome === 'loss' ? [-1, 1] : [0, 0]);
    expect(JSON.parse((await result.getAttribute('data-returns')) ?? '[]')).toEqual(server.returns);
    expect(await page.getByTestId('result-detail').textContent()).toBe(outcome === 'loss' ? 'Returns: You −1 · minimax +1' : 'Returns: You 0 · minimax 0');

    // a rematch: the next game starts with sides swapped (minimax now opens as X)
    await page.getByTestId('rematch-button').click();
    await page.locator('[data-testid=board][data-phase="playing"][data-my-seat="1"]').waitFor();
    await page.locator('[data-testid=board][data-my-turn="true"]').waitFor();
    expect(await page.getByTestId('match-title').textContent()).toMatch(/game 2$/);
    expect(await page.locator('[data-testid^="cell-"][data-mark="X"]').count()).toBe(1);
    expect(await page.getByTestId('result').isVisible()).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it('plays a hand of Kuhn poker with bet buttons; the opponent\'s card stays face down until a showdown', async () => {
    await startFromLobby(page, base, 'kuhn-poker', 0, { 1: 'nash' });
    const board = page.getByTestId('board');
    const roomId = await page.getByTestId('match').getAttribute('data-room-id');
    await board.locator('[data-testid="card-0"][data-card]').waitFor();
    expect(await page.getByTestId('card-0').getAttribute('data-card')).toMatch(/^[JQK]$/);
    expect(await page.getByTestId('card-1').getAttribute('aria-label')).toMatch(/face down$/);
    const bet = page.getByRole('button', { name: 'Bet', exact: true });
    expect(await page.getByRole('button', { name: 'Pass', exact: true }).count()).toBe(1);
    for (let i = 0; i < 3; i++) {
      await page.locator('[data-testid=board][data-phase="finished"], [data-testid=board][data-my-turn="true"]').waitFor();
      if ((await board.getAttribute('data-phase')) === 'finished') break;
      const step = await board.getAttribute('data-step');
      await bet.click(); // bet, or call a bet
      await page.locator(`[data-testid=board]:not([data-step="${step}"])`).waitFor();
    }
    await page.locator('[data-testid=board][data-phase="finished"]').waitFor();
    const server = await serverResult(base, roomId!);
    const outcome = await page.getByTestId('result').getAttribute('data-outcome');
    expect(outcome).toBe(server.winnerTeam === 0 ? 'win' : 'loss');
    expect(JSON.parse((await page.getByTestId('result').getAttribute('data-returns')) ?? '[]')).toEqual(server.returns);
    // both bet: a showdown, so the opponent's card is shown now; otherwise it folded and stays hidden
    const showdown = Math.abs(server.returns[0]!) === 2;
    if (showdown) expect(await page.getByTestId('card-1').getAttribute('data-card')).toMatch(/^[JQK]$/);
    else expect(await page.getByTestId('card-1').getAttribute('aria-label')).toMatch(/face down$/);
    expect(pageErrors).toEqual([]);
  });

  it('moves the person\'s grid-soccer player with the arrow keys', async () => {
    await startFromLobby(page, base, 'grid-soccer', 0, { 1: 'heuristic', 2: 'heuristic', 3: 'heuristic' });
    const canvas = page.getByTestId('field-canvas');
    await canvas.locator('xpath=self::*[@data-me]').waitFor();
    const me = async () => (await canvas.getAttribute('data-me'))!.split(',').map(Number) as [number, number];
    const [x0, y0] = await me();
    // seat 0 attacks right: holding → moves it forward (+x), one cell per tick, in its row
    await page.keyboard.down('ArrowRight');
    try {
      await expect.poll(async () => (await me())[0], { timeout: 8000 }).toBeGreaterThan(x0);
    } finally {
      await page.keyboard.up('ArrowRight');
    }
    expect((await me())[1]).toBe(y0);
    await page.getByTestId('leave-button').click();
    await page.getByTestId('lobby').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('flies the person\'s ship in a continuous arena game: held keys and the mouse make a vector sent once per tick', async () => {
    const game = hostedGames().find((g) => g.ui.kind === 'arena2d')!;
    const room = game.info.id.replace(/-v\d+$/, '');
    const scripted = (await (await fetch(`${base}/api/agents?game=${game.info.id}`)).json()) as { spec: string }[];
    const opponent = scripted.find((a) => a.spec !== 'random')!.spec;
    await startFromLobby(page, base, room, 0, { 1: opponent });
    const canvas = page.getByTestId('arena-canvas');
    await canvas.locator('xpath=self::*[@data-me]').waitFor();
    const me = async () => (await canvas.getAttribute('data-me'))!.split(',').map(Number) as [number, number];
    const [x0] = await me();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2); // aim right, at the opponent's side
    await page.keyboard.down('d');
    try {
      await expect.poll(async () => (await me())[0], { timeout: 8000 }).toBeGreaterThan(x0 + 0.5);
    } finally {
      await page.keyboard.up('d');
    }
    expect(Number(await canvas.getAttribute('data-sent'))).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('board').getAttribute('data-step'))).toBeGreaterThan(0);
    expect(await page.getByTestId('hp-0').getAttribute('data-hp')).toMatch(/^[0-5]$/);
    await page.getByTestId('leave-button').click();
    await page.getByTestId('lobby').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('lists a board game it has never seen, draws it from its description and plays a move on it', async () => {
    await page.goto(`${base}/?game=${UNSEEN_ROOM}`);
    await page.locator(`label[for="game-${UNSEEN_ROOM}"]`).click();
    await page.getByTestId('seat-select').selectOption('0');
    await page.getByTestId('agent-select-1').selectOption({ value: '' }); // an open seat: a second player joins below
    await page.getByTestId('start-button').click();
    const board = page.getByTestId('board');
    await page.locator('[data-testid=board][data-phase="waiting"]').waitFor();
    expect(await page.getByTestId('match-title').textContent()).toBe(UNSEEN.info.name);
    expect(await page.locator('[data-testid^="cell-"]').count()).toBe(20);
    expect(await page.getByTestId('cell-19').getAttribute('data-row')).toBe('3');
    expect(await page.getByTestId('cell-19').getAttribute('data-col')).toBe('4');

    // the second seat, over the SDK: the game starts
    const roomId = await page.getByTestId('match').getAttribute('data-room-id');
    const { Client } = await import('@colyseus/sdk');
    const other = await new Client(base).joinById(roomId!, { seat: 1 });
    other.onMessage('*', () => {});
    try {
      await page.locator('[data-testid=board][data-my-turn="true"]').waitFor();
      await page.getByTestId('cell-7').click();
      await page.locator('[data-testid=board][data-step="1"]').waitFor();
      expect(await page.getByTestId('cell-7').getAttribute('data-mark')).toBe('A');
      other.send('move', { action: 12, step: 1 });
      await page.locator('[data-testid=board][data-step="2"][data-my-turn="true"]').waitFor();
      expect(await page.getByTestId('cell-12').getAttribute('data-mark')).toBe('B');
      expect(await page.getByTestId('cell-12').getAttribute('title')).toBe('row 3, column 3');
      expect(await board.locator('[data-mark="A"], [data-mark="B"]').count()).toBe(2);
    } finally {
      await other.leave(true).catch(() => {});
    }
    await page.getByTestId('leave-button').click();
    await page.getByTestId('lobby').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
