/**
 * The command line: `arena serve` prints its URL and serves the API; `arena bot` clients play each
 * other through it; `arena tournament --server` gives the offline table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const TOKEN = 'cli-test-token';
let serve: ChildProcess;
let httpUrl = '';
let wsUrl = '';
const tmp = tempDirs('arena-cli-serve-')();

/** Runs `arena …` asynchronously (the server lives in another process, so spawnSync would not do). */
function arena(args: string[], env: Record<string, string> = {}, onStdout?: (text: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [`${ROOT}bin/arena.js`, ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout);
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  serve = spawn(process.execPath, [`${ROOT}bin/arena.js`, 'serve', '--port', '0', '--data', tmp, '--agents', 'random'], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', ARENA_ADMIN_TOKEN: TOKEN },
  });
  httpUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Arena server: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]!);
    });
    serve.once('exit', (code) => reject(new Error(`arena serve exited with ${code}`)));
  });
  wsUrl = httpUrl.replace('http://', 'ws://').replace(/\/$/, '');
});

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve.once('exit', r));
    serve.kill('SIGINT');
    await exited;
  }
});

describe('arena serve / bot / tournament --server', () => {
  it('serves the game list', async () => {
    const games = (await (await fetch(`${httpUrl}api/games`)).json()) as { room: string }[];
    expect(games.map((g) => g.room)).toContain('connect-four');
  });

  it('two `arena bot` processes play each other', async () => {
    let announce: (roomId: string) => void = () => undefined;
    const roomId = new Promise<string>((r) => (announce = r));
    const first = arena(['bot', '--server', wsUrl, '--game', 'tic-tac-toe', '--agent', 'minimax', '--create', '--games', '2'], {}, (out) => {
      const m = /joined tic-tac-toe-v1 room (\S+)/.exec(out);
      if (m) announce(m[1]!);
    });
    const second = await arena(['bot', '--server', wsUrl, '--game', 'tic-tac-toe', '--agent', 'random', '--room', await roomId, '--games', '2', '--json']);
    const one = await first;
    expect(one.code, one.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(one.stdout).toMatch(/joined tic-tac-toe-v1 room \S+/);
    expect(one.stdout).toMatch(/minimax: \d wins, \d draws, 0 losses over 2 game\(s\)/);
    const summary = JSON.parse(second.stdout) as { wins: number; games: { seat: number }[] };
    expect(summary.wins).toBe(0);
    expect(summary.games.map((g) => g.seat)).toEqual([1, 0]);
  });

  it('`arena tournament --server` gives the offline table', async () => {
    const args = ['tournament', '--game', 'kuhn-poker', '--agents', 'nash,random', '--games', '4', '--seed', '2', '--json'];
    const offline = await arena([...args, '--out', join(tmp, 'offline')]);
    const hosted = await arena([...args, '--out', join(tmp, 'hosted'), '--server', wsUrl], { ARENA_ADMIN_TOKEN: TOKEN });
    expect(offline.code, offline.stderr).toBe(0);
    expect(hosted.code, hosted.stderr).toBe(0);
    const a = JSON.parse(offline.stdout) as { table: unknown; pairs: unknown };
    const b = JSON.parse(hosted.stdout) as { table: unknown; pairs: unknown };
    expect(b.table).toEqual(a.table);
    expect(b.pairs).toEqual(a.pairs);
  });

  it('refuses a malformed server address with one line', async () => {
    const r = await arena(['bot', '--server', 'http://x', '--game', 'tic-tac-toe', '--agent', 'random']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/ws:\/\/127\.0\.0\.1:2567/);
  });
});
