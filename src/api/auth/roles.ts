/**
 * Roles and privileges. RackHD's three built-in roles (on-http lib/services/account-api-service.js) with
 * their privilege lists, the Redfish privileges (DSP0266 §13.4: Login, ConfigureManager, ConfigureUsers,
 * ConfigureSelf, ConfigureComponents) and RackHD's extra Read and Write. Routes check only the three
 * access levels, so a custom role is placed on one by the privileges it holds.
 */
import type { Role } from '../northbound/api-route.ts';

export const privilegeNames = ['Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureSelf', 'ConfigureComponents', 'Read', 'Write'] as const;
export type Privilege = (typeof privilegeNames)[number];

export const builtInRoles: Readonly<Record<Role, readonly Privilege[]>> = {
  Administrator: ['Read', 'Write', 'Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureComponents', 'ConfigureSelf'],
  Operator: ['Login', 'ConfigureComponents', 'ConfigureSelf'],
  ReadOnly: ['Read', 'Login', 'ConfigureSelf'],
};

export function isBuiltInRole(name: string): name is Role {
  return Object.hasOwn(builtInRoles, name);
}

/**
 * The access level a role grants: a built-in role its own; a custom one Administrator when it may manage
 * users or the manager, Operator when it may change components (or write), ReadOnly otherwise; none
 * without the Login privilege.
 */
export function accessOf(name: string, privileges: readonly string[]): Role | undefined {
  if (isBuiltInRole(name)) return name;
  if (!privileges.includes('Login')) return undefined;
  if (privileges.includes('ConfigureUsers') || privileges.includes('ConfigureManager')) return 'Administrator';
  if (privileges.includes('ConfigureComponents') || privileges.includes('Write')) return 'Operator';
  return 'ReadOnly';
}

/** Role names: a letter, then letters, digits, `.`, `_` or `-`. */
export const roleNamePattern = '^[A-Za-z][A-Za-z0-9._-]{0,63}$';
