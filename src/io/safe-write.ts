/**
 * Node-only: writing files so that nothing is lost. Every write goes to a temporary file beside the
 * target and is renamed over it, so a reader sees the old file or the whole new one, never half.
 * On top of the rename, the rules issue 14 asked for:
 * - a symlink is written through: its target is replaced, the link stays a link;
 * - an existing file keeps its permission bits (600 stays 600) and, where allowed, its owner;
 * - a device, FIFO, socket or folder is refused, and so is any path on a virtual file system
 *   (/proc, /sys, …) where a "file" is a kernel interface, not storage;
 * - the temporary file is removed on any error and on SIGINT/SIGTERM/SIGHUP during the write;
 * - several files (a TensorFlow.js model.json + weights.bin) go into place together or not at all;
 * - failures are FileErrors naming the path and the cause in words (no space left on device,
 *   ENOSPC), never a bare errno exception.
 * checkOutputs() is the check before any work: an output must not be one of the inputs (same path
 * or same inode) or another output, and its folder must exist and be writable.
 */
import {
  closeSync, constants, copyFileSync, existsSync, fchmodSync, fchownSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readlinkSync,
  realpathSync, renameSync, statfsSync, statSync, unlinkSync, writeSync, accessSync, type Stats,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { BackpropError } from '../tensor/errors.js';

/** A file that cannot be read or written; the message names the path and the cause. */
export class FileError extends BackpropError {}

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EROFS: 'read-only file system', ENOTDIR: 'a part of the path is not a folder', EISDIR: 'it is a folder', ENOENT: 'no such file or folder',
  EEXIST: 'already exists', EFBIG: 'file too large', EIO: 'input/output error', ENAMETOOLONG: 'name too long',
  ELOOP: 'too many levels of symbolic links', EMFILE: 'too many open files', ENFILE: 'too many open files', EXDEV: 'on another device',
  EBUSY: 'busy', ETXTBSY: 'busy', EINVAL: 'invalid argument', EAGAIN: 'temporarily unavailable', EPIPE: 'the reading end was closed',
  ENXIO: 'no such device', ENODEV: 'no such device', ESPIPE: 'not seekable',
};

/**
 * An I/O error's cause in words, with the code: "no space left on device, ENOSPC".
 * @example ioCause(Object.assign(new Error(), { code: 'EROFS' })) // 'read-only file system, EROFS'
 */
export function ioCause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && CAUSES[code]) return `${CAUSES[code]}, ${code}`;
  if (typeof code === 'string') return code;
  return (err as Error)?.message ?? String(err);
}

/** Whether `err` is one of Node's errno errors (it has a code like 'ENOSPC'). */
export function isIoError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

// f_type of file systems whose files are kernel interfaces, not storage (linux/magic.h).
const VIRTUAL_FS: Record<number, string> = {
  0x9fa0: 'proc', 0x62656572: 'sysfs', 0x64626720: 'debugfs', 0x74726163: 'tracefs', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2',
  0x73636673: 'securityfs', 0x1cd1: 'devpts', 0x62656570: 'configfs', 0xcafe4a11: 'bpf', 0x6165676c: 'pstore', 0xde5e81e4: 'efivarfs',
};

function virtualFs(dir: string): string | null {
  const real = (() => { try { return realpathSync(dir); } catch { return resolve(dir); } })();
  if (real === '/proc' || real.startsWith('/proc/')) return 'proc';
  if (real === '/sys' || real.startsWith('/sys/')) return 'sysfs';
  try {
    const type = Number(statfsSync(real).type);
    return VIRTUAL_FS[type] ?? null;
  } catch {
    return null;
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The file a write to `path` lands on: `path` itself, or, following symlinks (relative ones from
 * their own folder), the file they point to, even when that does not exist yet.
 * @example writeTarget('latest.json') // '/models/run-7.json' when latest.json → run-7.json
 */
export function writeTarget(path: string): string {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let st: Stats;
    try { st = lstatSync(p); } catch { return p; }
    if (!st.isSymbolicLink()) return p;
    const link = readlinkSync(p);
    p = isAbsolute(link) ? link : resolve(dirname(p), link);
  }
  throw new FileError(`${path}: too many levels of symbolic links`);
}

/** `label` in messages: "--out m.json" for a CLI option, else the path. */
function label(path: string, what?: string): string {
  return what ? `${what} ${path}` : path;
}

/**
 * Checks that `path` can be written as a regular file, before any work: its folder exists (or,
 * with `createFolder`, the nearest existing folder above it) and is writable, it is not on a
 * virtual file system, and it is not a folder, device, FIFO or socket. Returns the real target.
 * @example checkWritable('models/m.json', { what: '--out' })
 */
export function checkWritable(path: string, options: { what?: string; createFolder?: boolean } = {}): string {
  const at = label(path, options.what);
  const target = writeTarget(path);
  let dir = dirname(target);
  if (options.createFolder) {
    while (true) {
      let st: Stats | null = null;
      try { st = statSync(dir); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileError(`${at}: cannot use the folder ${dir} (${ioCause(err)})`); }
      if (st) { if (!st.isDirectory()) throw new FileError(`${at}: ${dir} is not a folder`); break; }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  } else {
    let st: Stats;
    try { st = statSync(dir); } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new FileError(`${at}: the folder ${dir} does not exist; create it first, choose another path, or end the path with / to have backprop create the folder`);
      throw new FileError(`${at}: cannot use the folder ${dir} (${ioCause(err)})`);
    }
    if (!st.isDirectory()) throw new FileError(`${at}: ${dir} is not a folder`);
  }
  const fsName = virtualFs(dir);
  if (fsName) throw new FileError(`${at}: ${dir} is on ${fsName}, a kernel interface, not storage; choose a file on disk`);
  try { accessSync(dir, constants.W_OK); } catch (err) {
    throw new FileError(`${at}: cannot write in ${dir} (${ioCause(err)}); choose another path`);
  }
  let st: Stats | null = null;
  try { st = statSync(target); } catch { /* does not exist yet: fine */ }
  if (st && !st.isFile()) {
    throw new FileError(`${at}: ${target === resolve(path) ? 'it' : `${target} (where the link points)`} is ${kindOf(st)}; backprop writes only regular files${st.isDirectory() ? ': give a file name' : ''}`);
  }
  return target;
}

/** An input or output of a command, for checkOutputs. */
export interface NamedPath {
  /** How the user named it: '--out', '--plot', 'the data file', 'the model'. */
  what: string;
  path: string;
}

function identity(path: string): { real: string; dev?: number; ino?: number } {
  const real = writeTarget(path);
  try {
    const st = statSync(path);
    return { real, dev: st.dev, ino: st.ino };
  } catch {
    return { real };
  }
}

/**
 * Refuses, before any work, an output that is one of the inputs (the same path, the same file
 * through a link, or the same inode through a hard link) or the same file as another output.
 * '-' (stdin/stdout) is never a file here.
 * @example checkDistinct([{ what: '--out', path: 'd.csv' }], [{ what: 'the data file', path: 'd.csv' }]) // throws
 */
export function checkDistinct(outputs: readonly NamedPath[], inputs: readonly NamedPath[]): void {
  const ins = inputs.filter((i) => i.path !== '-').map((i) => ({ ...i, id: identity(i.path) }));
  const outs = outputs.filter((o) => o.path !== '-').map((o) => ({ ...o, id: identity(o.path) }));
  const same = (a: ReturnType<typeof identity>, b: ReturnType<typeof identity>) =>
    a.real === b.real || (a.ino !== undefined && a.ino === b.ino && a.dev === b.dev);
  for (const [k, o] of outs.entries()) {
    for (const i of ins) {
      if (same(o.id, i.id)) {
        throw new FileError(`${o.what} ${o.path} is the same file as ${i.what} ${i.path}; writing it would destroy the input: choose another output path`);
      }
    }
    for (const p of outs.slice(0, k)) {
      if (same(o.id, p.id)) throw new FileError(`${o.what} ${o.path} and ${p.what} ${p.path} are the same file; give each output its own path`);
    }
  }
}

// ---- temporary files and signals ------------------------------------------------------------

const pending = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let listening = false;

function removePending(): void {
  for (const tmp of pending) { try { unlinkSync(tmp); } catch { /* already gone */ } }
  pending.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removePending();
  // Nobody else handles it: end the way the signal would have ended us.
  if (process.listenerCount(signal) === 1) {
    stopListening();
    process.kill(process.pid, signal);
  }
}

// Installed with the first write and kept: a signal that arrives during a synchronous write is
// dispatched on a later turn of the event loop, and must find a listener then, or it is lost. The
// listener only removes temporary files and, when it is the only one, re-raises the signal, so the
// process ends exactly as it would have without it.
function startListening(): void {
  if (listening) return;
  listening = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', removePending);
}

function stopListening(): void {
  if (!listening) return;
  listening = false;
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', removePending);
}

function release(tmp: string): void {
  pending.delete(tmp);
}

let counter = 0;
function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${(counter++).toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/** Writes `data` to a new temporary file beside `target` with `target`'s mode (and owner); returns its path. */
function writeTemp(target: string, data: string | Uint8Array, at: string): string {
  let existing: Stats | null = null;
  try { existing = statSync(target); } catch { /* new file */ }
  if (existing && !existing.isFile()) throw new FileError(`${at}: it is ${kindOf(existing)}; backprop writes only regular files`);
  const tmp = tempPathFor(target);
  startListening();
  pending.add(tmp);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, existing ? existing.mode & 0o7777 : 0o666);
    if (existing) {
      fchmodSync(fd, existing.mode & 0o7777);
      try { fchownSync(fd, existing.uid, existing.gid); } catch { /* not ours to give away */ }
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.byteLength) {
      const n = writeSync(fd, bytes, off, bytes.byteLength - off);
      if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      off += n;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    return tmp;
  } catch (err) {
    if (fd !== null) { try { closeSync(fd); } catch { /* ignore */ } }
    try { unlinkSync(tmp); } catch { /* never created */ }
    release(tmp);
    throw err instanceof BackpropError ? err : new FileError(`${at}: cannot write (${ioCause(err)}); ${existing ? 'the existing file is unchanged' : 'nothing was written'}`);
  }
}

function prepare(path: string, options: WriteOptions): { target: string; at: string } {
  const at = label(path, options.what);
  if (options.createFolder) {
    try { mkdirSync(dirname(resolve(path)), { recursive: true }); } catch (err) {
      throw new FileError(`${at}: cannot create the folder ${dirname(resolve(path))} (${ioCause(err)})`);
    }
  }
  const target = checkWritable(path, options);
  return { target, at };
}

export interface WriteOptions {
  /** How the path is named in messages, e.g. '--out'. */
  what?: string;
  /** Create the folder (and those above it) first. */
  createFolder?: boolean;
}

/**
 * Writes `data` to `path` atomically and synchronously (see the file's comment for the rules).
 * Synchronous on purpose: no other code runs between the write and the rename, and a signal that
 * arrives meanwhile is handled after the file is complete.
 * @example writeFileAtomicSync('out.csv', text, { what: '--out' })
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  const { target, at } = prepare(path, options);
  const tmp = writeTemp(target, data, at);
  try {
    renameSync(tmp, target);
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* ignore */ }
    throw new FileError(`${at}: cannot replace the file (${ioCause(err)}); the existing file is unchanged`);
  } finally {
    release(tmp);
  }
}

/** writeFileAtomicSync as a promise (the same synchronous write). @example await writeFileAtomic('out.csv', text) */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  writeFileAtomicSync(path, data, options);
}

/**
 * Writes several files so that they go into place together or not at all: all are written to
 * temporary files first; then each old file is kept as a hard-linked backup while the new ones are
 * renamed in, and if any rename fails the ones already done are put back.
 * @example writeFilesAtomicSync([{ path: 'web/weights.bin', data: w }, { path: 'web/model.json', data: json }])
 */
export function writeFilesAtomicSync(files: readonly { path: string; data: string | Uint8Array; what?: string }[], options: WriteOptions = {}): void {
  const prepared = files.map((f) => ({ ...f, ...prepare(f.path, { ...options, what: f.what ?? options.what }) }));
  const temps: string[] = [];
  try {
    for (const f of prepared) temps.push(writeTemp(f.target, f.data, f.at));
  } catch (err) {
    for (const t of temps) { try { unlinkSync(t); } catch { /* ignore */ } release(t); }
    throw err;
  }
  const backups: (string | null)[] = [];
  const done: number[] = [];
  try {
    for (const f of prepared) {
      let backup: string | null = null;
      if (existsSync(f.target)) {
        backup = tempPathFor(f.target);
        pending.add(backup);
        backups.push(backup);
        try { linkSync(f.target, backup); } catch { copyFileSync(f.target, backup); }
      } else backups.push(null);
    }
    prepared.forEach((f, i) => { renameSync(temps[i], f.target); done.push(i); });
  } catch (err) {
    // Put back what was replaced; remove what was new.
    for (const i of done.reverse()) {
      const b = backups[i];
      try { if (b) renameSync(b, prepared[i].target); else unlinkSync(prepared[i].target); } catch { /* best effort */ }
    }
    for (const t of temps) { try { unlinkSync(t); } catch { /* renamed or gone */ } }
    const failed = prepared[done.length] ?? prepared[0];
    throw err instanceof BackpropError ? err : new FileError(`${failed.at}: cannot write (${ioCause(err)}); the existing files are unchanged`);
  } finally {
    for (const b of backups) if (b) { try { unlinkSync(b); } catch { /* restored */ } release(b); }
    for (const t of temps) release(t);
  }
}

/** Whether `child` is `parent` or inside it (both absolute). */
export function isInside(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}
