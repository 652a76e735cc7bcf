/**
 * Output of the catalog commands that loop over devices (ethtool per interface, smartctl per disk): each
 * tool run is preceded by a marker line `@@monorail <words…>` that the command's shell loop echoes, so one
 * command string covers however many interfaces or disks the machine has. Splitting on the markers gives
 * each run's output; text before the first marker means the output is not what the loop prints.
 */
import { checkedText, excerpt, toolError } from './tool-output.ts';

export const SECTION_MARKER = '@@monorail ';

export interface MarkedSection {
  /** The words after the marker, e.g. `['ethtool', '-i', 'eth0']`. */
  readonly words: readonly string[];
  readonly body: string;
}

export function splitMarkedSections(tool: string, stdout: string): MarkedSection[] {
  const lines = checkedText(tool, stdout).split(/\r?\n/);
  const sections: { words: string[]; body: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith(SECTION_MARKER)) {
      const words = line.slice(SECTION_MARKER.length).trim().split(/\s+/).filter((w) => w !== '');
      if (words.length === 0) throw toolError(tool, 'a section marker names nothing');
      sections.push({ words, body: [] });
      continue;
    }
    const current = sections.at(-1);
    if (current === undefined) {
      if (line.trim() === '') continue;
      throw toolError(tool, `output does not start with a "${SECTION_MARKER.trim()}" marker: "${excerpt(line)}"`);
    }
    current.body.push(line);
  }
  return sections.map((s) => ({ words: s.words, body: s.body.join('\n') }));
}
