import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { APP_PATHS, CONVERSATION_ID, CONVERSATION_PATH } from './app-paths.ts';
import { BUILD_HINT, HTML_HEADERS, MISSING_BUILD_PAGE } from './page-headers.ts';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;
const COMPRESSED = /\.(br|gz)$/;
// Not in the OpenAPI document: these are the app's pages, not the API.
const hidden = { schema: { hide: true } };

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * The chat web app built into `distDir` (web/dist): hashed assets cached for a year, every other
 * file revalidated on each use (ETag, Last-Modified), brotli or gzip copies chosen by
 * Accept-Encoding. App paths answer index.html; any other path is left to the routes and
 * not-found answers of the API surfaces. Without a build the server still starts and the app's
 * paths answer a 503 page saying how to build it.
 */
export const webAppRoutes: FastifyPluginAsync<{ distDir: string }> = async (app, { distDir }) => {
  const indexFile = path.join(distDir, 'index.html');
  if (!(await exists(indexFile))) app.log.warn(`The web app is not built (${indexFile} is missing): ${BUILD_HINT}`);

  // Asset names carry a hash of their content: a new build has new names, so a copy never goes stale.
  await app.register(fastifyStatic, {
    root: path.join(distDir, 'assets'),
    prefix: '/assets/',
    preCompressed: true,
    maxAge: ONE_YEAR_MS,
    immutable: true,
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    // A missing build is reported once, above.
    suppressWarning: true,
    setHeaders: (reply) => reply.header('x-content-type-options', 'nosniff'),
  });

  // Checked on each page load, so a build made after start-up is served.
  const sendIndex = async (reply: FastifyReply) => {
    reply.headers(HTML_HEADERS);
    if (!(await exists(indexFile))) {
      return reply.status(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(MISSING_BUILD_PAGE);
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', distDir, { cacheControl: false });
  };
  // With or without a trailing slash, as the app's router reads them.
  const withSlash = (url: string) => (url === '/' ? [url] : [url, `${url}/`]);
  for (const url of APP_PATHS.flatMap(withSlash)) app.get(url, hidden, (_request, reply) => sendIndex(reply));
  for (const url of withSlash(CONVERSATION_PATH)) {
    app.get<{ Params: { id: string } }>(url, hidden, (request, reply) =>
      CONVERSATION_ID.test(request.params.id) ? sendIndex(reply) : reply.callNotFound(),
    );
  }

  // Other top-level files of the build (icons, robots.txt): not hashed, so revalidated like the page.
  const topLevel = await readdir(distDir, { withFileTypes: true }).catch(() => []);
  for (const entry of topLevel) {
    const url = `/${entry.name}`;
    // index.html only at the app's paths: the app has no screen at /index.html.
    if (!entry.isFile() || entry.name === 'index.html' || COMPRESSED.test(entry.name) || /[:*?#%]/.test(entry.name)) continue;
    // Never in the way of a route of the API.
    if (app.hasRoute({ method: 'GET', url })) continue;
    app.get(url, hidden, (_request, reply) =>
      reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').sendFile(entry.name, distDir, { cacheControl: false }),
    );
  }
};
