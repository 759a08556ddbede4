import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Session } from '../../core/accounts/accounts-service.ts';
import type { DoorCaller } from '../../core/accounts/door-throttle.ts';
import type { Core } from '../../core/index.ts';
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
  const tags = ['auth'];
  const open = { tags, security: [] };

  app.post(
    '/register',
    {
      schema: {
        ...open,
        summary: 'Create an account (the first one becomes admin)',
        body: s.registerBody,
        response: { 201: s.tokenResponseSchema, 403: s.detailSchema, 409: s.detailSchema, 422: s.detailSchema, 429: s.detailSchema },
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
        summary: 'Exchange email and password for tokens',
        body: s.loginBody,
        response: { 200: s.tokenResponseSchema, 401: s.detailSchema, 403: s.detailSchema, 422: s.detailSchema, 429: s.detailSchema },
      },
    },
    async (request) => presentSession(await core.doors.login(request.body, doorCaller(request))),
  );

  app.post(
    '/refresh',
    {
      schema: {
        ...open,
        summary: 'Rotate a refresh token; a reused one revokes its family',
        body: s.refreshBody,
        response: { 200: s.tokenResponseSchema, 401: s.detailSchema, 422: s.detailSchema, 429: s.detailSchema },
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
        summary: 'End the given refresh token’s login and the caller’s own, or every login of the caller',
        body: s.logoutBody,
        response: s.withErrors({ 200: s.messageOnlySchema }),
      },
    },
    async (request) => {
      await core.accounts.logout(actorOf(request), request.body?.refresh_token);
      return { message: 'Logged out' };
    },
  );

  app.get(
    '/me',
    { onRequest: auth, schema: { tags, summary: 'The signed-in user', response: s.withErrors({ 200: s.userSchema }) } },
    async (request) => presentUser(await core.accounts.me(actorOf(request))),
  );

  app.patch(
    '/me',
    {
      onRequest: auth,
      schema: {
        tags,
        summary: 'Change the signed-in user’s display name',
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
        summary: 'Change the password; every other login of the user ends, the caller’s stays',
        description:
          'Needs an access token (not an API key). A wrong `current_password` is refused with 403 and counts as a failed login ' +
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
        summary: 'Create an API key (shown once), optionally expiring; only with a signed-in user’s access token',
        body: s.apiKeyCreateBody,
        response: s.withErrors({ 201: s.apiKeyCreatedSchema }),
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
      schema: { tags, summary: 'The caller’s active API keys', response: s.withErrors({ 200: z.array(s.apiKeySchema) }) },
    },
    async (request) => (await core.apiKeys.list(actorOf(request))).map(presentApiKey),
  );

  app.delete(
    '/api-keys/:id',
    {
      onRequest: auth,
      schema: { tags, summary: 'Revoke an API key', params: s.idParams, response: s.withErrors({ 204: z.null() }) },
    },
    async (request, reply) => {
      await core.apiKeys.revoke(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
