import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

/** What the checkpoint thread is started with (its workerData). */
export interface CheckpointSettings {
  path: string;
  /** How often it copies the log back into the database. */
  intervalMs: number;
  /** How long an asked-for checkpoint waits for readers on older snapshots. */
  restartWaitMs: number;
}

/** What SqliteCheckpointer tells the thread: checkpoint at once, or close. */
export type ToCheckpointer = 'checkpoint' | 'close';

/**
 * After each checkpoint: frames in the log and how many of them are in the database (both -1 when
 * the checkpoint failed), and whether it was asked for.
 */
export interface CheckpointReport {
  log: number;
  checkpointed: number;
  asked: boolean;
}

/**
 * Runs in the checkpoint thread (SqliteCheckpointer): its own connection checkpoints the log on a
 * timer, and at once when asked, and reports how long the log is and how much of it is in the
 * database. On the timer, PASSIVE: it never waits for the server's writers or readers, and a busy
 * checkpoint is simply tried again. Asked (a drain: the writer pauses for it), RESTART: it also
 * waits, up to restartWaitMs, for readers still on older snapshots, since a writer can start the
 * log over only when no reader is using it.
 */
if (parentPort) {
  const port = parentPort;
  const settings = workerData as CheckpointSettings;
  const db = new SqliteDatabase(settings.path);
  db.pragma('busy_timeout = 0');
  db.pragma('synchronous = FULL');
  type Checkpoint = { busy: number; log: number; checkpointed: number };
  const passive = db.prepare<[], Checkpoint>('PRAGMA wal_checkpoint(PASSIVE)');
  const restart = db.prepare<[], Checkpoint>('PRAGMA wal_checkpoint(RESTART)');
  const restarting = () => {
    db.pragma(`busy_timeout = ${settings.restartWaitMs}`);
    try {
      return restart.get()!;
    } finally {
      db.pragma('busy_timeout = 0');
    }
  };
  const report = (message: CheckpointReport) => port.postMessage(message);
  const run = (asked: boolean) => {
    try {
      const { log, checkpointed } = asked ? restarting() : passive.get()!;
      report({ log, checkpointed, asked });
    } catch {
      report({ log: -1, checkpointed: -1, asked });
    }
  };
  const timer = setInterval(() => run(false), settings.intervalMs);
  port.on('message', (message: ToCheckpointer) => {
    if (message === 'checkpoint') return run(true);
    clearInterval(timer);
    db.close();
    port.close();
  });
}
