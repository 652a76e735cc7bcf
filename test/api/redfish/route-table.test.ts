/** The Allow and 404/405 decisions come from the declared routes: methods per URI, literal segments first, case-insensitive like express. */
import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../../src/api/redfish/route-table.ts';

const table = new RouteTable([
  { method: 'get', path: '/redfish/v1/SessionService/Sessions' },
  { method: 'post', path: '/redfish/v1/SessionService/Sessions' },
  { method: 'post', path: '/redfish/v1/SessionService/Sessions/Members' },
  { method: 'get', path: '/redfish/v1/SessionService/Sessions/{sessionId}' },
  { method: 'delete', path: '/redfish/v1/SessionService/Sessions/{sessionId}' },
  { method: 'get', path: '/redfish/v1/Systems/{systemId}/Storage/{storageId}/Drives/{driveId}' },
]);

describe('RouteTable', () => {
  it('names the methods of a URI, HEAD with GET, in a fixed order', () => {
    expect(table.allowOf('/redfish/v1/SessionService/Sessions')).toEqual(['GET', 'HEAD', 'POST']);
    expect(table.allowOf('/redfish/v1/SessionService/Sessions/')).toEqual(['GET', 'HEAD', 'POST']);
    expect(table.allowOf('/redfish/v1/SessionService/Sessions/abc')).toEqual(['GET', 'HEAD', 'DELETE']);
    expect(table.allowOfPattern('/redfish/v1/SessionService/Sessions/{sessionId}')).toEqual(['GET', 'HEAD', 'DELETE']);
  });

  it('prefers literal segments over parameters, as express does', () => {
    expect(table.allowOf('/redfish/v1/SessionService/Sessions/Members')).toEqual(['POST']);
    expect(table.match('/redfish/v1/SessionService/Sessions/Members')?.path).toBe('/redfish/v1/SessionService/Sessions/Members');
  });

  it('matches concrete URIs to their pattern with parameters, case-insensitively, and nothing else', () => {
    expect(table.match('/redfish/v1/Systems/n1/Storage/sata/Drives/sda')).toEqual({ path: '/redfish/v1/Systems/{systemId}/Storage/{storageId}/Drives/{driveId}', params: { systemId: 'n1', storageId: 'sata', driveId: 'sda' } });
    expect(table.allowOf('/REDFISH/v1/sessionservice/sessions')).toEqual(['GET', 'HEAD', 'POST']);
    for (const uri of ['/redfish/v1/Systems/n1/Storage/sata/Drives', '/redfish/v1/Systems/n1/Storage/sata/Drives/sda/x', '/redfish/v1/SessionService/Sessions/a/b', '/', '', '/redfish/v1/SessionService/Sessions(.*)', '/redfish/v1/Systems/a/Storage//Drives/x']) {
      expect(table.allowOf(uri), uri).toBeUndefined();
    }
  });

  it('takes hostile URIs without trouble (regex metacharacters are literal)', () => {
    const t = new RouteTable([{ method: 'get', path: '/redfish/v1/$metadata' }, { method: 'post', path: '/redfish/v1/Systems/{id}/Actions/ComputerSystem.Reset' }]);
    expect(t.allowOf('/redfish/v1/$metadata')).toEqual(['GET', 'HEAD']);
    expect(t.allowOf('/redfish/v1/Xmetadata')).toBeUndefined();
    expect(t.allowOf('/redfish/v1/Systems/x/Actions/ComputerSystemXReset')).toBeUndefined();
    expect(t.allowOf(`/redfish/v1/Systems/${'a'.repeat(100_000)}/Actions/ComputerSystem.Reset`)).toEqual(['POST']);
  });
});
