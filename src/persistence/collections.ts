/**
 * The read models the REST API queries, their document shapes, and the indexes every adapter creates.
 * Shapes follow RackHD's models (on-core lib/models) so that API responses can stay compatible.
 * Read models are projections: the journal is the source of truth for entities, and a read model can be
 * rebuilt from it.
 */

export type NodeType =
  | 'compute' | 'compute-container' | 'switch' | 'dae' | 'pdu' | 'mgmt' | 'enclosure' | 'rack'
  | 'storage' | 'iom' | 'cooling' | 'power' | 'redfish' | 'redfishManager';

export type LifecycleState =
  | 'discovered' | 'inventorying' | 'available' | 'provisioning' | 'provisioned'
  | 'decommissioning' | 'failed' | 'maintenance';

export interface Relation {
  readonly relationType: string;
  readonly targets: readonly string[];
  readonly info?: Readonly<Record<string, unknown>>;
}

export interface BootSettings {
  readonly profile: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface NodeObmRef {
  readonly service: string;
  /** Reference to the `obms` document; credentials never live on the node. */
  readonly obmId: string;
}

/** Why a workflow holds a node, when that moves the node's lifecycle (claiming starts it, ending completes or fails it). */
export type WorkflowPurpose = 'discovery' | 'provisioning' | 'decommission';

export interface ActiveWorkflow {
  readonly id: string;
  readonly graphName: string;
  readonly purpose?: WorkflowPurpose;
  /** Request options, kept so an instance claimed just before a crash can still be created afterwards. */
  readonly options?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The profile a running task asked the node to boot (RackHD's `requestProfile`). */
  readonly boot?: BootSettings;
  readonly since: string;
}

export interface NodeDoc {
  readonly id: string;
  readonly name: string;
  readonly type: NodeType;
  readonly identifiers: readonly string[];
  readonly obms: readonly NodeObmRef[];
  readonly tags: readonly string[];
  readonly relations: readonly Relation[];
  readonly bootSettings?: BootSettings;
  readonly sku: string | null;
  readonly autoDiscover: boolean;
  readonly lifecycle: { readonly state: LifecycleState; readonly since: string; readonly previous?: LifecycleState; readonly reason?: string };
  /** The one workflow driving the node (RackHD allows one active graph per node), and what it asked the node to boot. */
  readonly activeWorkflow?: ActiveWorkflow;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Journal sequence number this projection reflects, so a late write cannot overwrite a newer one. */
  readonly version: number;
}

export interface LookupDoc {
  /** The normalised MAC address (lower case, colon separated) is the id: one lookup per MAC. */
  readonly id: string;
  readonly macAddress: string;
  readonly ipAddress?: string;
  readonly node: string;
  readonly proxy?: string;
  readonly updatedAt: string;
}

export interface CatalogDoc { readonly id: string; readonly node: string; readonly source: string; readonly data: unknown; readonly createdAt: string }
export interface WorkflowDoc { readonly id: string; readonly node?: string; readonly injectableName: string; readonly status: string; readonly createdAt: string; readonly [k: string]: unknown }
export interface TaskDoc { readonly id: string; readonly node?: string; readonly workflow?: string; readonly state: string; readonly [k: string]: unknown }
export interface ObmDoc { readonly id: string; readonly node: string; readonly service: string; readonly config: Readonly<Record<string, unknown>> }
/** In-band management settings (RackHD's ibms: SSH and SNMP access to the node itself), secrets sealed like an OBM's. */
export type IbmDoc = ObmDoc;
/** A poller (RackHD's `workitems` of name Pollers.*): the read model of its entity (src/actors/poller), secrets in `config` sealed. */
export interface PollerDoc { readonly id: string; readonly name: string; readonly node?: string; readonly paused: boolean; readonly [k: string]: unknown }
export interface SkuDoc { readonly id: string; readonly name: string; readonly rules: readonly unknown[]; readonly [k: string]: unknown }
export interface TagDoc { readonly id: string; readonly name: string; readonly rules: readonly unknown[] }
export interface TemplateDoc { readonly id: string; readonly name: string; readonly scope: string; readonly contents: string; readonly [k: string]: unknown }
export interface ProfileDoc { readonly id: string; readonly name: string; readonly scope: string; readonly contents: string; readonly [k: string]: unknown }

/** The fields of one syslog message as a node keeps it; the node actor receives exactly these from syslog. */
export interface SyslogFields {
  readonly ipAddress: string;
  readonly facility: number;
  readonly severity: number;
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  readonly msgId?: string;
  /** RFC 5424 §6.3 structured data: element id → its parameters (repeated names keep every value). */
  readonly structuredData?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  readonly format?: '5424' | '3164' | 'raw';
  readonly timestamp?: string;
  readonly message: string;
}

/** A log record kept for a node (syslog now; Monorail's own records later), newest kept, bounded per node. */
export interface LogDoc extends SyslogFields {
  readonly id: string;
  readonly node: string;
  readonly source: 'syslog';
  readonly receivedAt: string;
}

/** An API user: the password only as a salted scrypt hash (src/api/auth). Role is one of the roles' names. */
export interface UserDoc { readonly id: string; readonly username: string; readonly role: string; readonly passwordHash: string; readonly createdAt: string; readonly updatedAt: string; readonly [k: string]: unknown }
/** A role: RackHD's three built-ins plus custom ones with their privileges. */
export interface RoleDoc { readonly id: string; readonly name: string; readonly privileges: readonly string[]; readonly [k: string]: unknown }
/** A login session (Redfish SessionService, RackHD tokens that can be revoked): the token only as a hash. */
export interface SessionDoc { readonly id: string; readonly username: string; readonly tokenHash: string; readonly createdAt: string; readonly expiresAt: string; readonly [k: string]: unknown }
/** A webhook (RackHD's hooks API) with its delivery state. */
export interface HookDoc { readonly id: string; readonly url: string; readonly name?: string; readonly filters: readonly Readonly<Record<string, string>>[]; readonly [k: string]: unknown }
/** A Redfish EventService subscription, persistent (RackHD kept them in memory). */
export interface SubscriptionDoc { readonly id: string; readonly destination: string; readonly [k: string]: unknown }
/** A stored file's metadata (the bytes live under the member's files directory). */
export interface FileDoc { readonly id: string; readonly basename: string; readonly md5: string; readonly sha256: string; readonly size: number; readonly version: number; readonly [k: string]: unknown }

/** An active alert (src/actors/alert/): one per key while its condition holds, deleted when it clears. */
export interface AlertDoc { readonly id: string; readonly key: string; readonly scope: string; readonly node?: string; readonly severity: string; readonly raisedAt: string; readonly [k: string]: unknown }

/**
 * A batch operation over a set of nodes (src/actors/batch): the read model of its entity, with its progress
 * and one item per node. `active` stays true while any item is pending or running (a stopped or cancelled
 * batch still follows its running workflows), which is what a member waking its batches looks for.
 */
export interface BatchDoc { readonly id: string; readonly name: string; readonly status: string; readonly active: boolean; readonly createdAt: string; readonly [k: string]: unknown }

/**
 * A workflow graph or task definition put through the API (`PUT /workflows/graphs|tasks`), id `<kind>:<name>`:
 * shared by every member, which loads them at start and again when a workflow of a graph it holds an older
 * copy of (or none) is created.
 */
export interface DefinitionDoc { readonly id: string; readonly kind: 'graph' | 'task'; readonly name: string; readonly definition: unknown; readonly version: string; readonly updatedAt: string }

export interface CollectionDocuments {
  nodes: NodeDoc;
  lookups: LookupDoc;
  catalogs: CatalogDoc;
  workflows: WorkflowDoc;
  tasks: TaskDoc;
  obms: ObmDoc;
  ibms: IbmDoc;
  pollers: PollerDoc;
  skus: SkuDoc;
  tags: TagDoc;
  templates: TemplateDoc;
  profiles: ProfileDoc;
  logs: LogDoc;
  users: UserDoc;
  roles: RoleDoc;
  sessions: SessionDoc;
  hooks: HookDoc;
  subscriptions: SubscriptionDoc;
  files: FileDoc;
  alerts: AlertDoc;
  batches: BatchDoc;
  definitions: DefinitionDoc;
}

export type CollectionName = keyof CollectionDocuments;
export type DocumentOf<K extends CollectionName> = CollectionDocuments[K];

export interface IndexSpec {
  /** Dotted path. Arrays are indexed per element (a multikey index). */
  readonly field: string;
  readonly unique?: boolean;
}

/** Indexes per collection: what the API filters on. `id` is always the primary key. */
export const collectionIndexes: { readonly [K in CollectionName]: readonly IndexSpec[] } = {
  nodes: [{ field: 'identifiers' }, { field: 'name' }, { field: 'type' }, { field: 'tags' }, { field: 'sku' }, { field: 'lifecycle.state' }],
  lookups: [{ field: 'macAddress', unique: true }, { field: 'ipAddress' }, { field: 'node' }],
  catalogs: [{ field: 'node' }, { field: 'source' }],
  workflows: [{ field: 'node' }, { field: 'status' }, { field: 'injectableName' }],
  tasks: [{ field: 'node' }, { field: 'workflow' }, { field: 'state' }],
  obms: [{ field: 'node' }, { field: 'service' }],
  ibms: [{ field: 'node' }, { field: 'service' }],
  pollers: [{ field: 'node' }, { field: 'name' }],
  skus: [{ field: 'name', unique: true }],
  tags: [{ field: 'name', unique: true }],
  templates: [{ field: 'name' }, { field: 'scope' }],
  profiles: [{ field: 'name' }, { field: 'scope' }],
  logs: [{ field: 'node' }],
  users: [{ field: 'username', unique: true }],
  roles: [{ field: 'name', unique: true }],
  sessions: [{ field: 'tokenHash', unique: true }, { field: 'username' }],
  hooks: [{ field: 'url' }],
  subscriptions: [{ field: 'destination' }],
  files: [{ field: 'basename' }, { field: 'md5' }],
  alerts: [{ field: 'node' }, { field: 'scope' }, { field: 'severity' }, { field: 'key', unique: true }],
  batches: [{ field: 'status' }, { field: 'active' }],
  definitions: [{ field: 'kind' }],
};

export const collectionNames = Object.keys(collectionIndexes) as CollectionName[];
