/**
 * The layering rules are only worth having if they bite: lint real source text placed in src/actors,
 * src/protocols and src/api and check that the forbidden imports are reported, and that floating
 * promises are errors.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const probes = ['src/actors/lint-probe.ts', 'src/protocols/lint-probe.ts', 'src/api/lint-probe.ts'];
// The probe files never exist on disk; the project service type-checks them in its default project.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: { languageOptions: { parserOptions: { projectService: { allowDefaultProject: probes }, tsconfigRootDir: process.cwd() } } },
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const messages = (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
  // A parse failure would make every "rule reported" assertion below meaningless.
  expect(messages.filter((m) => m.startsWith('parse'))).toEqual([]);
  return messages;
}

describe('lint rules', () => {
  it.each([
    ["import dgram from 'node:dgram';", 'node:dgram'],
    ["import express from 'express';", 'express'],
    ["import Database from 'better-sqlite3';", 'better-sqlite3'],
    ["import { MongoClient } from 'mongodb';", 'mongodb'],
    ["import amqp from 'amqplib';", 'amqplib'],
    ["import { openEmbeddedStore } from '../persistence/embedded/embedded-store.ts';", 'adapter'],
  ])('keeps %s out of src/actors', async (line) => {
    const found = await problems('src/actors/lint-probe.ts', `${line}\nexport const x = 1;\n`);
    expect(found.some((p) => p.startsWith('no-restricted-imports'))).toBe(true);
  });

  it('lets src/actors use persistence ports', async () => {
    const found = await problems('src/actors/lint-probe.ts', "import type { EventJournal } from '../persistence/journal.ts';\nexport type J = EventJournal;\n");
    expect(found.filter((p) => p.startsWith('no-restricted-imports'))).toEqual([]);
  });

  it('keeps store adapters out of src/protocols and src/api', async () => {
    for (const file of ['src/protocols/lint-probe.ts', 'src/api/lint-probe.ts']) {
      const found = await problems(file, "import { openMongoStore } from '../persistence/mongo/mongo-store.ts';\nexport const x = openMongoStore;\n");
      expect(found.some((p) => p.startsWith('no-restricted-imports'))).toBe(true);
    }
  });

  it('reports a floating promise', async () => {
    const found = await problems('src/actors/lint-probe.ts', 'async function f(): Promise<void> {}\nexport function g(): void {\n  f();\n}\n');
    expect(found.some((p) => p.startsWith('@typescript-eslint/no-floating-promises'))).toBe(true);
  });
});
