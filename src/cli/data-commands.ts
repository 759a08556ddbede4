import { PurgeJob } from '../core/retention/purge-job.ts';
import { openDatabase } from '../db/client.ts';
import type { Command } from './command.ts';
import { count } from './format.ts';
import { databaseLabel, holdDataDir } from './runtime.ts';
import { readSchemaState } from './schema-state.ts';

const migrate: Command = {
  name: 'migrate',
  usage: '',
  summary: 'bring the database schema up to date, then exit (a server does it when it starts)',
  details: ['With PostgreSQL, servers may keep running: instances that migrate at once take turns.'],
  args: [],
  async run(ctx) {
    const { config } = ctx;
    const lock = holdDataDir(config);
    try {
      const before = await readSchemaState(config);
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      await database.close();
      const where = databaseLabel(config);
      if (before.pending.length === 0) {
        ctx.io.out(`Nothing to apply: ${where} is up to date (${count(before.known, 'migration')}).`);
      } else {
        ctx.io.out(`Applied ${count(before.pending.length, 'migration')} to ${where} (${before.pending.join(', ')}); it is up to date.`);
      }
    } finally {
      lock?.release();
    }
  },
};

const purge: Command = {
  name: 'purge',
  usage: '',
  summary: 'remove for good the deleted conversations, messages and files past DELETE_RETENTION_DAYS, now',
  details: ['Servers do the same every PURGE_INTERVAL_MINUTES; until then an admin can restore a deleted conversation.'],
  args: [],
  async run(ctx) {
    const runtime = await ctx.open();
    const days = ctx.config.retention.deleteRetentionDays;
    const job = new PurgeJob({
      conversations: runtime.core.conversations,
      retentionDays: days,
      intervalMs: ctx.config.retention.purgeIntervalMinutes * 60_000,
      // What was removed is printed below.
      log: { info() {}, error() {} },
    });
    const removed = await job.runNow();
    const what = `${count(removed.conversations, 'conversation')}, ${count(removed.messages, 'message')} and ${count(removed.files, 'file')}`;
    ctx.io.out(`Purged ${what} deleted more than ${count(days, 'day')} ago (DELETE_RETENTION_DAYS).`);
  },
};

export const dataCommands: Command[] = [migrate, purge];
