/**
 * The browser client's static files, for `arena serve`'s HTTP layer to mount at `/`.
 *
 * The page is plain files with no build step, each served under its own name (servers/public/:
 * index.html; app.js, the lobby and the room; render-<kind>.js, a renderer per UI kind; common.js;
 * style.css). The Colyseus browser SDK is served straight from node_modules
 * (`@colyseus/sdk/dist/colyseus.js`, a UMD bundle that defines `globalThis.Colyseus`), so no copy of
 * it lives in the repository and it always matches the installed server version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PublicRoute {
  /** URL path, e.g. `/app.js`. */
  path: string;
  /** Absolute path of the file on disk. */
  file: string;
  /** Content-Type header value. */
  type: string;
}

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

/** Folder of the installed `@colyseus/sdk` package (its `exports` hide `dist/`, its package.json is public). */
function sdkDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@colyseus/sdk/package.json'));
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Every static route of the browser client: each file of servers/public/ by name; `/` gives the page. */
export function publicRoutes(): PublicRoute[] {
  const files = readdirSync(PUBLIC_DIR).filter((name) => TYPES[extname(name)] !== undefined);
  return [
    { path: '/', file: join(PUBLIC_DIR, 'index.html'), type: TYPES['.html']! },
    ...files.map((name) => ({ path: `/${name}`, file: join(PUBLIC_DIR, name), type: TYPES[extname(name)]! })),
    { path: '/vendor/colyseus.js', file: join(sdkDir(), 'dist', 'colyseus.js'), type: TYPES['.js']! },
  ];
}

let cache: Map<string, PublicRoute> | null = null;

/**
 * Serves a GET/HEAD request for one of `publicRoutes()` (query strings ignored) and returns true,
 * or returns false and leaves `res` untouched so the caller can route the request elsewhere.
 * Files are read on each request (they are small), so editing the page needs no server restart.
 */
export function servePublic(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  cache ??= new Map(publicRoutes().map((r) => [r.path, r]));
  const path = (req.url ?? '/').split('?')[0]!;
  const route = cache.get(path);
  if (!route) return false;
  let body: Buffer;
  try {
    body = readFileSync(route.file);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`missing file for ${path}\n`);
    return true;
  }
  res.writeHead(200, { 'content-type': route.type, 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
