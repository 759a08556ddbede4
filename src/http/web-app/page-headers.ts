/**
 * The web app's pages load only their own scripts (no inline script, no eval), may use inline
 * styles, and talk to this server over HTTP and WebSocket only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export const HTML_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** How to build the app, in the log line at start-up; a build made later is served without a restart. */
export const BUILD_HINT = 'run `npm run build:web` to build it';

export const MISSING_BUILD_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Parley: web app not built</title></head>
<body>
<h1>The web app is not built</h1>
<p>In the server's folder, run <code>npm run build:web</code>, then reload this page. The API works without it.</p>
</body>
</html>
`;
