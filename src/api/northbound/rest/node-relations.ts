/**
 * RackHD's node relations (on-core `Constants.NodeRelations`): every type has an inverse written on the
 * target, and `encloses`/`enclosedBy` are component relations — removing an enclosure removes what it
 * encloses. The others (`contains`, `powers`, `manages`) are links: only the peer's side is updated.
 */
export interface RelationKind {
  readonly inverse: string;
  readonly component: boolean;
}

export const relationKinds: Readonly<Record<string, RelationKind>> = {
  contains: { inverse: 'containedBy', component: false },
  containedBy: { inverse: 'contains', component: false },
  encloses: { inverse: 'enclosedBy', component: true },
  enclosedBy: { inverse: 'encloses', component: true },
  powers: { inverse: 'poweredBy', component: false },
  poweredBy: { inverse: 'powers', component: false },
  manages: { inverse: 'managedBy', component: false },
  managedBy: { inverse: 'manages', component: false },
};

export const relationTypeNames = Object.keys(relationKinds);

/** The relation whose targets are a node's components (deleted with it). */
export const componentRelation = 'encloses';
