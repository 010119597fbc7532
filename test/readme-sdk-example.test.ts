import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The import the README tells SDK users to write, and the SDK source it stands for here
 * (test/sdk-package.test.ts compiles the example against the packed SDK too).
 */
const SDK_IMPORTS: Record<string, string> = { '@bilby/sdk': join(ROOT, 'sdk/src/index.ts') };

/** The ```ts blocks of a Markdown text, in order. */
function typeScriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
const OPTIONS: ts.CompilerOptions = {
  ...ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options,
  noEmit: true,
  rootDir: undefined,
  paths: Object.fromEntries(Object.entries(SDK_IMPORTS).map(([specifier, path]) => [specifier, [path]])),
  typeRoots: [join(ROOT, 'node_modules/@types')],
  types: ['node'],
};
/** The last program, whose unchanged files (the SDK's, Node's types) the next check reuses. */
let previous: ts.Program | undefined;

/**
 * Type-checks code as a user's ES module importing the SDK, under the project's own compiler options,
 * and returns the compiler's complaints (none when it compiles).
 */
function typeCheck(code: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-readme-'));
  try {
    const file = join(dir, 'example.mts');
    writeFileSync(file, code);
    const program = ts.createProgram({ rootNames: [file], options: OPTIONS, ...(previous ? { oldProgram: previous } : {}) });
    previous = program;
    // The example's own diagnostics only: the SDK itself is checked by the project's type check.
    const example = program.getSourceFile(file);
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program.getSyntacticDiagnostics(example),
      ...program.getSemanticDiagnostics(example),
    ];
    return diagnostics.map((diagnostic) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file || diagnostic.start === undefined) return text;
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      const where = diagnostic.file.fileName === file ? `README block line ${line + 1}` : `${diagnostic.file.fileName}:${line + 1}`;
      return `${where}: ${text}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const blocks = typeScriptBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));

it("the README's SDK example compiles as written against the SDK", () => {
  assert.ok(blocks.length > 0, 'the README has no ```ts block');
  for (const block of blocks) {
    assert.ok(
      Object.keys(SDK_IMPORTS).some((specifier) => block.includes(`from '${specifier}'`)),
      `a README block does not import the SDK as ${Object.keys(SDK_IMPORTS).join(' or ')}:\n${block}`,
    );
    assert.deepEqual(typeCheck(block), []);
  }
});

it('the check fails on an example that does not compile: one that uses an error class it never imports', () => {
  const block = blocks[0] ?? '';
  const withoutErrorImports = block.replace(/^import \{[^}]*\} from '([^']+)';$/m, "import { createClient } from '$1';");
  assert.notEqual(withoutErrorImports, block, 'the example no longer imports more than createClient on one line');
  const problems = typeCheck(withoutErrorImports);
  assert.ok(problems.some((problem) => /Cannot find name '\w+Error'/.test(problem)), problems.join('\n'));
});
