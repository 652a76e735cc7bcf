/**
 * A password login as clients make it, throttled (login-throttle.ts) and logged: failures are logged with
 * the username, the address and why (bad credentials or locked out), never the password; the answer
 * never says whether the username exists.
 */
import { UnauthorizedError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Principal } from '../northbound/api-route.ts';
import type { PasswordLogin, UserDirectory } from './auth-ports.ts';
import { LoginThrottledError, type LoginThrottle } from './login-throttle.ts';

export class ThrottledPasswordLogin implements PasswordLogin {
  constructor(
    private readonly users: Pick<UserDirectory, 'verify'>,
    private readonly throttle: LoginThrottle,
    private readonly log: Logger,
  ) {}

  async login(username: string, password: string, address: string): Promise<Principal> {
    const wait = this.throttle.wait(username, address);
    if (wait > 0) {
      this.log.warn({ username, address, retryAfterSeconds: wait }, 'login refused: locked out after failed logins');
      throw new LoginThrottledError(wait);
    }
    const end = this.throttle.begin(username, address);
    let principal: Principal | undefined;
    try {
      principal = await this.users.verify(username, password);
    } finally {
      end();
    }
    if (principal === undefined) {
      const lockout = this.throttle.fail(username, address);
      this.log.warn({ username, address, ...(lockout > 0 ? { lockoutSeconds: lockout } : {}) }, 'login failed: bad credentials');
      throw new UnauthorizedError('invalid username or password');
    }
    this.throttle.succeed(username);
    return principal;
  }
}
