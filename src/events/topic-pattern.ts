/**
 * AMQP 0-9-1 topic patterns (RabbitMQ's topic exchange semantics): a routing key is a list of words
 * separated by dots; in a pattern `*` stands for exactly one word and `#` for zero or more. The same
 * patterns a consumer binds to `on.events` select events on the Server-Sent Events stream, so a UI and
 * an AMQP consumer describe what they want in one language. Typeids may contain dots themselves
 * (`heartbeat.updated.information.<host>.<service>`), which is why `#` matters.
 */

/** Longest pattern accepted: an AMQP binding key is a short string (at most 255 octets). */
export const maxPatternLength = 255;

const wordPattern = /^(?:\*|#|[^\s*#.]+)$/;

/** Why `pattern` is not a topic pattern, or undefined when it is one. */
export function topicPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (Buffer.byteLength(pattern) > maxPatternLength) return `is longer than ${maxPatternLength} bytes`;
  const bad = pattern.split('.').find((w) => !wordPattern.test(w));
  if (bad !== undefined) return `has a word ${JSON.stringify(bad)} that is neither a plain word, "*" nor "#"`;
  return undefined;
}

/**
 * A matcher for one pattern. Dynamic programming over words (not a regular expression), so a pattern
 * of many `#` costs O(pattern words × key words) and never backtracks.
 */
export function topicMatcher(pattern: string): (routingKey: string) => boolean {
  const words = pattern.split('.');
  if (words.every((w) => w === '#')) return () => true;
  return (routingKey) => {
    const key = routingKey.split('.');
    // matched[j]: the pattern words seen so far match the first j words of the key.
    let matched: boolean[] = [true, ...key.map(() => false)];
    for (const w of words) {
      const next = new Array<boolean>(key.length + 1).fill(false);
      if (w === '#') {
        let reached = false;
        for (let j = 0; j <= key.length; j++) {
          reached ||= matched[j] === true;
          next[j] = reached;
        }
      } else {
        for (let j = 1; j <= key.length; j++) next[j] = matched[j - 1] === true && (w === '*' || w === key[j - 1]);
      }
      matched = next;
    }
    return matched[key.length] === true;
  };
}

/** A matcher for any of several patterns (OR). */
export function anyTopicMatcher(patterns: readonly string[]): (routingKey: string) => boolean {
  const matchers = patterns.map(topicMatcher);
  return (key) => matchers.some((m) => m(key));
}
