import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Session } from '../../core/accounts/accounts-service.ts';
import type { DoorCaller } from '../../core/accounts/door-throttle.ts';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { presentApiKey, presentUser } from './presenters.ts';
import * as s from './schemas.ts';

const presentSession = (session: Session) => ({
  access_token: session.accessToken,
  refresh_token: session.refreshToken,
  token_type: 'bearer' as const,
  expires_in: session.expiresIn,
  user: presentUser(session.user),
});

/** The throttles count by the client's address (X-Forwarded-For when TRUST_PROXY is set). */
const doorCaller = (request: FastifyRequest): DoorCaller => ({
  address: request.ip,
  warn: (err, message) => request.log.warn({ err }, message),
});

export const authRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const auth = requireAuth(core.authenticator);
  const tags = [TAG.accounts];
  const open = { tags, security: [] };

  app.post(
    '/register',
    {
      schema: {
        ...open,
        operationId: 'registerAccount',
        summary: 'Create an account',
        description:
          'Creates the account and signs it in. The first account of an instance becomes its admin. The password must pass ' +
          'the password policy (a 422 on `password` whose type names the rule). Registrations per address are throttled (429).',
        body: s.registerBody,
        response: {
          201: s.tokenResponseSchema.describe('The new account, signed in: an access token, a refresh token and the user'),
          403: s.detailSchema.describe('Registration is closed on this instance'),
          409: s.detailSchema.describe('An account with this email exists'),
          422: s.detailSchema.describe('A field is missing or malformed, or the password breaks a rule of the policy'),
          429: s.detailSchema.describe('Too many registrations from this address: `Retry-After` says when to try again'),
        },
      },
    },
    async (request, reply) => {
      const { email, password, display_name } = request.body;
      const session = await core.doors.register({ email, password, displayName: display_name }, doorCaller(request));
      return reply.status(201).send(presentSession(session));
    },
  );

  app.post(
    '/login',
    {
      schema: {
        ...open,
        operationId: 'login',
        summary: 'Sign in with email and password',
        description:
          'Answers an access token (send it as `Authorization: Bearer <token>`) and a refresh token that renews it ' +
          '(`POST /api/v1/auth/refresh`). Failed attempts are throttled per account and per address (429).',
        body: s.loginBody,
        response: {
          200: s.tokenResponseSchema.describe('Signed in: an access token, a refresh token and the user'),
          401: s.detailSchema.describe('Wrong email or password'),
          403: s.detailSchema.describe('The account is deactivated'),
          422: s.detailSchema.describe('A field is missing or malformed'),
          429: s.detailSchema.describe('Too many failed attempts for this account or address: `Retry-After` says when to try again'),
        },
      },
    },
    async (request) => presentSession(await core.doors.login(request.body, doorCaller(request))),
  );

  app.post(
    '/refresh',
    {
      schema: {
        ...open,
        operationId: 'refreshTokens',
        summary: 'Renew the tokens with a refresh token',
        description:
          'Answers a new access token and a new refresh token; the one sent stops working. A refresh token used a second time ' +
          'is taken as stolen: every token descended from the same login is revoked (401).',
        body: s.refreshBody,
        response: {
          200: s.tokenResponseSchema.describe('New tokens, and the user'),
          401: s.detailSchema.describe('The refresh token is unknown, expired, revoked or reused'),
          422: s.detailSchema.describe('The body has no refresh token'),
          429: s.detailSchema.describe('Too many refreshes from this address: `Retry-After` says when to try again'),
        },
      },
    },
    async (request) => presentSession(await core.doors.refresh(request.body.refresh_token, doorCaller(request))),
  );

  app.post(
    '/logout',
    {
      onRequest: auth,
      schema: {
        tags,
        operationId: 'logout',
        summary: 'Sign out',
        description:
          'With a `refresh_token`, ends that token’s login and the caller’s own; without one, ends every login of the caller. ' +
          'API keys keep working (revoke them with `DELETE /api/v1/auth/api-keys/{id}`).',
        body: s.logoutBody,
        response: s.withErrors({ 200: s.messageOnlySchema.describe('Signed out') }),
      },
    },
    async (request) => {
      await core.accounts.logout(actorOf(request), request.body?.refresh_token);
      return { message: 'Logged out' };
    },
  );

  app.get(
    '/me',
    {
      onRequest: auth,
      schema: {
        tags,
        operationId: 'getCurrentUser',
        summary: 'Get the signed-in user',
        description: 'The user the access token or API key belongs to: role, tier and spend limit included.',
        response: s.withErrors({ 200: s.userSchema.describe('The signed-in user') }),
      },
    },
    async (request) => presentUser(await core.accounts.me(actorOf(request))),
  );

  app.patch(
    '/me',
    {
      onRequest: auth,
      schema: {
        tags,
        operationId: 'updateCurrentUser',
        summary: 'Change the display name',
        description: 'Changes the signed-in user’s display name; null clears it.',
        body: s.profilePatchBody,
        response: s.withErrors({ 200: s.userSchema.describe('The user, changed') }),
      },
    },
    async (request) => presentUser(await core.accounts.updateProfile(actorOf(request), { displayName: request.body.display_name })),
  );

  app.post(
    '/password',
    {
      onRequest: auth,
      schema: {
        tags,
        operationId: 'changePassword',
        summary: 'Change the password',
        description:
          'Every other login of the user ends; the caller’s stays. Needs an access token (not an API key). A wrong `current_password` is refused with 403 and counts as a failed login ' +
          'of the account, so repeated guesses meet the login throttle (429). `new_password` must pass the password policy: ' +
          'a 422 on that field whose type names the rule. API keys keep working.',
        body: s.passwordChangeBody,
        response: s.withErrors({
          200: s.messageOnlySchema.describe('Changed'),
          403: s.detailSchema.describe('The current password is wrong, or the caller used an API key'),
          422: s.detailSchema.describe('A field is missing or malformed, or the new password breaks a rule of the policy'),
          429: s.detailSchema.describe('Too many failed attempts for this account or address'),
        }),
      },
    },
    async (request) => {
      const { current_password, new_password } = request.body;
      await core.doors.changePassword(actorOf(request), { currentPassword: current_password, newPassword: new_password }, doorCaller(request));
      return { message: 'Password changed' };
    },
  );

  app.post(
    '/api-keys',
    {
      onRequest: auth,
      schema: {
        tags,
        operationId: 'createApiKey',
        summary: 'Create an API key',
        description:
          'A key for programs: sent as a bearer token like an access token, it acts as the user until it expires or is revoked. ' +
          'The key itself is in this answer only. It may expire (`expires_at`) and have its own spend limit (`budget_usd`). ' +
          'Needs an access token: an API key cannot create keys.',
        body: s.apiKeyCreateBody.meta({ examples: [{ name: 'CI bot', expires_at: '2030-01-01T00:00:00Z', budget_usd: 5 }] }),
        response: s.withErrors({ 201: s.apiKeyCreatedSchema.describe('The key, with the secret `key` shown this once') }),
      },
    },
    async (request, reply) => {
      const { name, expires_at, budget_usd } = request.body;
      const expiresAt = expires_at ? new Date(expires_at) : null;
      const { key, apiKey } = await core.apiKeys.create(actorOf(request), { name, expiresAt, budgetUsd: budget_usd });
      return reply.status(201).send({ ...presentApiKey(apiKey), key });
    },
  );

  app.get(
    '/api-keys',
    {
      onRequest: auth,
      schema: {
        tags,
        operationId: 'listApiKeys',
        summary: 'List your API keys',
        description: 'The caller’s keys that are not revoked, expired ones included (`expires_at` says when), without their secrets.',
        response: s.withErrors({ 200: z.array(s.apiKeySchema).describe('The keys not revoked, newest first') }),
      },
    },
    async (request) => (await core.apiKeys.list(actorOf(request))).map(presentApiKey),
  );

  app.delete(
    '/api-keys/:id',
    {
      onRequest: auth,
      schema: {
        tags,
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        description: 'The key stops working at once.',
        params: s.idParams,
        response: s.withErrors({ 204: z.null().describe('Revoked') }),
      },
    },
    async (request, reply) => {
      await core.apiKeys.revoke(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
