// POST /oauth2/token: OAuth 2.0 client credentials, answered the way Cognito answers.
import type { FastifyPluginAsync } from 'fastify';
import { setCaller, TOKEN_PATH } from '../api-guard.js';
import { checkTokenRequest } from '../auth.js';
import type { SandboxContext } from '../sandbox-context.js';

export const tokenRoutes: FastifyPluginAsync<{ ctx: SandboxContext }> = async (app, { ctx }) => {
  // Body parsing errors (bad content type, broken JSON) are OAuth errors on this endpoint.
  app.setErrorHandler(async (_err, _request, reply) => reply.code(400).header('cache-control', 'no-store').send({ error: 'invalid_request' }));

  app.post(TOKEN_PATH, async (request, reply) => {
    const result = checkTokenRequest(request.body, request.headers.authorization, ctx.options.clients);
    reply.header('cache-control', 'no-store');
    if (!result.ok) {
      setCaller(request, result.clientId);
      return reply.code(400).send({ error: result.error });
    }
    setCaller(request, result.client.clientId);
    const { accessToken, expiresIn } = ctx.tokens.issue(result.client.clientId, result.scopes, ctx.now());
    return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn };
  });
};
