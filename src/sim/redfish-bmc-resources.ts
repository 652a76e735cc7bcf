/**
 * The resources the simulated BMC serves, built from its state at request time. Each names the schema
 * version it follows in `@odata.type` (DMTF Redfish 2025.4: ServiceRoot v1.20.0, ComputerSystem
 * v1.27.0, Manager v1.24.0, Chassis v1.28.0, Thermal/Power v1.7.3, SessionService v1.2.0, Session
 * v1.8.0, ActionInfo v1.5.0, LogService v1.9.0, LogEntry v1.21.0), and a test validates them against those schemas. Paths are the
 * standard ones (`Redfish.Uris`), so the Service Validator's URI checks would pass too.
 */

export const RESET_TYPES = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'Nmi',
  'ForceOn',
  'PushPowerButton',
  'PowerCycle',
  'Suspend',
  'Pause',
  'Resume',
  'FullPowerCycle',
] as const;
export type ResetType = (typeof RESET_TYPES)[number];

export const BOOT_TARGETS = ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'Utilities', 'Diags', 'UefiShell', 'UefiHttp'] as const;
export type BootTarget = (typeof BOOT_TARGETS)[number];
export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export type BootEnabled = (typeof BOOT_ENABLED)[number];
export const BOOT_MODES = ['UEFI', 'Legacy'] as const;
export type BootMode = (typeof BOOT_MODES)[number];
export const INDICATOR_LED = ['Lit', 'Blinking', 'Off'] as const;
export type IndicatorLed = (typeof INDICATOR_LED)[number];

export type Json = { readonly [key: string]: unknown };

export interface Temperature {
  readonly name: string;
  celsius: number;
  readonly upperCritical?: number;
  readonly upperNonCritical?: number;
}
export interface FanReading {
  readonly name: string;
  rpm: number;
}
export interface VoltageReading {
  readonly name: string;
  volts: number;
}

/** One record of a log service: the System's SEL or the Manager's own log. */
export interface LogRecord {
  readonly id: string;
  readonly created: string;
  readonly severity: 'OK' | 'Warning' | 'Critical';
  readonly message: string;
  readonly messageId?: string;
  /** For SEL entries: the IPMI sensor type (LogEntry SensorType), e.g. "Temperature". */
  readonly sensorType?: string;
}

export interface BmcIdentity {
  readonly systemId: string;
  readonly managerId: string;
  readonly chassisId: string;
  readonly uuid: string;
  readonly serialNumber: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly firmwareVersion: string;
}

export interface BmcView {
  readonly identity: BmcIdentity;
  readonly powerState: 'On' | 'Off';
  readonly boot: { readonly target: BootTarget; readonly enabled: BootEnabled; readonly mode: BootMode };
  readonly bootTargets: readonly BootTarget[];
  readonly resetTypes: readonly ResetType[];
  readonly resetAllowableVia: 'annotation' | 'actionInfo' | 'none';
  readonly identify: 'LocationIndicatorActive' | 'IndicatorLED';
  readonly indicatorLed: IndicatorLed;
  readonly locationIndicatorActive: boolean;
  readonly temperatures: readonly Temperature[];
  readonly fans: readonly FanReading[];
  readonly voltages: readonly VoltageReading[];
  readonly powerConsumedWatts: number;
  readonly systemLog: readonly LogRecord[];
  readonly managerLog: readonly LogRecord[];
}

export const ROOT = '/redfish/v1';
const ref = (path: string) => ({ '@odata.id': path });

export function serviceRoot(view: BmcView): Json {
  return {
    '@odata.id': `${ROOT}/`,
    '@odata.type': '#ServiceRoot.v1_20_0.ServiceRoot',
    Id: 'RootService',
    Name: 'Root Service',
    RedfishVersion: '1.20.0',
    UUID: view.identity.uuid,
    Vendor: view.identity.manufacturer,
    Product: view.identity.model,
    Systems: ref(`${ROOT}/Systems`),
    Chassis: ref(`${ROOT}/Chassis`),
    Managers: ref(`${ROOT}/Managers`),
    SessionService: ref(`${ROOT}/SessionService`),
    // DSP0266 §13.3.4: Links.Sessions must equal SessionService.Sessions.
    Links: { Sessions: ref(`${ROOT}/SessionService/Sessions`) },
  };
}

export function collection(path: string, type: string, name: string, members: readonly string[]): Json {
  return {
    '@odata.id': path,
    '@odata.type': `#${type}.${type}`,
    Name: name,
    Members: members.map(ref),
    'Members@odata.count': members.length,
  };
}

export const systemPath = (view: BmcView) => `${ROOT}/Systems/${view.identity.systemId}`;
export const managerPath = (view: BmcView) => `${ROOT}/Managers/${view.identity.managerId}`;
export const chassisPath = (view: BmcView) => `${ROOT}/Chassis/${view.identity.chassisId}`;
export const resetTarget = (view: BmcView) => `${systemPath(view)}/Actions/ComputerSystem.Reset`;
export const resetActionInfoPath = (view: BmcView) => `${systemPath(view)}/ResetActionInfo`;
export const managerResetTarget = (view: BmcView) => `${managerPath(view)}/Actions/Manager.Reset`;
export const systemLogPath = (view: BmcView) => `${systemPath(view)}/LogServices/SEL`;
export const managerLogPath = (view: BmcView) => `${managerPath(view)}/LogServices/Log`;
export const MANAGER_RESET_TYPES: readonly ResetType[] = ['ForceRestart', 'GracefulRestart'];

export function computerSystem(view: BmcView): Json {
  const reset: Record<string, unknown> = { target: resetTarget(view) };
  if (view.resetAllowableVia === 'annotation') reset['ResetType@Redfish.AllowableValues'] = view.resetTypes;
  if (view.resetAllowableVia === 'actionInfo') reset['@Redfish.ActionInfo'] = resetActionInfoPath(view);
  const identify = view.identify === 'LocationIndicatorActive' ? { LocationIndicatorActive: view.locationIndicatorActive } : { IndicatorLED: view.indicatorLed };
  return {
    '@odata.id': systemPath(view),
    '@odata.type': '#ComputerSystem.v1_27_0.ComputerSystem',
    Id: view.identity.systemId,
    Name: 'Simulated compute node',
    SystemType: 'Physical',
    Manufacturer: view.identity.manufacturer,
    Model: view.identity.model,
    SerialNumber: view.identity.serialNumber,
    UUID: view.identity.uuid,
    PowerState: view.powerState,
    ...identify,
    Status: { State: view.powerState === 'On' ? 'Enabled' : 'StandbyOffline', Health: 'OK' },
    Boot: {
      BootSourceOverrideTarget: view.boot.target,
      'BootSourceOverrideTarget@Redfish.AllowableValues': view.bootTargets,
      BootSourceOverrideEnabled: view.boot.enabled,
      BootSourceOverrideMode: view.boot.mode,
    },
    ProcessorSummary: { Count: 2, Model: 'Simulated CPU', Status: { State: 'Enabled', Health: 'OK' } },
    MemorySummary: { TotalSystemMemoryGiB: 64, Status: { State: 'Enabled', Health: 'OK' } },
    LogServices: ref(`${systemPath(view)}/LogServices`),
    Links: { Chassis: [ref(chassisPath(view))], ManagedBy: [ref(managerPath(view))] },
    Actions: { '#ComputerSystem.Reset': reset },
  };
}

export function resetActionInfo(view: BmcView): Json {
  return {
    '@odata.id': resetActionInfoPath(view),
    '@odata.type': '#ActionInfo.v1_5_0.ActionInfo',
    Id: 'ResetActionInfo',
    Name: 'Reset Action Info',
    Parameters: [{ Name: 'ResetType', Required: true, DataType: 'String', AllowableValues: view.resetTypes }],
  };
}

export function manager(view: BmcView): Json {
  return {
    '@odata.id': managerPath(view),
    '@odata.type': '#Manager.v1_24_0.Manager',
    Id: view.identity.managerId,
    Name: 'Simulated BMC',
    ManagerType: 'BMC',
    Manufacturer: view.identity.manufacturer,
    FirmwareVersion: view.identity.firmwareVersion,
    UUID: view.identity.uuid,
    PowerState: 'On',
    Status: { State: 'Enabled', Health: 'OK' },
    LogServices: ref(`${managerPath(view)}/LogServices`),
    Links: { ManagerForServers: [ref(systemPath(view))], ManagerForChassis: [ref(chassisPath(view))] },
    Actions: { '#Manager.Reset': { target: managerResetTarget(view), 'ResetType@Redfish.AllowableValues': MANAGER_RESET_TYPES } },
  };
}

export function chassis(view: BmcView): Json {
  const path = chassisPath(view);
  return {
    '@odata.id': path,
    '@odata.type': '#Chassis.v1_28_0.Chassis',
    Id: view.identity.chassisId,
    Name: 'Simulated rack-mount chassis',
    ChassisType: 'RackMount',
    Manufacturer: view.identity.manufacturer,
    Model: view.identity.model,
    SerialNumber: view.identity.serialNumber,
    PowerState: view.powerState,
    Status: { State: 'Enabled', Health: 'OK' },
    Thermal: ref(`${path}/Thermal`),
    Power: ref(`${path}/Power`),
    Links: { ComputerSystems: [ref(systemPath(view))], ManagedBy: [ref(managerPath(view))] },
  };
}

const health = (value: number, critical: number | undefined, nonCritical: number | undefined) =>
  critical !== undefined && value >= critical ? 'Critical' : nonCritical !== undefined && value >= nonCritical ? 'Warning' : 'OK';

export function thermal(view: BmcView): Json {
  const path = `${chassisPath(view)}/Thermal`;
  return {
    '@odata.id': path,
    '@odata.type': '#Thermal.v1_7_3.Thermal',
    Id: 'Thermal',
    Name: 'Thermal',
    Temperatures: view.temperatures.map((t, i) => ({
      '@odata.id': `${path}#/Temperatures/${i}`,
      MemberId: String(i),
      Name: t.name,
      ReadingCelsius: t.celsius,
      ...(t.upperNonCritical === undefined ? {} : { UpperThresholdNonCritical: t.upperNonCritical }),
      ...(t.upperCritical === undefined ? {} : { UpperThresholdCritical: t.upperCritical }),
      Status: { State: 'Enabled', Health: health(t.celsius, t.upperCritical, t.upperNonCritical) },
    })),
    Fans: view.fans.map((f, i) => ({
      '@odata.id': `${path}#/Fans/${i}`,
      MemberId: String(i),
      Name: f.name,
      Reading: f.rpm,
      ReadingUnits: 'RPM',
      Status: { State: 'Enabled', Health: 'OK' },
    })),
  };
}

export function power(view: BmcView): Json {
  const path = `${chassisPath(view)}/Power`;
  return {
    '@odata.id': path,
    '@odata.type': '#Power.v1_7_3.Power',
    Id: 'Power',
    Name: 'Power',
    PowerControl: [
      {
        '@odata.id': `${path}#/PowerControl/0`,
        MemberId: '0',
        Name: 'System Input Power',
        PowerConsumedWatts: view.powerConsumedWatts,
        Status: { State: 'Enabled', Health: 'OK' },
      },
    ],
    Voltages: view.voltages.map((v, i) => ({
      '@odata.id': `${path}#/Voltages/${i}`,
      MemberId: String(i),
      Name: v.name,
      ReadingVolts: v.volts,
      Status: { State: 'Enabled', Health: 'OK' },
    })),
  };
}

export function sessionService(sessionTimeoutSeconds: number): Json {
  return {
    '@odata.id': `${ROOT}/SessionService`,
    '@odata.type': '#SessionService.v1_2_0.SessionService',
    Id: 'SessionService',
    Name: 'Session Service',
    ServiceEnabled: true,
    SessionTimeout: sessionTimeoutSeconds,
    Status: { State: 'Enabled', Health: 'OK' },
    Sessions: ref(`${ROOT}/SessionService/Sessions`),
  };
}

export function session(id: string, userName: string, createdTime: string): Json {
  return {
    '@odata.id': `${ROOT}/SessionService/Sessions/${id}`,
    '@odata.type': '#Session.v1_8_0.Session',
    Id: id,
    Name: 'User Session',
    UserName: userName,
    SessionType: 'Redfish',
    CreatedTime: createdTime,
    // DSP0266 §13.3.4: the Password property is null in responses.
    Password: null,
  };
}

/** A log service (DSP0268 LogService): the System's SEL (LogEntryType SEL) or the Manager's event log. */
export function logService(path: string, id: string, name: string, entryType: 'SEL' | 'Event', count: number): Json {
  return {
    '@odata.id': path,
    '@odata.type': '#LogService.v1_9_0.LogService',
    Id: id,
    Name: name,
    ServiceEnabled: true,
    MaxNumberOfRecords: 1000,
    OverWritePolicy: 'WrapsWhenFull',
    LogEntryType: entryType,
    DateTime: new Date().toISOString(),
    Status: { State: 'Enabled', Health: 'OK' },
    Entries: ref(`${path}/Entries`),
    Description: `${count} entries`,
  };
}

export function logEntry(servicePath: string, entryType: 'SEL' | 'Event', r: LogRecord): Json {
  return {
    '@odata.id': `${servicePath}/Entries/${r.id}`,
    '@odata.type': '#LogEntry.v1_21_0.LogEntry',
    Id: r.id,
    Name: `Log Entry ${r.id}`,
    EntryType: entryType,
    Created: r.created,
    Severity: r.severity,
    Message: r.message,
    ...(r.messageId === undefined ? {} : { MessageId: r.messageId }),
    ...(r.sensorType === undefined ? {} : { SensorType: r.sensorType }),
  };
}

/** The entries collection with its members expanded, as BMCs commonly serve it. */
export function logEntryCollection(servicePath: string, entryType: 'SEL' | 'Event', records: readonly LogRecord[]): Json {
  return {
    '@odata.id': `${servicePath}/Entries`,
    '@odata.type': '#LogEntryCollection.LogEntryCollection',
    Name: 'Log Entries',
    Members: records.map((r) => logEntry(servicePath, entryType, r)),
    'Members@odata.count': records.length,
  };
}
