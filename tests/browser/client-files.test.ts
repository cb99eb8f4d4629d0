/**
 * The browser client's files (servers/public/), without a browser: they name no game — everything
 * game-specific comes from the `ui` description of GET /api/games — and there is a renderer module,
 * served by `arena serve`, for the UI kind of every registered game.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listGames } from '../../games/index.ts';
import { roomNameOf } from '../../servers/protocol.ts';
import { publicRoutes } from '../../servers/public-files.ts';

const PUBLIC_DIR = join(import.meta.dirname, '../../servers/public');
const FILES = readdirSync(PUBLIC_DIR).filter((f) => /\.(js|html|css)$/.test(f));

describe('browser client files', () => {
  it.each(listGames().map((g) => [g.info.id, g] as const))('name no registered game: %s', (id) => {
    for (const file of FILES) {
      const text = readFileSync(join(PUBLIC_DIR, file), 'utf8').toLowerCase();
      expect(text.includes(id), `${file} mentions ${id}`).toBe(false);
      expect(text.includes(roomNameOf(id)), `${file} mentions ${roomNameOf(id)}`).toBe(false);
    }
  });

  it('have a served renderer module for the UI kind of every registered game', () => {
    const served = new Set(publicRoutes().map((r) => r.path));
    for (const { info, ui } of listGames()) expect(served.has(`/render-${ui.kind}.js`), `${info.id} is drawn by render-${ui.kind}.js`).toBe(true);
    for (const file of FILES) expect(served.has(`/${file}`)).toBe(true);
  });
});
