import { readdirSync, readFileSync } from 'node:fs';

// Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks.
const TICKS_PER_SECOND = 100;

/**
 * CPU milliseconds used so far by the PostgreSQL server's processes on this machine (every process
 * named `postgres`: the backends of every connection, the WAL writer, the checkpointer), or
 * undefined where there is none (no /proc, or the server runs elsewhere). Switchboard on PostgreSQL
 * hands much of a message's work to the server; CPU per message counts it too (issue #16).
 * Processes that ended between two readings lose their time: the bench's pools stay open.
 */
export function localPostgresCpuMs(): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  let ticks = 0;
  let found = false;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      /* ended meanwhile */
    }
  }
  return found ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
}
