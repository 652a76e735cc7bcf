/**
 * `/redfish/v1/AccountService` (DSP0266 §13.2, DSP8011 privilege registry): the shared user directory as
 * ManagerAccounts (Id = user name, as RackHD's `/Accounts/{name}`), each with exactly one Role (the three
 * predefined ones, or a custom role made through the REST API), given at creation and changeable only by
 * an Administrator (ConfigureUsers). Accounts
 * carry an ETag (the directory's version) and honour If-Match, so a PATCH cannot undo a change it did not
 * see (SEC_ACCOUNTS_SUPPORT_ETAGS). A user may read their own account and change its password
 * (ConfigureSelf); everything else on accounts is an Administrator's. PasswordChangeRequired (set by an
 * Administrator at creation or by PATCH, cleared by a new password) leaves its user only reading their
 * account and PATCHing its Password (DSP0266 §13.3.7; enforced for all routes by src/api/auth/password-change.ts).
 */
import { Type } from '@sinclair/typebox';
import { isMonorailError, ValidationError } from '../../../errors.ts';
import type { RoleDirectory, RoleView, UserDirectory, UserView } from '../../auth/auth-ports.ts';
import { route, type ApiRoute, type Principal } from '../../northbound/api-route.ts';
import { baseMessage, type RedfishMessage } from '../message-registries.ts';
import { collection, okStatus, ref, type Json } from '../odata.ts';
import { accountServicePath, accountsPath, rolesPath } from '../paths.ts';
import { fail, RedfishError } from '../redfish-error.ts';
import { checkIfMatch, IdParam, isAnnotation, objectBody, principalOf, redfishBody } from '../route-kit.ts';
import { odataType, schemaProperties } from '../schema-files.ts';

const tag = 'Redfish Accounts';
const AccountParam = IdParam('accountId', 'The user name.');
const RoleParam = IdParam('roleId', 'A role name: Administrator, Operator, ReadOnly or a custom one.');

/** Privileges.PrivilegeType (DSP8011): what AssignedPrivileges may hold; RackHD's Read and Write are OEM privileges. */
const redfishPrivileges = new Set(['Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureSelf', 'ConfigureComponents', 'NoAuth', 'ConfigureCompositionInfrastructure', 'AdministrateSystems', 'OperateSystems', 'AdministrateStorage', 'OperateStorageBackup']);

export function roleResource(r: RoleView): Json {
  return {
    '@odata.id': `${rolesPath}/${r.name}`,
    '@odata.type': odataType('Role'),
    Id: r.name,
    Name: 'User Role',
    Description: `${r.name} User Role`,
    RoleId: r.name,
    IsPredefined: r.builtIn,
    AssignedPrivileges: r.privileges.filter((p) => redfishPrivileges.has(p)),
    OemPrivileges: r.privileges.filter((p) => !redfishPrivileges.has(p)),
  };
}

export const accountEtag = (u: UserView): string => `W/"${u.version}"`;

export function accountResource(u: UserView): Json {
  return {
    '@odata.id': `${accountsPath}/${u.username}`,
    '@odata.type': odataType('ManagerAccount'),
    Id: u.username,
    Name: 'User Account',
    UserName: u.username,
    RoleId: u.role,
    Enabled: true,
    Locked: false,
    // DSP0266 §13.2.3: the password property reads as null.
    Password: null,
    AccountTypes: ['Redfish'],
    // DSP0266 §13.3.7: set, the account may only read itself and PATCH its Password (src/api/auth/password-change.ts).
    PasswordChangeRequired: u.passwordChangeRequired === true,
    Links: { Role: ref(`${rolesPath}/${u.role}`) },
  };
}

const mayConfigureUsers = (p: Principal): boolean => p.role === 'Administrator';

/** The directory's ValidationError fields (`password`, `role`) as the ManagerAccount properties they are. */
function accountProblems(e: ValidationError): RedfishMessage[] {
  const names: Record<string, string> = { password: 'Password', role: 'RoleId', username: 'UserName' };
  const fields = e.errors.map((x) => names[x.path.replace(/^body\./, '').toLowerCase()] ?? x.path).filter((x) => x !== '');
  return fields.length === 0 ? [baseMessage('GeneralError')] : fields.map((f) => baseMessage('PropertyValueError', [f], [`/${f}`]));
}

/** Directory errors as Redfish ones; a conflict is a taken name on create, the last Administrator otherwise. */
async function directoryCall<T>(call: () => Promise<T>, username: string, creating = false): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ValidationError) {
      if (e.errors.some((x) => x.message === 'password is the current password')) throw fail(400, 'PasswordReuseTooRecent', [], ['/Password']);
      throw new RedfishError(400, accountProblems(e));
    }
    if (isMonorailError(e, 'CONFLICT') || isMonorailError(e, 'DUPLICATE_KEY')) {
      throw creating ? fail(409, 'ResourceAlreadyExists', ['ManagerAccount', 'UserName', username], ['/UserName']) : fail(409, 'ResourceInUse');
    }
    if (isMonorailError(e) && e.httpStatus === 412) throw fail(412, 'PreconditionFailed');
    if (isMonorailError(e, 'NOT_FOUND')) throw fail(404, 'ResourceMissingAtURI', [`${accountsPath}/${username}`]);
    throw e;
  }
}

export function accountRoutes(users: UserDirectory, roles: RoleDirectory): ApiRoute[] {
  const isRole = async (v: unknown): Promise<boolean> => typeof v === 'string' && v.length <= 64 && (await roles.get(v)) !== undefined;
  const account = async (username: string): Promise<UserView> => {
    const u = await users.get(username);
    if (u === undefined) throw fail(404, 'ResourceMissingAtURI', [`${accountsPath}/${username}`]);
    return u;
  };
  /** ConfigureUsers, or ConfigureSelf on one's own account; a stranger's account is 403 for anyone else. */
  const reachable = (p: Principal, username: string): void => {
    if (!mayConfigureUsers(p) && p.username !== username) throw fail(403, 'InsufficientPrivilege');
  };

  const create = route({
    method: 'post',
    path: '/AccountService/Accounts',
    summary: 'Create an account with its one role',
    tag,
    access: 'Administrator',
    maxBodyBytes: 16 * 1024,
    body: redfishBody('ManagerAccount: UserName, Password and RoleId are required; PasswordChangeRequired true makes the user set a new password first', { UserName: Type.String(), Password: Type.String(), RoleId: Type.String(), PasswordChangeRequired: Type.Boolean() }),
    responses: { 201: { description: 'The account; Location and ETag headers' }, 400: { description: 'A missing, unknown or invalid property' }, 409: { description: 'The user name is taken' } },
    async handler({ body }) {
      const b = objectBody(body);
      const problems: RedfishMessage[] = [];
      for (const field of ['UserName', 'Password', 'RoleId']) {
        if (!(field in b)) problems.push(baseMessage('CreateFailedMissingReqProperties', [field], [`/${field}`]));
        else if (typeof b[field] !== 'string') problems.push(baseMessage('PropertyValueTypeError', [field === 'Password' ? '<hidden>' : JSON.stringify(b[field]), field], [`/${field}`]));
      }
      if (typeof b['RoleId'] === 'string' && !(await isRole(b['RoleId']))) problems.push(baseMessage('PropertyValueNotInList', [b['RoleId'], 'RoleId'], ['/RoleId']));
      if (typeof b['UserName'] === 'string' && !/^[A-Za-z0-9._-]{1,64}$/.test(b['UserName'])) problems.push(baseMessage('PropertyValueFormatError', [b['UserName'], 'UserName'], ['/UserName']));
      for (const [key, value] of Object.entries(b)) {
        if (isAnnotation(key) || ['UserName', 'Password', 'RoleId'].includes(key)) continue;
        if (key === 'Enabled' && value === true) continue;
        if (key === 'PasswordChangeRequired') {
          if (typeof value !== 'boolean') problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(value), key], [`/${key}`]));
          continue;
        }
        if (key === 'AccountTypes' && Array.isArray(value) && value.every((t) => t === 'Redfish')) continue;
        problems.push(baseMessage(key === 'Enabled' || key === 'AccountTypes' ? 'PropertyValueNotInList' : 'PropertyUnknown', key === 'Enabled' || key === 'AccountTypes' ? [JSON.stringify(value), key] : [key], [`/${key}`]));
      }
      if (problems.length > 0) throw new RedfishError(400, problems);
      const username = String(b['UserName']);
      const mustChange = b['PasswordChangeRequired'] === true;
      const u = await directoryCall(() => users.create({ username, password: String(b['Password']), role: String(b['RoleId']), ...(mustChange ? { passwordChangeRequired: true } : {}) }), username, true);
      const res = accountResource(u);
      return { status: 201, body: res, headers: { Location: String(res['@odata.id']), ETag: accountEtag(u) } };
    },
  });

  return [
    route({
      method: 'get',
      path: '/AccountService',
      summary: 'The account service',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'AccountService' } },
      handler: () => ({
        status: 200,
        body: {
          '@odata.id': accountServicePath,
          '@odata.type': odataType('AccountService'),
          Id: 'AccountService',
          Name: 'Account Service',
          ServiceEnabled: true,
          LocalAccountAuth: 'Enabled',
          Status: okStatus(),
          Accounts: ref(accountsPath),
          Roles: ref(rolesPath),
        },
      }),
    }),
    route({
      method: 'get',
      path: '/AccountService/Accounts',
      summary: 'The accounts',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'ManagerAccountCollection' } },
      async handler() {
        const all = await users.list();
        return { status: 200, body: collection(accountsPath, 'ManagerAccountCollection', 'Accounts Collection', all.map((u) => `${accountsPath}/${u.username}`)) };
      },
    }),
    create,
    { ...create, path: '/AccountService/Accounts/Members', summary: 'Create an account (the same as POST to Accounts)' },
    route({
      method: 'get',
      path: '/AccountService/Accounts/{accountId}',
      summary: 'An account, with its ETag',
      tag,
      access: 'ReadOnly',
      params: AccountParam,
      responses: { 200: { description: 'ManagerAccount; ETag header' }, 403: { description: 'Another user\u2019s account' }, 404: { description: 'No such account' } },
      async handler({ params, principal }) {
        reachable(principalOf(principal), params.accountId);
        const u = await account(params.accountId);
        return { status: 200, body: accountResource(u), headers: { ETag: accountEtag(u) } };
      },
    }),
    route({
      method: 'patch',
      path: '/AccountService/Accounts/{accountId}',
      summary: 'Change an account\u2019s password (its owner or an Administrator) or role (an Administrator); If-Match honoured',
      tag,
      access: 'ReadOnly',
      params: AccountParam,
      maxBodyBytes: 16 * 1024,
      body: redfishBody('ManagerAccount properties: Password, RoleId, PasswordChangeRequired (the last two: an Administrator)', { Password: Type.String(), RoleId: Type.String(), PasswordChangeRequired: Type.Boolean() }),
      responses: { 200: { description: 'The account (with messages for properties not changed)' }, 400: { description: 'Nothing could be changed' }, 403: { description: 'Not allowed' }, 404: { description: 'No such account' }, 412: { description: 'If-Match does not match' } },
      async handler({ params, body, principal, req }) {
        const p = principalOf(principal);
        reachable(p, params.accountId);
        const u = await account(params.accountId);
        checkIfMatch(req, accountEtag(u));
        const b = objectBody(body);
        // SEC_PWD_CHANGE_REQ_ALLOW_PATCH_PASSWORD: a user who must change their password may PATCH only that.
        if (p.username === u.username && u.passwordChangeRequired === true && Object.keys(b).some((k) => !isAnnotation(k) && k !== 'Password')) {
          throw fail(403, 'PasswordChangeRequired', [`${accountsPath}/${u.username}`]);
        }
        const problems: RedfishMessage[] = [];
        const change: { password?: string; role?: string; passwordChangeRequired?: boolean } = {};
        for (const [key, value] of Object.entries(b)) {
          if (isAnnotation(key)) continue;
          if (key === 'PasswordChangeRequired') {
            if (!mayConfigureUsers(p)) throw fail(403, 'InsufficientPrivilege');
            if (typeof value !== 'boolean') problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(value), key], [`/${key}`]));
            else if (value !== (u.passwordChangeRequired === true)) change.passwordChangeRequired = value;
          } else if (key === 'Password') {
            if (typeof value !== 'string') problems.push(baseMessage('PropertyValueTypeError', ['<hidden>', key], ['/Password']));
            else change.password = value;
          } else if (key === 'RoleId') {
            if (!mayConfigureUsers(p)) throw fail(403, 'InsufficientPrivilege');
            if (typeof value !== 'string' || !(await isRole(value))) problems.push(baseMessage('PropertyValueNotInList', [typeof value === 'string' ? value : JSON.stringify(value), key], ['/RoleId']));
            else if (value !== u.role) change.role = value;
          } else if ((key === 'UserName' && value === u.username) || (key === 'Enabled' && value === true)) {
            continue; // unchanged
          } else if (schemaProperties('ManagerAccount').has(key)) {
            problems.push(baseMessage('PropertyNotWritable', [key], [`/${key}`]));
          } else {
            problems.push(baseMessage('PropertyUnknown', [key], [`/${key}`]));
          }
        }
        if (change.password === undefined && change.role === undefined && change.passwordChangeRequired === undefined) {
          if (problems.length > 0) throw new RedfishError(400, problems);
          throw fail(400, 'NoOperation');
        }
        const ifMatch = req.headers['if-match'];
        const updated = await directoryCall(() => users.update(u.username, change, typeof ifMatch === 'string' && ifMatch.trim() !== '*' ? u.version : undefined), u.username);
        return {
          status: 200,
          body: { ...accountResource(updated), ...(problems.length === 0 ? {} : { '@Message.ExtendedInfo': problems }) },
          headers: { ETag: accountEtag(updated) },
        };
      },
    }),
    route({
      method: 'delete',
      path: '/AccountService/Accounts/{accountId}',
      summary: 'Delete an account',
      tag,
      access: 'Administrator',
      params: AccountParam,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such account' }, 412: { description: 'If-Match does not match' } },
      async handler({ params, req }) {
        const u = await account(params.accountId);
        checkIfMatch(req, accountEtag(u));
        if (!(await directoryCall(() => users.delete(u.username), u.username))) throw fail(404, 'ResourceMissingAtURI', [`${accountsPath}/${u.username}`]);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/AccountService/Roles',
      summary: 'The roles: the three predefined ones and any custom ones',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'RoleCollection' } },
      handler: async () => ({ status: 200, body: collection(rolesPath, 'RoleCollection', 'Roles Collection', (await roles.list()).map((r) => `${rolesPath}/${r.name}`)) }),
    }),
    route({
      method: 'get',
      path: '/AccountService/Roles/{roleId}',
      summary: 'A role and its privileges (predefined ones cannot change: no PATCH)',
      tag,
      access: 'ReadOnly',
      params: RoleParam,
      responses: { 200: { description: 'Role' }, 404: { description: 'No such role' } },
      async handler({ params }) {
        const r = await roles.get(params.roleId);
        if (r === undefined) throw fail(404, 'ResourceMissingAtURI', [`${rolesPath}/${params.roleId}`]);
        return { status: 200, body: roleResource(r) };
      },
    }),
  ];
}
