/**
 * `dmidecode` text output (SMBIOS structures, DMTF DSP0134) → RackHD's `dmi` catalog shape, so SKU rules
 * written for RackHD (`dmi.Base Board Information.Manufacturer`) resolve unchanged:
 *
 * - one key per structure title ("System Information"); a title seen once maps to an object, a title seen
 *   more than once ("Processor Information", "Memory Device") to an array of objects in output order;
 * - a field line `\tKey: value` becomes a string (trimmed);
 * - a field line ending in ':' with items indented below it (`Characteristics:`, `Flags:`) becomes an array
 *   of the item strings; a counted list (`Installable Languages: 1` followed by items) also becomes the
 *   array of its items.
 *
 * Differences from RackHD's parser, all on input RackHD mangled: values keep everything after the first
 * ':' (RackHD cut `Bus Address: 0000:00:1f.2` to `0000`), structures after a blank-less sibling title
 * (`On Board Device 2 Information`) become their own keys as in RackHD, and the `End Of Table` marker
 * structure is not a key.
 */
import { checkedText, setField, toolError } from './tool-output.ts';

export type DmiValue = string | string[];
export type DmiSection = Record<string, DmiValue>;
export type DmiData = Record<string, DmiSection | DmiSection[]>;

const TOOL = 'dmidecode';
const handleLine = /^Handle 0x[0-9A-Fa-f]+, DMI type \d+, \d+ bytes$/;
const structureCount = /^(\d+) structures occupying \d+ bytes\.$/;

interface OpenSection {
  readonly title: string;
  readonly fields: DmiSection;
  /** The field that indented items below belong to. */
  listKey: string | null;
}

export function parseDmidecode(stdout: string): DmiData {
  const lines = checkedText(TOOL, stdout).split(/\r?\n/);
  const result: DmiData = {};
  let declaredCount: number | null = null;
  let handles = 0;
  let sawEndOfTable = false;
  let expectTitle = false;
  /** Inside the End Of Table structure, whose lines are not data. */
  let skipping = false;
  let open: OpenSection | null = null;

  const close = (): void => {
    if (open === null) return;
    addSection(result, open.title, open.fields);
    open = null;
  };

  for (const line of lines) {
    if (handleLine.test(line)) {
      close();
      handles += 1;
      expectTitle = true;
      skipping = false;
      continue;
    }
    if (line.trim() === '') {
      close();
      expectTitle = false;
      skipping = false;
      continue;
    }
    const depth = indentDepth(line);
    const content = line.trim();
    if (depth === 0) {
      if (handles === 0) {
        const count = structureCount.exec(content);
        if (count?.[1] !== undefined) declaredCount = Number(count[1]);
        continue; // the preamble: version, entry point, table address
      }
      // A title right after a Handle line, or a sibling title inside the same structure (type 10 lists one
      // "On Board Device N Information" per device without blank lines between them).
      if (!expectTitle && open === null) continue; // stray text between structures (dmidecode warnings)
      close();
      expectTitle = false;
      if (content === 'End Of Table') {
        sawEndOfTable = true;
        skipping = true;
        continue;
      }
      skipping = false;
      open = { title: content, fields: {}, listKey: null };
      continue;
    }
    if (skipping || open === null) continue;
    const section: OpenSection = open;
    if (depth === 1) addField(section, line.replace(/^\s+/, ''));
    else addListItem(section, content);
  }
  close();

  if (handles === 0) {
    const reason = stdout.includes('No SMBIOS nor DMI entry point found')
      ? 'no SMBIOS/DMI entry point found: the firmware exposes no tables, or dmidecode could not read them'
      : "no DMI structures in the output (no 'Handle 0x…, DMI type …' line)";
    throw toolError(TOOL, reason);
  }
  if (Object.keys(result).length === 0) throw toolError(TOOL, 'no DMI structure has a title');
  if (declaredCount !== null && handles < declaredCount && !sawEndOfTable) {
    throw toolError(
      TOOL,
      `output looks truncated: the table declares ${declaredCount} structures, ${handles} were printed and there is no End Of Table`,
    );
  }
  return result;
}

/** dmidecode indents fields with one tab and list items with two; spaces are tolerated for pasted output. */
function indentDepth(line: string): number {
  const ws = /^[\t ]*/.exec(line)?.[0] ?? '';
  if (ws.length === 0) return 0;
  const tabs = ws.split('\t').length - 1;
  if (tabs > 0) return tabs;
  return ws.length >= 8 ? 2 : 1;
}

function addField(section: OpenSection, text: string): void {
  // A header for indented items ends with ':' exactly; `Asset Tag:  ` (an empty value) does not.
  if (text.endsWith(':')) {
    const key = text.slice(0, -1).trim();
    if (key === '') return;
    setField(section.fields, key, []);
    section.listKey = key;
    return;
  }
  const colon = text.indexOf(':');
  const key = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (key === '') return;
  setField(section.fields, key, colon < 0 ? '' : text.slice(colon + 1).trim());
  section.listKey = key;
}

function addListItem(section: OpenSection, item: string): void {
  const key = section.listKey;
  if (key === null) return;
  const current = Object.hasOwn(section.fields, key) ? section.fields[key] : undefined;
  if (Array.isArray(current)) current.push(item);
  // `Installable Languages: 1` then the items: the count gives way to the list it counts.
  else setField(section.fields, key, [item]);
}

function addSection(result: DmiData, title: string, fields: DmiSection): void {
  const existing = Object.hasOwn(result, title) ? result[title] : undefined;
  if (existing === undefined) setField(result, title, fields);
  else if (Array.isArray(existing)) existing.push(fields);
  else setField(result, title, [existing, fields]);
}
