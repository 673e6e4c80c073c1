// A real OpenID Connect provider for the SSO tests: panva's OpenID-certified oidc-provider,
// configured like a municipal Entra ID / AD FS tenant as far as the app can tell
// (authorization code flow, PKCE required, RS256 ID tokens from a published JWKS, a
// groups claim). Started and stopped by tests/sso/conftest.py; never used in production.
//
// Environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, ACCOUNTS_FILE (JSON:
// {login: {claims…}}, read at every login so a test can change a person's groups between
// two logins), JWKS_FILE (the private signing key as a JWKS, shared with the tests so they
// can sign an expired token with the provider's own key).
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const jwks = JSON.parse(readFileSync(process.env.JWKS_FILE, 'utf8'));

function accounts() {
  return JSON.parse(readFileSync(process.env.ACCOUNTS_FILE, 'utf8'));
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: process.env.REDIRECT_URI.split(' '),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks,
  cookies: { keys: ['aktionskort-test-provider-only'] },
  // The dev interactions: a plain login form (any password) and a consent page.
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  // Like Entra's app roles: the groups are in the ID token itself, not only at userinfo.
  conformIdTokenClaims: false,
  ttl: { IdToken: 300, AccessToken: 300, Session: 3600, Interaction: 600, Grant: 3600 },
  async findAccount(ctx, id) {
    const account = accounts()[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...accounts()[id] };
      },
    };
  },
});
provider.proxy = false;

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
