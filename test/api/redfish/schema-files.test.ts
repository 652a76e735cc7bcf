/** @odata.type values and the schemas served are the newest vendored versions, and nothing outside them is readable. */
import { describe, expect, it } from 'vitest';
import { describedBy, odataType, readSchemaFile, schemaFileOf, schemaNamespaces, schemaProperties } from '../../../src/api/redfish/schema-files.ts';

describe('schema files', () => {
  it('names the newest vendored version in @odata.type, none for collections', () => {
    expect(odataType('ComputerSystem')).toBe('#ComputerSystem.v1_27_0.ComputerSystem');
    expect(odataType('ComputerSystemCollection')).toBe('#ComputerSystemCollection.ComputerSystemCollection');
    expect(() => odataType('NoSuchThing')).toThrow(/no vendored schema/);
    expect(schemaNamespaces().size).toBeGreaterThan(150);
  });

  it('links each type to its versioned schema, served locally', () => {
    expect(schemaFileOf('#Task.v1_7_4.Task')).toBe('Task.v1_7_4.json');
    expect(describedBy('#Task.v1_7_4.Task')).toBe('</redfish/v1/JsonSchemas/Task/Task.v1_7_4.json>; rel=describedby');
    expect(describedBy('#TaskCollection.TaskCollection')).toBe('</redfish/v1/JsonSchemas/TaskCollection/TaskCollection.json>; rel=describedby');
    expect(describedBy('garbage')).toBeUndefined();
    expect(describedBy('#Nope.v1_0_0.Nope')).toBeUndefined();
  });

  it('reads only the vendored files of a namespace: no traversal, no other names', () => {
    expect(JSON.parse(readSchemaFile('Task', 'Task.v1_7_4.json') ?? '{}')).toHaveProperty('definitions.Task');
    for (const [ns, file] of [['Task', '../../package.json'], ['Task', 'Task.v1_0_0.json'], ['..', 'Task.json'], ['Task', 'ComputerSystem.json'], ['Task', '']]) {
      expect(readSchemaFile(ns ?? '', file ?? ''), `${ns}/${file}`).toBeUndefined();
    }
  });

  it('knows which properties a resource has (read-only versus unknown in a PATCH)', () => {
    expect(schemaProperties('ComputerSystem').has('SerialNumber')).toBe(true);
    expect(schemaProperties('ComputerSystem').has('Colour')).toBe(false);
    expect(schemaProperties('ManagerAccount').has('Locked')).toBe(true);
  });
});
