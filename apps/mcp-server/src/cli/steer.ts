/**
 * Steering a port's new connections to this process during a takeover (Linux), so that the
 * predecessor's listening socket can close without refusing anyone.
 *
 * Two processes listening with SO_REUSEPORT form one group: the kernel hands each new connection
 * to one of them by a hash of its addresses. When the predecessor closes its socket, the
 * connections the kernel already queued on it (handshake done, not yet accepted) are reset — a
 * refused request — unless `net.ipv4.tcp_migrate_req` is 1 (Linux ≥ 5.14; off by default). So
 * the successor first attaches a one-instruction classic BPF program to the group
 * (SO_ATTACH_REUSEPORT_CBPF): "return 1", the index of the socket that joined second — its own.
 * From then on every new connection is queued on the successor's socket; the predecessor's queue
 * only empties, and it closes an idle socket. The program stays with the group: once the
 * predecessor has left, index 1 does not exist and the kernel falls back to its hash (one
 * socket), and the next successor, joining second again, gets the new connections as soon as it
 * listens — which it does only when ready.
 *
 * Bun does not expose the listening socket's descriptor: it is found in /proc (the socket of this
 * process listening on the port), and `setsockopt` is called through `bun:ffi`. The one file of
 * the CLI that calls them.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const SOL_SOCKET = 1;
const SO_ATTACH_REUSEPORT_CBPF = 51;
/** BPF_RET | BPF_K: return the constant. */
const BPF_RET_K = 0x06;
/** The successor's index in the group: the predecessor's socket is 0. */
const SUCCESSOR = 1;
const TCP_LISTEN = '0A';

/** The C libraries tried, glibc first, then musl's (Alpine) names. */
const LIBC = ['libc.so.6', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1', 'libc.so'];

/** Socket inodes listening on `port` (any address) in this network namespace. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
      if (Number.parseInt(fields[1]?.split(':')[1] ?? '', 16) === port) inodes.add(fields[9] ?? '');
    }
  }
  return inodes;
}

/** The descriptor of this process's socket listening on `port`, if /proc shows it. */
function listeningDescriptor(port: number): number | undefined {
  const inodes = listeningInodes(port);
  for (const name of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && inodes.has(inode)) return Number(name);
  }
  return undefined;
}

/**
 * Makes this process's socket listening on `port` (with `reusePort`) the one the kernel queues new
 * connections on. `steered`, or why not (not Linux, no descriptor found, no C library, the call
 * failed): then the predecessor's close may reset the few connections queued on it at that moment.
 */
export async function steerNewConnections(port: number): Promise<'steered' | string> {
  if (process.platform !== 'linux') return `not on Linux (${process.platform})`;
  if (process.arch !== 'x64' && process.arch !== 'arm64') return `not a 64-bit ABI (${process.arch})`;
  const fd = listeningDescriptor(port);
  if (fd === undefined) return `no listening socket on port ${port} found in /proc/self/fd`;
  const { dlopen, FFIType, ptr } = await import('bun:ffi');
  for (const name of LIBC) {
    let libc: ReturnType<typeof openLibc>;
    try {
      libc = openLibc(dlopen, FFIType, name);
    } catch {
      continue;
    }
    try {
      // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }: return SUCCESSOR.
      const filter = new Uint8Array(8);
      new DataView(filter.buffer).setUint16(0, BPF_RET_K, true);
      new DataView(filter.buffer).setUint32(4, SUCCESSOR, true);
      // struct sock_fprog { u16 len; (padding) struct sock_filter *filter; } on a 64-bit ABI.
      const program = new Uint8Array(16);
      new DataView(program.buffer).setUint16(0, 1, true);
      new DataView(program.buffer).setBigUint64(8, BigInt(ptr(filter)), true);
      const rc = libc.symbols.setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, ptr(program), 16);
      return rc === 0 ? 'steered' : `setsockopt(SO_ATTACH_REUSEPORT_CBPF) failed`;
    } finally {
      libc.close();
    }
  }
  return 'no C library to call setsockopt through';
}

function openLibc(
  dlopen: typeof import('bun:ffi').dlopen,
  types: typeof import('bun:ffi').FFIType,
  name: string,
) {
  return dlopen(name, {
    setsockopt: {
      args: [types.i32, types.i32, types.i32, types.ptr, types.u32],
      returns: types.i32,
    },
  });
}
