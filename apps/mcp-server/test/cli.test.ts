import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '../../../tooling/testing/run.ts';
import pkg from '../package.json' with { type: 'json' };
import { runCli, tempDir, writeConfig } from './helpers.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;

describe('switchyard (the CLI, run as a child process)', () => {
  it('--version and -v print the version', async () => {
    for (const flag of ['--version', '-v']) {
      const { code, stdout } = await runCli([flag]);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe(pkg.version);
    }
  });

  it('--help lists every command', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['check-config', 'serve', 'stdio', 'journal export|tail'])
      expect(stdout).toContain(command);
    expect(stdout).not.toMatch(/not yet available/);
  });

  it('--help after a command (or before it) shows that command’s help', async () => {
    for (const args of [
      ['check-config', '--help'],
      ['--help', 'check-config'],
      ['check-config', '-h'],
    ]) {
      const { code, stdout } = await runCli(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: switchyard check-config <file>/);
    }
    const serve = await runCli(['serve', '--help']);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(/^Usage: switchyard serve \[--config <file>\]/);
    const stdio = await runCli(['stdio', '--help']);
    expect(stdio.code).toBe(0);
    expect(stdio.stdout).toMatch(/^Usage: switchyard stdio/);
  });

  it('check-config on a valid file prints ok with the backends and exits 0', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'ok.json', {
      mcpServers: {
        fs: { command: 'npx', args: ['srv'], tier: 'hot' },
        docs: { url: 'https://docs.example.com/mcp' },
        off: { command: 'x', disabled: true },
      },
    });
    const { code, stdout, stderr } = await runCli(['check-config', 'ok.json'], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('ok: 2 backends (fs: stdio, hot; docs: remote, warm)\nskipped (disabled): off\n');
  });

  it('check-config reads ${VAR} from its environment', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'env.json', { mcpServers: { a: { command: '${CMD}' } } });
    expect((await runCli(['check-config', file], { env: { CMD: 'server' } })).code).toBe(0);
    const unset = await runCli(['check-config', file]);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('mcpServers.a.command: expected the environment variable CMD to be set');
  });

  it('check-config on an invalid file prints every problem with the file name and exits 1', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'bad.json', {
      mcpServers: { a: { command: 'x', tier: 'hott' }, b: {} },
      switchyard: { lisen: {} },
    });
    const { code, stdout, stderr } = await runCli(['check-config', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n').slice(0, 4)).toEqual([
      `${file}: 3 problems`,
      '  mcpServers.a.tier: expected one of hot, warm, cold, auto; found "hott"',
      '  mcpServers.b: expected command (a stdio server), url (a remote server) or module (an in-process tool module); found none of them',
      expect.stringMatching(
        /^ {2}switchyard\.lisen: expected one of the known keys \(listen, auth, .*\); found an unknown key "lisen" \(did you mean "listen"\?\)$/,
      ),
    ]);
  });

  it('check-config: a missing module file names its key; an unset variable is one problem; a slip gets "did you mean"', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'c.json', {
      mcpServers: {
        tools: { module: './nope.ts' },
        a: { command: '${CMD}', args: ['${CMD}'] },
      },
      switchyard: { lisen: {} },
    });
    const { code, stderr } = await runCli(['check-config', file]);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe(`${file}: 3 problems`);
    expect(stderr).toContain(
      `mcpServers.tools.module: expected a tool module file that exists (relative to the configuration file); found no file at ${join(dir, 'nope.ts')}`,
    );
    expect(stderr.match(/CMD unset/g)).toHaveLength(1);
    expect(stderr).toContain('found CMD unset (also used at mcpServers.a.args.0)');
    expect(stderr).toContain('found an unknown key "lisen" (did you mean "listen"?)');
  });

  it('check-config on bad JSON gives the line and column; on a missing file says so; both exit 1', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'broken.jsonc', '{\n  "mcpServers": {\n    "a": { "command": "x" },,\n  }\n}');
    const broken = await runCli(['check-config', 'broken.jsonc'], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      'broken.jsonc: 1 problem\n  line 3, column 29: expected a key in double quotes or "}"; found ","',
    );
    const missing = await runCli(['check-config', 'missing.json'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'missing.json: 1 problem\n  expected a readable configuration file; found no such file',
    );
  });

  it('check-config without a file, or with two, is a usage error (exit 2)', async () => {
    const none = await runCli(['check-config']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('check-config needs a file');
    const two = await runCli(['check-config', 'a.json', 'b.json']);
    expect(two.code).toBe(2);
  });

  it('journal needs export or tail, and says when there is no journal', async () => {
    const journal = await runCli(['journal']);
    expect(journal.code).toBe(2);
    expect(journal.stderr).toContain('journal needs one of export, tail');
    const none = await runCli(['journal', 'tail'], { cwd: await tempDir() });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no journal at .*switchyard\.db/);
    const badTime = await runCli(['journal', 'export', '--since', 'yesterday-ish']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--since must be an ISO 8601 time');
  });

  it('an unknown command, an unknown option or no command is a clear usage error (exit 2)', async () => {
    const cases: [string[], string, string][] = [
      [['frobnicate'], 'unknown command "frobnicate"', 'Usage: switchyard <command>'],
      [['--frob'], "Unknown option '--frob'", 'Usage: switchyard <command>'],
      [
        ['check-config', 'x.json', '--strict'],
        "check-config: Unknown option '--strict'",
        'Usage: switchyard check-config <file>',
      ],
      [
        ['serve', '--prot', '1'],
        "serve: Unknown option '--prot'",
        'Usage: switchyard serve [--config <file>]',
      ],
      [['stdio', '--verbose'], "stdio: Unknown option '--verbose'", 'Usage: switchyard stdio'],
      [
        ['journal', 'tail', '--bogus'],
        "journal: Unknown option '--bogus'",
        'Usage: switchyard journal export|tail',
      ],
      [['journal', 'export', '-x'], "journal: Unknown option '-x'", 'Usage: switchyard journal export|tail'],
      [
        ['journal', 'export', '--follow'],
        '--follow is an option of journal tail, not of journal export',
        'Usage: switchyard journal export|tail',
      ],
      [
        ['journal', 'tail', '--session', 'abc'],
        '--session is an option of journal export, not of journal tail',
        'Usage: switchyard journal export|tail',
      ],
      [[], 'a command is needed', 'Usage: switchyard <command>'],
    ];
    for (const [args, message, usage] of cases) {
      const { code, stdout, stderr } = await runCli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(stderr, args.join(' ')).toContain(usage);
      expect(stderr).toMatch(/Run "switchyard (\S+ )?--help" for more/);
    }
  });

  it('--help and -h answer for every command and subcommand, exit 0 and do no work', async () => {
    const dir = await tempDir();
    const cases: [string[], RegExp][] = [
      [['-h'], /^switchyard — /],
      [['serve', '-h'], /^Usage: switchyard serve /],
      [['stdio', '-h'], /^Usage: switchyard stdio /],
      [['journal', '--help'], /^Usage: switchyard journal export\|tail/],
      [['journal', 'tail', '--help'], /^Usage: switchyard journal export\|tail/],
      [['journal', 'export', '-h'], /^Usage: switchyard journal export\|tail/],
      [['check-config', 'missing.json', '-h'], /^Usage: switchyard check-config <file>/],
      // Help wins over a bad option or value on the same line.
      [['serve', '--port', 'nope', '--bogus', '--help'], /^Usage: switchyard serve /],
      [['journal', 'tail', '--limit', '0', '-h'], /^Usage: switchyard journal export\|tail/],
    ];
    for (const [args, usage] of cases) {
      const { code, stdout, stderr } = await runCli(args, { cwd: dir });
      expect(code, args.join(' ')).toBe(0);
      expect(stdout, args.join(' ')).toMatch(usage);
      expect(stderr, args.join(' ')).toBe('');
    }
    // Nothing was started: no journal, no other file.
    expect(await readdir(dir)).toEqual([]);
  });

  it('serve --help lists the endpoints and both protocol eras', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    expect(code).toBe(0);
    for (const endpoint of ['/mcp', '/healthz', '/readyz', '/metrics', '/dashboard'])
      expect(stdout).toMatch(new RegExp(`^ {2}${endpoint} `, 'm'));
    expect(stdout).toContain('2026-07-28');
    expect(stdout).toContain('2025-03-26 … 2025-11-25');
    expect(stdout).toContain('SWITCHYARD_CONFIG');
  });

  it('a relative --config (or check-config file) is relative to the directory the command was run from', async () => {
    // A package script starts the CLI in its package's folder; bun says where it was run from.
    const pkg = await tempDir();
    await mkdir(join(pkg, 'sub'));
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'p', scripts: { sy: `"${process.execPath}" "${CLI}"` } }),
    );
    await writeConfig(join(pkg, 'sub'), 'c.json', {
      mcpServers: { fx: { command: 'x' } },
      switchyard: { journal: { path: './none.db' } },
    });

    // Really through `bun run`, from a folder below the package.
    const checked = await runToEnd([process.execPath, 'run', '--silent', 'sy', 'check-config', 'c.json'], {
      cwd: join(pkg, 'sub'),
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toBe('ok: 1 backend (fx: stdio, warm)\n');
    const tail = await runToEnd(
      [process.execPath, 'run', '--silent', 'sy', 'journal', 'tail', '--config', 'c.json'],
      {
        cwd: join(pkg, 'sub'),
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    expect(tail.code).toBe(1);
    expect(tail.stderr).toContain(
      `no journal at ${join(pkg, 'sub', 'none.db')} (switchyard.journal.path of c.json)`,
    );

    // npm's INIT_CWD is believed too; either is ignored when the process is not in the script's package folder.
    const npm = await runCli(['check-config', 'c.json'], {
      cwd: pkg,
      env: { npm_package_json: join(pkg, 'package.json'), INIT_CWD: join(pkg, 'sub') },
    });
    expect(npm.stdout).toBe('ok: 1 backend (fx: stdio, warm)\n');
    const inherited = await runCli(['check-config', 'sub/c.json'], {
      cwd: pkg,
      env: { npm_package_json: join(await tempDir(), 'package.json'), INIT_CWD: join(pkg, 'sub') },
    });
    expect(inherited.stdout).toBe('ok: 1 backend (fx: stdio, warm)\n');
  });

  it('the root `switchyard` script prints only what the CLI prints: no script echo, no build banner', {
    timeout: 120_000,
  }, async () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const run = () =>
      runToEnd([process.execPath, 'run', 'switchyard', '--version'], {
        cwd: root,
        env: { ...process.env } as Record<string, string>,
      });
    // The first may build (quietly, on stderr); then the packages are current and nothing is said.
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${pkg.version}\n`);
    expect(first.stderr).not.toContain('turbo');
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`${pkg.version}\n`);
    expect(second.stderr).toBe('');
  });
});
