"""Drives a Redfish service with OpenStack's sushy (Debian python3-sushy), the client Ironic uses.

Run with Debian's /usr/bin/python3. The service URL, credentials and system URI come from the environment
(RF_URL, RF_USER, RF_PASSWORD, RF_SYSTEM), never from argv. One step per run, named by argv[1]; the result is
one JSON object on stdout.

  inventory            service version and UUID, systems, the system's power state and allowed resets, managers
  reset <ResetType>    ComputerSystem.Reset through sushy's checked reset_system()
  boot-pxe-once        a one-time PXE boot override through set_system_boot_options()
  login-logout         a session (SessionAuth: POST Sessions, X-Auth-Token), one read with it, then logout
"""
import json
import os
import sys

import sushy
from sushy import auth

url = os.environ['RF_URL'] + '/redfish/v1'
user = os.environ['RF_USER']
password = os.environ['RF_PASSWORD']
system_uri = os.environ.get('RF_SYSTEM', '')
step = sys.argv[1]


def value(v):
    return None if v is None else getattr(v, 'value', str(v))


if step == 'inventory':
    s = sushy.Sushy(url, auth=auth.BasicAuth(username=user, password=password))
    system = s.get_system(system_uri)
    out = {
        'redfishVersion': s.redfish_version,
        'uuid': s.uuid,
        'systems': list(s.get_system_collection().members_identities),
        'powerState': value(system.power_state),
        'allowedResets': sorted(value(v) for v in system.get_allowed_reset_system_values()),
        'allowedBootTargets': sorted(value(v) for v in system.get_allowed_system_boot_source_values()),
        'managers': list(s.get_manager_collection().members_identities),
        'macs': sorted(n.mac_address for n in system.ethernet_interfaces.get_members()),
        'manufacturer': system.manufacturer,
        'serialNumber': system.serial_number,
    }
elif step == 'reset':
    s = sushy.Sushy(url, auth=auth.BasicAuth(username=user, password=password))
    system = s.get_system(system_uri)
    system.reset_system(sushy.ResetType(sys.argv[2]))
    out = {'reset': sys.argv[2]}
elif step == 'boot-pxe-once':
    s = sushy.Sushy(url, auth=auth.BasicAuth(username=user, password=password))
    system = s.get_system(system_uri)
    system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
    out = {'boot': 'Pxe'}
elif step == 'login-logout':
    session_auth = auth.SessionAuth(username=user, password=password)
    s = sushy.Sushy(url, auth=session_auth)
    system = s.get_system(system_uri)
    out = {
        'tokenSent': 'X-Auth-Token' in s._conn._session.headers,
        'sessionUri': session_auth._session_resource_id,
        'powerState': value(system.power_state),
    }
    session_auth.close()
    out['afterLogout'] = session_auth._session_resource_id
else:
    raise SystemExit('unknown step ' + step)

print(json.dumps(out))
