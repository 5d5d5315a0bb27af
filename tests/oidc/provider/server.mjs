// A real OpenID Connect provider (panva/oidc-provider) for onconode's OIDC login tests.
//
// Usage: PORT=0 REDIRECT_URIS="https://testserver/login/oidc/callback ..." node server.mjs
// Prints one line `listening <issuer>` on stdout once it accepts requests.
//
// Login is the package's development interaction (a form at /interaction/<uid>): the login
// name is the user's email and any password is accepted. The email is verified
// (`email_verified: true`) unless the login name starts with "unverified", so the tests
// can exercise the node's refusal of unverified emails against the real provider; login names
// starting with "mfa" get amr ["pwd", "mfa"] in their ID token.
// Consent is granted automatically (loadExistingGrant), as for a first-party client.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const redirectUris = (process.env.REDIRECT_URIS || '').split(/\s+/).filter(Boolean);
if (redirectUris.length === 0) {
  console.error('REDIRECT_URIS is empty: give the client redirect URIs, separated by spaces');
  process.exit(2);
}

const server = createServer();
await new Promise((resolve) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID || 'onconode',
    client_secret: process.env.CLIENT_SECRET || 'onconode-test-secret',
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['onconode-test-only-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: !id.startsWith('unverified'), name: id.split('@')[0] };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

// The login form's POST is answered here rather than by the development interactions, so
// the ID token can carry the authentication methods: ["pwd"], plus "mfa" for login names
// starting with "mfa" (the provider "did" multi-factor authentication for them).
const callback = provider.callback();
server.on('request', async (req, res) => {
  if (req.method !== 'POST' || !/^\/interaction\/[^/?]+$/.test(req.url)) return callback(req, res);
  let body = '';
  for await (const chunk of req) body += chunk;
  const login = new URLSearchParams(body).get('login') || '';
  const amr = login.startsWith('mfa') ? ['pwd', 'mfa'] : ['pwd'];
  try {
    await provider.interactionFinished(req, res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.statusCode = 400;
    res.end(`login interaction failed: ${err.message}`);
  }
});
console.log(`listening ${issuer}`);
