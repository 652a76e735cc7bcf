/**
 * The RabbitMQ the AMQP tests talk to (CI starts it at 127.0.0.1:5672, guest/guest; locally
 * `rabbitmq-server -detached`). Like the namespace and QEMU tests, a missing broker fails the tests
 * loudly instead of skipping them, unless MONORAIL_TEST_SKIP_PRIVILEGED=1 says skipping is wanted.
 * MONORAIL_TEST_AMQP_URL points them at another broker.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { privileged } from '../support/netns.ts';

const execFileP = promisify(execFile);

export const amqpUrl = process.env.MONORAIL_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const broker = new URL(amqpUrl);
export const brokerHost = broker.hostname;
export const brokerPort = Number(broker.port || 5672);

export function rabbitmqAvailable(): boolean {
  return privileged(`RabbitMQ at ${brokerHost}:${brokerPort} (start it with \`rabbitmq-server -detached\`)`, () =>
    spawnSync('bash', ['-c', `exec 3<>/dev/tcp/${brokerHost}/${brokerPort}`], { stdio: 'ignore', timeout: 5000 }).status === 0,
  );
}

/**
 * Has the broker close, from its side (AMQP connection.close, 320 CONNECTION_FORCED), the connection a
 * client opened with this `connection_name`. Only that one: other tests share the broker.
 */
export async function closeConnectionNamed(name: string): Promise<number> {
  // The table form prints pids as close_connection takes them (`<rabbit@host.N.N.N>`); the JSON form does not.
  const { stdout } = await execFileP('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties', '--no-table-headers']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name",${JSON.stringify(name)}}`))
    .map((line) => line.split('\t')[0] ?? '');
  for (const pid of pids) await execFileP('rabbitmqctl', ['-q', 'close_connection', pid, 'test: broker closes the connection']);
  return pids.length;
}
