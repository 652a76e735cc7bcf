/**
 * The auth rule on the member as it is wired (issue 5 point 4): every northbound route of a real member —
 * REST, accounts, hooks, events, login, and Redfish once mounted — is enumerated from its registry and
 * called anonymously and as each role. Public routes answer without credentials; every other route answers
 * 401 without them, 403 for a role below its access, and neither for the role it needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type MonorailFixture } from '../support/monorail-fixture.ts';
import { checkRouteRules, defaultSelfParam } from './auth/route-rules.ts';

let f: MonorailFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f.stop();
});

describe('every northbound route of a wired member', () => {
  it('enforces its declared access for anonymous callers and each role', async () => {
    const api = f.monorail.api;
    if (api === undefined) throw new Error('the member serves no HTTP API');
    const report = await checkRouteRules({
      registry: api.registry,
      app: api.app,
      users: api.auth.users,
      // Redfish's privilege registry: a ReadOnly or Operator user may read its own account (ConfigureSelf), not others'.
      selfParam: (route, path) => defaultSelfParam(route, path) ?? (route.method === 'get' ? /\/AccountService\/Accounts\/\{([A-Za-z0-9_]+)\}$/.exec(path)?.[1] : undefined),
    });
    expect(report.violations).toEqual([]);
    expect(report.routes).toBeGreaterThan(80);
    console.log(`route rules: ${report.routes} routes, ${report.checked} requests`);
  }, 120_000);
});
