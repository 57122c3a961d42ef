#!/usr/bin/env node
// knot against Spin, side by side, on the same protocols: a benchmark script
// (not a test). Run from the repository root with `pnpm bench [options]`, which
// builds first, or `node tools/bench/bench.mjs [options]` after `pnpm build`.
// tools/bench/README.md explains the figures; `--help` lists the options.
//
// What is measured, and how
// - Every run is one process (or, for Spin, three) timed from outside, end to
//   end: knot is `node packages/cli/dist/cli.js check MODEL --format json`,
//   Node start-up, parsing, lowering and the search included; Spin is
//   `spin -a` + `gcc -O2 -DSAFETY -DNOREDUCE -DMEMLIM=16384 pan.c` + `./pan`,
//   each in a fresh temporary directory, as the benchmark material's
//   spin-run.sh does (tools/bench/README.md).
// - Wall time: process.hrtime around each child (the Spin figure is the sum of
//   its three stages).
// - Peak memory: GNU time (`/usr/bin/time -f %M -o FILE`, which reads the
//   child's rusage ru_maxrss from wait4) wraps every child; the figure is the
//   peak RSS of the node process for knot and of pan for Spin (gcc's peak is
//   in the --json output; it is larger than pan's on small models and says
//   nothing about the checker).
// - states, transitions: knot's JSON statistics; pan's "states, stored" and
//   "transitions". Spin counts one transition more than knot on the same
//   graph (the step that creates the initial state).
// - states/s: states over the search time alone: knot's own
//   statistics.seconds, pan's wall time (pan does nothing but the search).
// - bytes/state: each tool's own account of its search memory over the
//   states: knot's statistics.bytes (state store + trace links + frontier),
//   pan's "total actual memory usage" (states + hash table + DFS stack).
// - Every figure is the median of --runs runs (default 5), taken interleaved
//   knot, Spin, knot, Spin, ... for each model and size.
// - Before any timing, every selected model is run once with each tool: the
//   verdicts are checked (ok: pass; dl: a deadlock), the knot compile cache
//   (~/.cache/knot, or $KNOT_CACHE_DIR) is warmed, and pan's DFS depth (-m) and
//   hash-table size (-w) are sized from Spin's own run: -m = 1.1 x the depth
//   reached (pan preallocates its DFS stack; on the philosophers without
//   partial-order reduction the depth is close to the state count), -w =
//   ceil(log2(states)) + 1. A run with "max search depth too small" is redone
//   with a larger -m. A knot run with an empty cache (a fresh $KNOT_CACHE_DIR)
//   gives the cold-start figures printed under the table.
// - dl models stop at the first error on both sides (knot's default, pan -c1):
//   the time to the verdict. --dl-full explores the whole state space on both
//   sides instead (knot --all, pan -c0).
// - The fingerprint table (--fingerprint) runs knot with --store fingerprint
//   (64-bit fingerprints) against Spin's hash-compaction (-DHC4), its closest
//   counterpart. --huge runs one fingerprint search of philo_ok N=15 (about
//   137 million states; several minutes, a few GB).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { fileFor as kvmDevsFile, kvmDevsKnot } from './gen-kvm-devs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
let CLI = join(root, 'packages', 'cli', 'dist', 'cli.js'); // replaced by the snapshot's (see knotBuild)
const GNU_TIME = '/usr/bin/time';

// ---------------------------------------------------------------------------
// The models

const DEADLOCK_KINDS = ['recursive-locking', 'lock-cycle', 'stuck'];

/** Each benchmark model: its sizes, the knot twin and the Promela original. */
const MODELS = {
  philo_ok: {
    sizes: [8, 9, 10, 11, 12, 13], quick: [8, 9], expect: 'pass',
    knot: (n) => ({ file: 'models/examples/philosophers.knot', set: [`N=${n}`, 'ORDERED=true'] }),
    pml: (n, dir) => generated(dir, 'philo', 'ok', n),
  },
  philo_dl: {
    sizes: [8, 9, 10, 11, 12, 13], quick: [8, 9], expect: 'deadlock', optional: true,
    knot: (n) => ({ file: 'models/examples/philosophers.knot', set: [`N=${n}`, 'ORDERED=false'] }),
    pml: (n, dir) => generated(dir, 'philo', 'dl', n),
  },
  kvm_devs_ok: {
    sizes: [2, 3, 4, 5, 6], quick: [2, 3, 4], expect: 'pass',
    knot: (n) => ({ file: kvmDevsTwin('ok', n), set: [] }),
    pml: (n, dir) => generated(dir, 'kvm_devs', 'ok', n),
  },
  kvm_devs_dl: {
    sizes: [2, 3, 4, 5, 6], quick: [2, 3, 4], expect: 'deadlock',
    knot: (n) => ({ file: kvmDevsTwin('dl', n), set: [] }),
    pml: (n, dir) => generated(dir, 'kvm_devs', 'dl', n),
  },
  // symmetric vCPUs: knot reduces by symmetry (a "knot unreduced" row gives the full search);
  // Spin runs knot's own step-for-step Promela twin (knot compile --emit promela)
  vcpus: {
    sizes: [3, 4, 5, 6], quick: [3, 4], expect: 'pass',
    knot: (n) => ({ file: 'models/bench/vcpus.knot', set: [`NR_VCPUS=${n}`] }),
    pml: (n) => promelaTwin('models/bench/vcpus.knot', [`NR_VCPUS=${n}`], `vcpus_N${n}`),
  },
  kvm_vfio_destroy: {
    sizes: [null], quick: [null], expect: 'deadlock',
    knot: () => ({ file: 'models/kvm/vfio.knot', set: ['TEARDOWN=destroy'] }),
    pml: (_n, dir) => join(dir, 'kvm_vfio_destroy.pml'),
  },
  kvm_vfio_release: {
    sizes: [null], quick: [null], expect: 'pass',
    knot: () => ({ file: 'models/kvm/vfio.knot', set: ['TEARDOWN=release'] }),
    pml: (_n, dir) => join(dir, 'kvm_vfio_release.pml'),
  },
};
const HUGE = { model: 'philo_ok', size: 15 };

/** The committed twin (models/bench), or one generated into a temporary directory for other sizes. */
function kvmDevsTwin(variant, n) {
  const committed = kvmDevsFile(variant, n);
  if (existsSync(committed)) return committed;
  const dir = tempDir('knot-bench-twins-');
  const file = join(dir, `kvm_devs_${variant}_N${n}.knot`);
  if (!existsSync(file)) writeFileSync(file, kvmDevsKnot(variant, n));
  return file;
}

/** knot's Promela twin of a model (`knot compile --emit promela`), in a temporary directory. */
function promelaTwin(model, set, name) {
  const file = join(tempDir('knot-bench-twins-'), `${name}.pml`);
  if (!existsSync(file)) {
    const r = run(process.execPath, [CLI, 'compile', model, ...set.flatMap((x) => ['--set', x]), '--emit', 'promela'], { check: true });
    writeFileSync(file, r.stdout);
  }
  return file;
}

const temps = new Map();
function tempDir(prefix) {
  if (!temps.has(prefix)) temps.set(prefix, mkdtempSync(join(tmpdir(), prefix)));
  return temps.get(prefix);
}
function cleanTemps() {
  for (const d of temps.values()) rmSync(d, { recursive: true, force: true });
  temps.clear();
}

let genDir; // a temporary copy of gen.mjs (it writes families/ next to itself)
function generated(promelaDir, fam, variant, n) {
  if (!genDir) {
    genDir = tempDir('knot-bench-gen-');
    copyFileSync(join(promelaDir, 'gen.mjs'), join(genDir, 'gen.mjs'));
  }
  const file = join(genDir, 'families', `${fam}_${variant}_N${n}.pml`);
  if (!existsSync(file)) run(process.execPath, [join(genDir, 'gen.mjs'), fam, variant, String(n)], { check: true });
  return file;
}

// ---------------------------------------------------------------------------
// Options

const HELP = `usage: pnpm bench [options]        (or: node tools/bench/bench.mjs [options], after pnpm build)

Runs knot and Spin on the same protocols and prints one table of medians.
  --runs N            runs per tool, model and size (default 5), interleaved knot, Spin, knot, ...
  --only A,B          models: ${Object.keys(MODELS).join(', ')}
                      (a prefix selects several: --only kvm_devs); default: all but philo_dl
  --sizes 8,9 | 8-11  sizes (N) of the sized models selected
  --quick             the small sizes only (philo 8,9; kvm_devs 2,3,4; vcpus 3,4)
  --fingerprint       also the fingerprint table: knot --store fingerprint against Spin -DHC4
  --fingerprint-only  only the fingerprint table
  --huge              only the huge run: one knot fingerprint search of philo_ok N=${HUGE.size}
                      (about 137 million states, several minutes; --sizes picks another N)
  --huge-spin         with --huge: also Spin -DHC4 on the same model (long; some 14 GB at N=15)
  --dl-full           dl models: explore the whole state space (knot --all, pan -c0), not stop
                      at the first error
  --no-lock-order     run knot without its lock-order analysis (Spin has none)
  --json FILE         save every figure (each run, the medians, the machine) to FILE
  --cache DIR         knot's compile cache (KNOT_CACHE_DIR) for the warm runs; default: a fresh
                      directory for this benchmark, warmed before timing (see the script's header)
  --rev REV           benchmark knot as of git revision REV (built in a temporary directory)
                      instead of a snapshot of the current build
  --promela DIR       the Promela material (gen.mjs, kvm_vfio_*.pml); default tools/bench/promela
  --install-spin      install Spin and gcc with apt-get (as root) when spin is missing
  --help`;

function parseArgs(argv) {
  const o = { runs: 5, only: undefined, sizes: undefined, quick: false, fingerprint: false, exact: true, huge: false,
    hugeSpin: false, dlFull: false, lockOrder: true, json: undefined, promela: join(here, 'promela'), installSpin: false, cache: undefined, rev: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) die(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--runs': o.runs = Number(value()); if (!(Number.isInteger(o.runs) && o.runs > 0)) die('--runs needs a positive whole number'); break;
      case '--only': o.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--sizes': o.sizes = parseSizes(value()); break;
      case '--quick': o.quick = true; break;
      case '--fingerprint': o.fingerprint = true; break;
      case '--fingerprint-only': o.fingerprint = true; o.exact = false; break;
      case '--huge': o.huge = true; break;
      case '--huge-spin': o.hugeSpin = true; break;
      case '--dl-full': o.dlFull = true; break;
      case '--no-lock-order': o.lockOrder = false; break;
      case '--json': o.json = resolve(value()); break;
      case '--promela': o.promela = resolve(value()); break;
      case '--cache': o.cache = resolve(value()); break;
      case '--rev': o.rev = value(); break;
      case '--install-spin': o.installSpin = true; break;
      case '--help': case '-h': console.log(HELP); process.exit(0); break;
      default: die(`unknown option ${a}\n\n${HELP}`);
    }
  }
  return o;
}

function parseSizes(text) {
  const out = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) die(`--sizes: cannot read '${part}' (write 8,9 or 8-11)`);
    const lo = Number(m[1]), hi = m[2] ? Number(m[2]) : lo;
    for (let n = lo; n <= hi; n++) out.push(n);
  }
  return out;
}

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

/** The (model, size) pairs to run. */
function selection(o) {
  let names = Object.keys(MODELS).filter((m) => !MODELS[m].optional);
  if (o.only) {
    names = [];
    for (const want of o.only) {
      const hits = Object.keys(MODELS).filter((m) => m === want || m.startsWith(want));
      if (hits.length === 0) die(`--only: no model '${want}' (models: ${Object.keys(MODELS).join(', ')})`);
      for (const h of hits) if (!names.includes(h)) names.push(h);
    }
  }
  const out = [];
  for (const name of names) {
    const m = MODELS[name];
    let sizes = o.quick ? m.quick : m.sizes;
    if (o.sizes && m.sizes[0] !== null) sizes = o.sizes;
    for (const n of sizes) out.push({ name, n });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Processes

function run(cmd, args, { cwd = root, env, check = false, input, encoding = 'utf8' } = {}) {
  const r = spawnSync(cmd, args, { cwd, env: env ?? process.env, encoding, maxBuffer: 1 << 30, input });
  if (r.error) throw r.error;
  if (check && r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}${r.stdout}`);
  return r;
}

let timeSeq = 0;
/** Run one process under GNU time: wall seconds (hrtime), peak RSS in bytes, output. */
function timed(cmd, args, opts = {}) {
  const tfile = join(tmpdir(), `knot-bench-time-${process.pid}-${timeSeq++}`);
  const t0 = process.hrtime.bigint();
  const r = run(GNU_TIME, ['-f', '%M %U %S', '-o', tfile, cmd, ...args], opts);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  let rss = NaN, cpu = NaN;
  try {
    const lines = readFileSync(tfile, 'utf8').trim().split('\n');
    const [m, u, sy] = lines[lines.length - 1].split(' ').map(Number);
    rss = m * 1024; // %M is in KiB
    cpu = u + sy;
    rmSync(tfile, { force: true });
  } catch { /* time could not write: leave NaN */ }
  return { wall, rss, cpu, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------------------
// knot

function knotArgs(cfg, o, store, symmetry = true) {
  const t = MODELS[cfg.name].knot(cfg.n);
  const args = [CLI, 'check', t.file, ...t.set.flatMap((s) => ['--set', s]), '--format', 'json', '--store', store];
  if (!symmetry) args.push('--symmetry', 'off');
  if (!o.lockOrder) args.push('--no-lock-order');
  if (o.dlFull && MODELS[cfg.name].expect === 'deadlock') args.push('--all');
  return args;
}

function knotRun(cfg, o, store, cacheDir = o.cacheDir, symmetry = true) {
  const args = knotArgs(cfg, o, store, symmetry);
  const r = timed(process.execPath, args, { env: { ...process.env, KNOT_CACHE_DIR: cacheDir } });
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`knot gave no JSON report (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}) for node ${args.slice(1).join(' ')}:\n${r.stderr.slice(0, 4000)}`);
  }
  const s = report.statistics ?? {};
  const kinds = (report.violations ?? []).map((v) => v.kind);
  if (report.verdict === 'error' || s.states === undefined) {
    const diags = (report.diagnostics ?? []).map((d) => d.message ?? JSON.stringify(d)).join('; ');
    throw new Error(`knot could not check ${label(cfg)} (exit ${r.status}): ${diags || r.stderr.slice(0, 2000)}`);
  }
  return {
    tool: 'knot', wall: r.wall, cpu: r.cpu, rss: r.rss, exit: r.status, load: loadavg(),
    verdict: report.verdict, kinds, complete: s.complete,
    states: s.states, transitions: s.transitions, depth: s.depth,
    search: s.seconds, bytes: s.bytes, stateBytes: s.stateBytes, store: s.store, engine: s.engine,
    collisionProbability: s.collisionProbability,
    symmetry: (s.symmetry?.used.length ?? 0) > 0,
  };
}

function knotVerdictProblem(cfg, r) {
  const want = MODELS[cfg.name].expect;
  if (want === 'pass') {
    if (r.verdict !== 'pass' || !r.complete) return `expected pass over the whole state space, got ${r.verdict}${r.kinds.length ? ` (${r.kinds.join(', ')})` : ''}${r.complete ? '' : ', incomplete'}`;
  } else if (r.verdict !== 'violation' || r.kinds.length === 0 || !r.kinds.every((k) => DEADLOCK_KINDS.includes(k))) {
    return `expected a deadlock (${DEADLOCK_KINDS.join(' / ')}), got ${r.verdict}${r.kinds.length ? ` (${r.kinds.join(', ')})` : ''}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Spin

function spinVersion() {
  const r = spawnSync('spin', ['-V'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? undefined : r.stdout.trim();
}

function ensureTools(o) {
  if (!existsSync(GNU_TIME) || spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status !== 0) {
    die(`GNU time (${GNU_TIME}) is missing; it measures each process's peak memory. Install it with:\n  apt-get install -y time`);
  }
  const missing = [];
  if (!spinVersion()) missing.push('spin');
  if (spawnSync('gcc', ['--version']).status !== 0) missing.push('gcc');
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version']).status === 0;
  if (o.installSpin) {
    if (!isRoot || !hasApt) die(`--install-spin needs root and apt-get; install by hand:\n  apt-get install -y spin gcc`);
    console.log('installing Spin and gcc: apt-get update && apt-get install -y spin gcc');
    for (const args of [['update'], ['install', '-y', 'spin', 'gcc']]) {
      const r = spawnSync('apt-get', args, { stdio: 'inherit' });
      if (r.status !== 0) die(`apt-get ${args.join(' ')} failed`);
    }
    if (!spinVersion()) die('spin is still not found after installing it');
    return;
  }
  die(`${missing.join(' and ')} not found. Spin (and gcc, to compile its verifier) is needed for the comparison. Get it with:\n` +
    `  apt-get install -y spin gcc\n` +
    (isRoot && hasApt ? `or rerun with --install-spin to let the benchmark do that.` : `(as root, or with sudo).`));
}

/** Sizing of pan: -m (DFS depth) and -w (hash bits). */
function panSizing(states, depth) {
  return {
    m: Math.max(10000, Math.ceil(depth * 1.1) + 100),
    w: Math.min(34, Math.max(16, Math.ceil(Math.log2(Math.max(2, states))) + 1)),
  };
}

function parsePan(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : undefined;
  };
  const err = /pan:1: (.*)/.exec(out);
  return {
    states: num(/^\s*(\d+) states, stored/m),
    transitions: num(/^\s*(\d+) transitions \(= stored\+matched\)/m),
    depth: num(/depth reached (\d+)/),
    errors: num(/errors: (\d+)/),
    error: err ? err[1].trim() : undefined,
    memMiB: num(/^\s*([\d.]+)\s+total actual memory usage/m),
    vector: num(/State-vector (\d+) byte/),
    panSeconds: num(/pan: elapsed time ([\d.e+-]+) seconds/),
    depthTooSmall: /max search depth too small/.test(out),
    memLimit: /reached -DMEMLIM bound|out of memory/i.test(out),
  };
}

function spinRun(cfg, o, hc, sizing, memlimMiB = 16384, reduce = false, ncore = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'knot-bench-spin-'));
  try {
    copyFileSync(MODELS[cfg.name].pml(cfg.n, o.promela), join(dir, 'model.pml'));
    const a = timed('spin', ['-a', 'model.pml'], { cwd: dir });
    if (a.status !== 0) throw new Error(`spin -a failed for ${label(cfg)}:\n${a.stdout}${a.stderr}`);
    const flags = ['-O2', '-DSAFETY', ...(reduce ? [] : ['-DNOREDUCE']), ...(ncore > 1 ? [`-DNCORE=${ncore}`] : []), `-DMEMLIM=${memlimMiB}`, ...(hc ? ['-DHC4'] : []), '-o', 'pan', 'pan.c'];
    const c = timed('gcc', flags, { cwd: dir });
    if (c.status !== 0) throw new Error(`gcc failed for ${label(cfg)}:\n${c.stderr}`);
    const dl = MODELS[cfg.name].expect === 'deadlock';
    const p = timed('./pan', [`-m${sizing.m}`, `-w${sizing.w}`, dl && !o.dlFull ? '-c1' : '-c0'], { cwd: dir });
    const pan = parsePan(p.stdout);
    if (pan.states === undefined) throw new Error(`pan gave no statistics for ${label(cfg)} (exit ${p.status}${p.signal ? `, ${p.signal}` : ''}):\n${p.stdout.slice(-3000)}${p.stderr}`);
    return {
      tool: 'spin', wall: a.wall + c.wall + p.wall, cpu: a.cpu + c.cpu + p.cpu, rss: p.rss, search: p.wall, load: loadavg(),
      stages: { spinA: { wall: a.wall, cpu: a.cpu, rss: a.rss }, gcc: { wall: c.wall, cpu: c.cpu, rss: c.rss }, pan: { wall: p.wall, cpu: p.cpu, rss: p.rss } },
      states: pan.states, transitions: pan.transitions, depth: pan.depth, errors: pan.errors, error: pan.error,
      bytes: pan.memMiB * 2 ** 20, vector: pan.vector, panSeconds: pan.panSeconds,
      depthTooSmall: pan.depthTooSmall, memLimit: pan.memLimit, sizing, hc,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function spinVerdictProblem(cfg, r) {
  if (r.depthTooSmall) return `pan: max search depth too small (-m${r.sizing.m})`;
  if (r.memLimit) return 'pan ran out of memory (-DMEMLIM)';
  const want = MODELS[cfg.name].expect;
  if (want === 'pass' && r.errors !== 0) return `expected no errors, pan reported: ${r.error ?? `${r.errors} errors`}`;
  if (want === 'deadlock' && !/invalid end state/.test(r.error ?? '')) return `expected an invalid end state, pan reported: ${r.error ?? 'no error'}`;
  return undefined;
}

/** Spin's sizing run: grow -m until pan's depth fits, then size -m and -w from its own figures. */
function spinSize(cfg, o, hc, knotStates) {
  let sizing = panSizing(knotStates, Math.max(10000, 2 * knotStates));
  for (let attempt = 0; attempt < 6; attempt++) {
    const r = spinRun(cfg, o, hc, sizing);
    if (!r.depthTooSmall) return { first: r, sizing: panSizing(r.states, r.depth) };
    sizing = { ...sizing, m: sizing.m * 4 };
  }
  throw new Error(`pan's search depth kept overflowing for ${label(cfg)}`);
}

// ---------------------------------------------------------------------------
// Statistics and formatting

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

const short = (r) => (r.n === null ? r.name : `${r.name}/${r.n}`);

function label(cfg) {
  return cfg.n === null ? cfg.name : `${cfg.name} N=${cfg.n}`;
}

const int = (x) => (x === undefined || Number.isNaN(x) ? '–' : Math.round(x).toLocaleString('en-US'));
function secs(x) {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}
function rate(x) {
  if (!Number.isFinite(x) || x <= 0) return '–';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(0)} k`;
  return x.toFixed(0);
}
const mib = (b) => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(b >= 10 * 2 ** 20 ? 0 : 1) : '–');
const perState = (b, s) => (Number.isFinite(b) && s > 0 ? (b / s).toFixed(1) : '–');
const ratio = (x) => (Number.isFinite(x) && x > 0 ? `${x.toFixed(2)}x` : '–');

function table(header, rows, align) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (align[i] === 'l' ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ').trimEnd();
  return [line(header), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

/** Medians of one tool's runs. */
function summarize(runs) {
  const states = runs.map((r) => r.states);
  const transitions = runs.map((r) => r.transitions);
  return {
    states: median(states), transitions: median(transitions),
    stable: states.every((s) => s === states[0]) && transitions.every((t) => t === transitions[0]),
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    spread: (Math.max(...runs.map((r) => r.wall)) - Math.min(...runs.map((r) => r.wall))) / median(runs.map((r) => r.wall)),
    search: median(runs.map((r) => r.search)),
    rss: median(runs.map((r) => r.rss)),
    bytes: median(runs.map((r) => r.bytes)),
    rate: median(runs.map((r) => r.states / r.search)),
  };
}

const NOISY = 0.2;
const noisy = (t) => (t.spread > NOISY ? '~' : ' ');

function renderTable(results, fingerprint) {
  const header = ['model', 'N', 'tool', 'states', 'transitions', 'wall s', 'states/s', 'B/state', 'peak RSS MiB',
    'Spin/knot time', 'knot/Spin states/s'];
  const rows = [];
  for (const r of results) {
    const k = r.knot, s = r.spin;
    const engine = `knot${fingerprint ? ' fp' : ''}`;
    rows.push([r.name, r.n ?? '–', engine, int(k.states) + (k.stable ? '' : '?'), int(k.transitions), secs(k.wall) + noisy(k), rate(k.rate),
      perState(k.bytes, k.states), mib(k.rss), ratio(s.wall / k.wall), ratio(k.rate / s.rate)]);
    rows.push(['', '', fingerprint ? 'Spin HC4' : 'Spin', int(s.states) + (s.stable ? '' : '?'), int(s.transitions), secs(s.wall) + noisy(s), rate(s.rate),
      perState(s.bytes, s.states), mib(s.rss), '', '']);
    if (r.knotFull) rows.push(['', '', `${engine} unreduced`, int(r.knotFull.states), int(r.knotFull.transitions), `${secs(r.knotFull.wall)}*`, rate(r.knotFull.states / r.knotFull.search), perState(r.knotFull.bytes, r.knotFull.states), mib(r.knotFull.rss), '', '']);
    if (r.spinPor) rows.push(['', '', fingerprint ? 'Spin HC4 POR' : 'Spin POR', int(r.spinPor.states), int(r.spinPor.transitions), `${secs(r.spinPor.wall)}*`, rate(r.spinPor.states / r.spinPor.search), '', '', '', '']);
    if (r.spinMulti) rows.push(['', '', 'Spin NCORE=2', int(r.spinMulti.states), int(r.spinMulti.transitions), `${secs(r.spinMulti.wall)}*`, rate(r.spinMulti.states / r.spinMulti.search), '', '', '', '']);
  }
  return table(header, rows, ['l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
}

// ---------------------------------------------------------------------------
// The benchmark

function machine() {
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  let load = '';
  try { load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { /* not Linux */ }
  return {
    date: new Date().toISOString(),
    cpu: `${cpus()[0]?.model ?? '?'} x ${cpus().length}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    spin: spinVersion() ?? '?',
    gcc: gcc.status === 0 ? gcc.stdout.split('\n')[0] : '?',
    loadavg: load,
  };
}

/** The 1-minute load average, to judge how busy the machine was. */
function loadavg() {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

function progress(msg) {
  process.stderr.write(`${msg}\n`);
}

/** Check, warm and size every configuration, then time it: interleaved knot, Spin, knot, ... */
function benchmark(o, configs, store) {
  const fingerprint = store === 'fingerprint';
  const prepared = [];
  progress(`\n${fingerprint ? 'fingerprint' : 'exact'} store: checking verdicts, warming knot's cache, sizing pan`);
  const problems = [];
  for (const cfg of configs) {
    const coldDir = mkdtempSync(join(tmpdir(), 'knot-bench-cold-cache-'));
    let cold, warm, spin;
    try {
      cold = knotRun(cfg, o, store, coldDir);
    } finally {
      rmSync(coldDir, { recursive: true, force: true });
    }
    warm = knotRun(cfg, o, store); // fills the benchmark's cache if the search is long enough to compile
    for (const r of [cold, warm]) {
      const p = knotVerdictProblem(cfg, r);
      if (p) problems.push(`knot, ${label(cfg)}: ${p}`);
    }
    if (cold.states !== warm.states || cold.transitions !== warm.transitions) {
      problems.push(`knot, ${label(cfg)}: ${cold.engine} engine (cold cache) counted ${cold.states} states / ${cold.transitions} transitions, ${warm.engine} engine (warm) ${warm.states} / ${warm.transitions}`);
    }
    spin = spinSize(cfg, o, fingerprint, warm.states ?? 100000);
    const sp = spinVerdictProblem(cfg, spin.first);
    if (sp) problems.push(`Spin, ${label(cfg)}: ${sp}`);
    progress(`  ${label(cfg).padEnd(22)} knot ${warm.verdict.padEnd(9)} ${int(warm.states).padStart(11)} states (${warm.engine})   ` +
      `Spin ${spin.first.errors ? spin.first.error : 'no errors'}, ${int(spin.first.states)} states, depth ${int(spin.first.depth)} -> -m${spin.sizing.m} -w${spin.sizing.w}`);
    prepared.push({ cfg, cold, warmup: warm, spinSizing: spin.sizing, spinFirst: spin.first });
  }
  if (problems.length) {
    throw new Error(`a model does not give the verdict it should; nothing was timed:\n  ${problems.join('\n  ')}`);
  }

  const results = [];
  for (const p of prepared) {
    const knotRuns = [], spinRuns = [];
    for (let i = 0; i < o.runs; i++) {
      knotRuns.push(knotRun(p.cfg, o, store));
      let s = spinRun(p.cfg, o, fingerprint, p.spinSizing);
      if (s.depthTooSmall) { // the depth moved (hash-compaction may merge states differently): grow -m and redo
        p.spinSizing = { ...p.spinSizing, m: p.spinSizing.m * 2 };
        s = spinRun(p.cfg, o, fingerprint, p.spinSizing);
      }
      spinRuns.push(s);
      progress(`  ${label(p.cfg).padEnd(22)} run ${i + 1}/${o.runs}: knot ${secs(knotRuns[i].wall)} s, Spin ${secs(s.wall)} s`);
    }
    for (const r of knotRuns) {
      const prob = knotVerdictProblem(p.cfg, r);
      if (prob) throw new Error(`knot, ${label(p.cfg)}: ${prob} on a timed run`);
    }
    for (const r of spinRuns) {
      const prob = spinVerdictProblem(p.cfg, r);
      if (prob) throw new Error(`Spin, ${label(p.cfg)}: ${prob} on a timed run`);
    }
    // Spin with its partial-order reduction (its default), one run: the states it needs, and its time
    const por = spinRun(p.cfg, o, fingerprint, p.spinSizing, 16384, true);
    // and unreduced on every core (-DNCORE), one run: its multi-core search
    // a model knot reduces by symmetry: the full search too, one run (--symmetry off)
    const full = knotRuns[0].symmetry ? knotRun(p.cfg, o, store, o.cacheDir, false) : undefined;
    // (Spin refuses -DNCORE for a model with hidden variables, as knot's Promela twins have: no row then)
    let multi;
    try {
      multi = cpus().length > 1 && !fingerprint ? spinRun(p.cfg, o, false, p.spinSizing, 16384, false, Math.min(2, cpus().length)) : undefined;
    } catch {
      multi = undefined;
    }
    results.push({
      name: p.cfg.name, n: p.cfg.n, store, dlFull: o.dlFull,
      knot: summarize(knotRuns), spin: summarize(spinRuns), spinPor: { states: por.states, transitions: por.transitions, wall: por.wall, search: por.search },
      ...(full ? { knotFull: { states: full.states, transitions: full.transitions, wall: full.wall, search: full.search, bytes: full.bytes, rss: full.rss } } : {}),
      ...(multi ? { spinMulti: { states: multi.states, transitions: multi.transitions, wall: multi.wall, search: multi.search } } : {}),
      build: knotBuildCost(p.cfg),
      engine: knotRuns[0].engine, stateBytes: knotRuns[0].stateBytes, collisionProbability: knotRuns[0].collisionProbability,
      spinSizing: p.spinSizing, spinCompile: median(spinRuns.map((r) => r.stages.spinA.wall + r.stages.gcc.wall)),
      cold: { wall: p.cold.wall, engine: p.cold.engine, search: p.cold.search },
      runs: { knot: knotRuns, spin: spinRuns },
    });
  }
  return results;
}

/**
 * What building knot's compiled engine costs for a model: `knot compile --emit js --no-cache`
 * (generate and parse the module) less `--emit ir` (the same front end and lowering): medians of
 * five runs each, interleaved.
 */
function knotBuildCost(cfg) {
  const args = knotArgs(cfg, { lockOrder: true }, 'exact');
  const model = args[2];
  const sets = args.flatMap((a, i) => (a === '--set' ? ['--set', args[i + 1]] : []));
  const js = [], ir = [];
  for (let i = 0; i < 5; i++) {
    js.push(timed(process.execPath, [CLI, 'compile', model, ...sets, '--emit', 'js', '--no-cache']));
    ir.push(timed(process.execPath, [CLI, 'compile', model, ...sets, '--emit', 'ir']));
  }
  if (js[0].status !== 0) return undefined;
  return { kb: js[0].stdout.length / 1024, ms: Math.max(0, (median(js.map((r) => r.wall)) - median(ir.map((r) => r.wall))) * 1000) };
}

function buildLine(results) {
  const parts = results.filter((r) => r.build).map((r) => `${short(r)} ${r.build.kb.toFixed(0)} KB in ${r.build.ms.toFixed(0)} ms (${(r.build.ms / r.build.kb).toFixed(2)} ms/KB)`);
  return parts.length ? `knot's compiled engine, built from scratch (knot compile --emit js --no-cache less --emit ir; medians of 5): ${parts.join(', ')}` : '';
}

function coldLine(results) {
  const parts = results.map((r) => {
    const d = r.cold.wall - r.knot.wall;
    return `${r.n === null ? r.name : `${r.name}/${r.n}`} ${secs(r.cold.wall)} s (${r.cold.engine}; ${d >= 0 ? '+' : ''}${d.toFixed(2)})`;
  });
  return `cold start, knot (first run with an empty compile cache, default engine auto; in brackets the engine that finished the search and the difference to the warm median):\n  ${parts.join(', ')}`;
}

function notes(results, exactResults) {
  const out = [];
  const spinC = median(results.map((r) => r.spinCompile));
  out.push(`Spin's wall time includes spin -a + gcc: ${secs(spinC)} s median per run.`);
  const loads = results.flatMap((r) => [...r.runs.knot, ...r.runs.spin].map((x) => x.load)).filter((x) => !Number.isNaN(x));
  if (loads.length) out.push(`1-minute load average over the timed runs: median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)} (${cpus().length} CPUs).`);
  if (results.some((r) => r.knot.spread > NOISY || r.spin.spread > NOISY)) out.push(`'~': the wall times of that row's runs spread over more than ${NOISY * 100}% of their median (a busy machine?).`);
  const unstable = results.filter((r) => !r.knot.stable || !r.spin.stable);
  if (unstable.length) out.push(`'?': counts varied between runs for ${unstable.map((r) => label(r)).join(', ')}.`);
  const missed = { spin: [], knot: [] };
  for (const r of results) {
    const complete = !(r.name.endsWith('_dl') && !r.dlFull);
    if (r.store === 'exact' && r.name.startsWith('philo') && complete && r.knot.states !== r.spin.states) {
      out.push(`${label(r)}: knot and Spin count different states (${int(r.knot.states)} / ${int(r.spin.states)}): one of them is wrong.`);
    }
    const e = r.store === 'fingerprint' && exactResults?.find((x) => x.name === r.name && x.n === r.n);
    if (e && complete) {
      if (r.spin.states !== e.spin.states) missed.spin.push(`${short(r)} ${int(e.spin.states - r.spin.states)}`);
      if (r.knot.states !== e.knot.states) missed.knot.push(`${short(r)} ${int(e.knot.states - r.knot.states)}`);
    }
  }
  if (missed.spin.length) out.push(`states Spin -DHC4 missed against its exact search (hash-compaction collisions): ${missed.spin.join(', ')}.`);
  if (missed.knot.length) out.push(`states knot's fingerprint store missed against its exact store (fingerprint collisions): ${missed.knot.join(', ')}.`);
  return out;
}

function hugeRun(o) {
  const n = o.sizes?.[0] ?? HUGE.size;
  const cfg = { name: HUGE.model, n };
  progress(`huge: knot --store fingerprint on ${label(cfg)} (one run; several minutes)`);
  const knot = knotRun(cfg, o, 'fingerprint');
  const problem = knotVerdictProblem(cfg, knot);
  const lines = [];
  lines.push(`huge run: ${label(cfg)}, knot --store fingerprint${o.lockOrder ? '' : ' --no-lock-order'}, one run`);
  lines.push(`  ${int(knot.states)} states, ${int(knot.transitions)} transitions, depth ${knot.depth}, verdict ${knot.verdict}${problem ? ` (WRONG: ${problem})` : ''}`);
  lines.push(`  wall ${secs(knot.wall)} s end to end, search ${secs(knot.search)} s, ${rate(knot.states / knot.search)} states/s (${knot.engine} engine)`);
  lines.push(`  search memory ${mib(knot.bytes)} MiB (${perState(knot.bytes, knot.states)} B/state; state ${knot.stateBytes} B packed), peak RSS ${mib(knot.rss)} MiB, collision probability ${knot.collisionProbability?.toExponential(2) ?? '–'}`);
  let spin;
  if (o.hugeSpin) {
    progress(`huge: Spin -DHC4 on ${label(cfg)}`);
    // the philosophers' DFS depth without reduction is close to the state count: -m = states
    // (48 B a level); -w = ceil(log2(states)) keeps the table at 8-16 B a state; the memory
    // limit is raised to 20 GiB (DFS stack + table + states come to some 14 GB at N=15)
    const sizing = { m: knot.states, w: Math.ceil(Math.log2(knot.states)) };
    spin = spinRun(cfg, o, true, sizing, 20480);
    lines.push(`  Spin -DHC4 (-m${sizing.m} -w${sizing.w}): ${int(spin.states)} states, ${int(spin.transitions)} transitions, depth ${int(spin.depth)}${spin.depthTooSmall ? ' (max search depth too small!)' : ''}${spin.memLimit ? ' (out of memory!)' : ''}`);
    lines.push(`    wall ${secs(spin.wall)} s (pan ${secs(spin.search)} s), ${rate(spin.states / spin.search)} states/s, pan memory ${mib(spin.bytes)} MiB (${perState(spin.bytes, spin.states)} B/state), peak RSS ${mib(spin.rss)} MiB`);
  }
  return { cfg, knot, spin, text: lines.join('\n') };
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) die(`${CLI} is missing: build first (pnpm build), or run pnpm bench, which builds`);
  ensureTools(o);
  const build = knotBuild(o);
  o.cacheDir = o.cache ?? tempDir('knot-bench-cache-');
  const info = machine();
  info.knot = build.desc;
  info.knotBuild = build.id;
  const out = { machine: info, options: { ...o, promela: o.promela }, exact: undefined, fingerprint: undefined, huge: undefined };
  const header = [
    `knot vs Spin -- ${info.date.slice(0, 16).replace('T', ' ')}, ${info.cpu}, ${info.memory}, Node ${info.node}, ${info.knot}, ${info.spin.replace(/ --.*/, '')}, ${info.gcc}`,
    `medians of ${o.runs} runs, interleaved knot, Spin, ...; wall = whole process(es) end to end (knot: Node start to exit; Spin: spin -a + gcc + pan);`,
    `states/s = states / search time (knot's own, pan's process); B/state = the tool's own search memory / states; peak RSS: knot's node, Spin's pan.`,
    `Spin/knot time > 1: knot is faster end to end. knot/Spin states/s > 1: knot searches faster. Spin: -DSAFETY -DNOREDUCE; dl models: ${o.dlFull ? 'whole state space (knot --all, pan -c0)' : 'stop at the first error (time to the verdict)'}.`,
    `knot: ${o.lockOrder ? 'default checks, lock-order analysis included (Spin does none)' : '--no-lock-order'}; engine auto (compiled code from the warm cache).`,
  ].join('\n');

  if (o.huge) {
    const h = hugeRun(o);
    out.huge = { cfg: h.cfg, knot: h.knot, spin: h.spin };
    console.log(`\n${header.split('\n')[0]}\n${h.text}`);
  } else {
    const configs = selection(o);
    if (configs.length === 0) die('nothing selected');
    let exact;
    const sections = [header];
    if (o.exact) {
      exact = benchmark(o, configs, 'exact');
      out.exact = exact;
      sections.push(`\nexact store (knot --store exact; Spin's default exact storage)\n${renderTable(exact, false)}\n${coldLine(exact)}\n${buildLine(exact)}\n` +
        "knot unreduced: for a model knot reduces by symmetry, one run with --symmetry off; Spin POR: one run of Spin with its partial-order reduction (no -DNOREDUCE); Spin NCORE=2: one unreduced run on two cores (-DNCORE=2); their wall times are marked * (one run, not a median).");
      const n = notes(exact);
      if (n.length) sections.push(n.join('\n'));
    }
    if (o.fingerprint) {
      const fp = benchmark(o, configs, 'fingerprint');
      out.fingerprint = fp;
      const cp = fp.map((r) => `${r.n === null ? r.name : `${r.name}/${r.n}`} ${r.collisionProbability?.toExponential(1) ?? '–'}`).join(', ');
      sections.push(`\nfingerprint store (knot --store fingerprint, 64-bit fingerprints; Spin -DHC4 hash-compaction)\n${renderTable(fp, true)}\n` +
        `knot's collision probability (its own estimate that some state was missed): ${cp}`);
      const n = notes(fp, exact);
      if (n.length) sections.push(n.join('\n'));
    }
    console.log(`\n${sections.join('\n')}`);
  }
  if (o.json) {
    mkdirSync(dirname(o.json), { recursive: true });
    writeFileSync(o.json, JSON.stringify(out, null, 2) + '\n');
    progress(`figures saved to ${o.json}`);
  }
}

/**
 * The knot that is timed: a copy of the current build (packages/, with
 * node_modules linked), so that a rebuild while the benchmark runs cannot mix
 * two builds; or, with --rev, knot as of that revision, built in a temporary
 * directory. Returns a description for the header.
 */
function knotBuild(o) {
  const dir = tempDir('knot-bench-build-');
  const linkModules = () => {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  };
  if (o.rev) {
    const sha = run('git', ['rev-parse', '--short', `${o.rev}^{commit}`], { check: true }).stdout.trim();
    const tar = run('git', ['archive', '--format=tar', sha, 'packages', 'tsconfig.json', 'tsconfig.base.json'], { check: true, encoding: 'buffer' });
    run('tar', ['-x', '-C', dir], { check: true, input: tar.stdout, encoding: 'buffer' });
    // the workspace links (packages/*/node_modules) are not in git: copy them from this checkout
    for (const name of readdirSync(join(root, 'packages'))) {
      const nm = join(root, 'packages', name, 'node_modules');
      if (existsSync(nm) && existsSync(join(dir, 'packages', name))) cpSync(nm, join(dir, 'packages', name, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    }
    linkModules();
    progress(`building knot ${sha} in ${dir}`);
    run(join(root, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: dir, check: true });
    CLI = join(dir, 'packages', 'cli', 'dist', 'cli.js');
    return { desc: `knot ${sha} (--rev ${o.rev})`, id: buildId(dir) };
  }
  for (let attempt = 0; ; attempt++) {
    const before = buildId(root);
    rmSync(join(dir, 'packages'), { recursive: true, force: true });
    cpSync(join(root, 'packages'), join(dir, 'packages'), { recursive: true, verbatimSymlinks: true, filter: (src) => !/\.test\.|\.tsbuildinfo$/.test(src) });
    if (buildId(dir) === before || attempt >= 5) break; // copied while someone rebuilt: copy again
    spawnSync('sleep', ['2']);
  }
  if (!existsSync(join(dir, 'node_modules'))) linkModules();
  CLI = join(dir, 'packages', 'cli', 'dist', 'cli.js');
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: root, encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : '?';
  return { desc: `knot ${commit}${dirty.stdout.trim() ? '+uncommitted packages/ changes' : ''}, build ${buildId(dir)}`, id: buildId(dir) };
}

/** A hash of knot's built JavaScript, to notice a rebuild in the middle of a run. */
function buildId(base) {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.js')) h.update(p).update(readFileSync(p));
    }
  };
  const pk = join(base, 'packages');
  for (const name of readdirSync(pk).sort()) if (existsSync(join(pk, name, 'dist'))) walk(join(pk, name, 'dist'));
  return h.digest('hex').slice(0, 12);
}

process.on('SIGINT', () => {
  cleanTemps();
  process.exit(130);
});
try {
  main();
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  cleanTemps();
}
