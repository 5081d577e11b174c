/**
 * Which established SSH connections a certificate opened: sshd (LogLevel VERBOSE) logs
 * `Connection from <ip> port <p> on …` when a connection starts and
 * `Accepted publickey for <user> from <ip> port <p> ssh2: … ID <key id> (serial <n>) CA …` when a
 * certificate authenticates it; `ss -tnpH` maps the still-established peer address to the sshd
 * processes holding it. Pure parsing: the client reads the log and runs ss.
 */

const normalizeIp = (ip: string) => ip.replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');

/**
 * Peer addresses (`ip port`) whose latest connection in the log authenticated with this serial
 * and key id. A later connection from the same address and port replaces the earlier one, so a
 * reused client port never points at someone else's session.
 */
export function connectionsOf(log: string, serial: number, keyId: string): Set<string> {
  const latest = new Map<string, { serial: number; keyId: string } | null>();
  for (const line of log.split('\n')) {
    const conn = /Connection from (\S+) port (\d+) on /.exec(line);
    if (conn) {
      latest.set(`${normalizeIp(conn[1]!)} ${conn[2]}`, null);
      continue;
    }
    const ok = /Accepted \S+ for \S+ from (\S+) port (\d+) ssh2(?:: .* ID (.+) \(serial (\d+)\) CA )?/.exec(line);
    if (ok) latest.set(`${normalizeIp(ok[1]!)} ${ok[2]}`, ok[4] === undefined ? null : { serial: Number(ok[4]), keyId: ok[3]! });
  }
  const out = new Set<string>();
  for (const [peer, cert] of latest) if (cert && cert.serial === serial && cert.keyId === keyId) out.add(peer);
  return out;
}

/** `ss -tnpH state established '( sport = :PORT )'` → peer address → PIDs holding the socket. */
export function parseSs(stdout: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of stdout.split('\n')) {
    const m = /^\s*\d+\s+\d+\s+\S+\s+(\S+):(\d+)\s+(users:.*)$/.exec(line);
    if (!m) continue;
    const pids = [...m[3]!.matchAll(/pid=(\d+)/g)].map((x) => Number(x[1]));
    out.set(`${normalizeIp(m[1]!)} ${m[2]}`, pids);
  }
  return out;
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  sid: number;
}

/** `/proc/<pid>/stat` → pid, parent and session id (the command name may hold spaces and parentheses). */
export function parseProcStat(stat: string): ProcInfo | undefined {
  const close = stat.lastIndexOf(')');
  const f = stat.slice(close + 2).split(' ');
  const pid = Number.parseInt(stat, 10);
  const ppid = Number(f[1]);
  const sid = Number(f[3]);
  return close > 0 && Number.isInteger(pid) && Number.isInteger(ppid) && Number.isInteger(sid) ? { pid, ppid, sid } : undefined;
}

/**
 * What to end for connections held by the sshd processes `holders`: every process below them
 * and every process in a session one of those started (sshd runs each command in a new session,
 * so `nohup cmd &` left behind by the user is found by its session id even after its parent has
 * gone). Sessions are only followed when their leader is such a descendant, so sshd's own
 * session and the one it was started from are never touched.
 */
export function sessionTargets(procs: ProcInfo[], holders: number[]): { user: number[]; sshd: number[] } {
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const sshd = new Set(holders);
  const below = new Set<number>();
  const stack = [...holders];
  while (stack.length) for (const c of children.get(stack.pop()!) ?? []) if (!sshd.has(c) && !below.has(c)) (below.add(c), stack.push(c));
  // Children of one holder may be the other holder (the privilege-separated child): not user processes.
  const sids = new Set(procs.filter((p) => below.has(p.pid) && p.sid === p.pid).map((p) => p.sid));
  const user = procs.filter((p) => !sshd.has(p.pid) && (below.has(p.pid) || sids.has(p.sid))).map((p) => p.pid);
  return { user: user.sort((a, b) => a - b), sshd: [...sshd].sort((a, b) => a - b) };
}
