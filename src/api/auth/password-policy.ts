/**
 * What a password must be: at least 8 characters (NIST SP 800-63B §5.1.1.2 minimum for user-chosen
 * secrets), at most 256 (the hash input stays small), and not the username. No composition rules: 800-63B
 * advises against them.
 */
import { ValidationError } from '../../errors.ts';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** Throws a ValidationError naming `field` when the password breaks the policy; never echoes the password. */
export function checkPassword(username: string, password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) throw new ValidationError(`${field} must be at least ${PASSWORD_MIN_LENGTH} characters`, [{ path: field, message: `${field} is too short` }]);
  if (length > PASSWORD_MAX_LENGTH) throw new ValidationError(`${field} must be at most ${PASSWORD_MAX_LENGTH} characters`, [{ path: field, message: `${field} is too long` }]);
  if (password.toLowerCase() === username.toLowerCase()) throw new ValidationError(`${field} must not be the username`, [{ path: field, message: `${field} equals the username` }]);
}
