/**
 * The URIs of Monorail's Redfish service. They are the standard ones each schema's `Redfish.Uris` allows
 * (`/redfish/v1/Systems/{ComputerSystemId}/…`), so the DMTF Service Validator's URI checks pass; ids are
 * node ids (24 hex digits), usernames and fixed names, which need no percent-encoding (DSP0266 §6.1).
 */
export const ROOT = '/redfish/v1';

export const systemsPath = `${ROOT}/Systems`;
export const systemPath = (id: string): string => `${systemsPath}/${id}`;
export const chassisCollectionPath = `${ROOT}/Chassis`;
export const chassisPath = (id: string): string => `${chassisCollectionPath}/${id}`;
export const managersPath = `${ROOT}/Managers`;
export const managerPath = (id: string): string => `${managersPath}/${id}`;
export const sessionServicePath = `${ROOT}/SessionService`;
export const sessionsPath = `${sessionServicePath}/Sessions`;
export const accountServicePath = `${ROOT}/AccountService`;
export const accountsPath = `${accountServicePath}/Accounts`;
export const rolesPath = `${accountServicePath}/Roles`;
export const taskServicePath = `${ROOT}/TaskService`;
export const tasksPath = `${taskServicePath}/Tasks`;
export const taskPath = (id: string): string => `${tasksPath}/${id}`;
export const eventServicePath = `${ROOT}/EventService`;
export const subscriptionsPath = `${eventServicePath}/Subscriptions`;
export const registriesPath = `${ROOT}/Registries`;
export const jsonSchemasPath = `${ROOT}/JsonSchemas`;

/** Monorail's own manager (RackHD called its one `RackHD`). */
export const SERVICE_MANAGER_ID = 'Monorail';
/** A node's BMC as a Manager: `<nodeId>-BMC`. */
export const bmcManagerId = (nodeId: string): string => `${nodeId}-BMC`;
