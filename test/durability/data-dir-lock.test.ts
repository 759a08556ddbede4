import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireDataDirLock } from '../../src/db/data-dir-lock.ts';
import { createConversation, registerUser } from '../support/factories.ts';
import { client } from '../support/http.ts';
import { spawnServer, stopAllServers } from './processes.ts';

const folders: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-lock-'));
  folders.push(dir);
  return dir;
};

after(async () => {
  await stopAllServers();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('one process per embedded DATA_DIR', () => {
  it('refuses a second process, keeps the first serving, and lets a restart past a killed holder', async () => {
    const dataDir = freshDir();
    const first = spawnServer({ DATA_DIR: dataDir });
    const api = client(await first.listening());
    const user = await registerUser(api);
    const conversationId = await createConversation(api, user.token, { title: 'kept' });

    const second = spawnServer({ DATA_DIR: dataDir });
    const { code } = await second.exited();
    assert.notEqual(code, 0);
    const lines = second.stderr().trim().split('\n');
    assert.deepEqual(lines, [`Parley could not start: DATA_DIR ${dataDir} is in use by process ${first.pid}`]);
    // The refused process wrote nothing: the first one still serves its data.
    const read = await api.get(`/api/v1/conversations/${conversationId}`, { token: user.token });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.title, 'kept');
    assert.equal((await api.get('/readyz')).status, 200);

    // A crash leaves the lock file behind; its holder is gone, so it does not block a restart.
    assert.equal((await first.stop('SIGKILL')).signal, 'SIGKILL');
    assert.ok(existsSync(path.join(dataDir, 'parley.lock')));
    const third = spawnServer({ DATA_DIR: dataDir });
    const again = client(await third.listening());
    const reread = await again.get(`/api/v1/conversations/${conversationId}`, { token: user.token });
    assert.equal(reread.status, 200, reread.text);
    assert.equal(reread.body.title, 'kept');
    // A clean shutdown releases the folder.
    assert.equal((await third.stop('SIGTERM')).code, 0);
    assert.equal(existsSync(path.join(dataDir, 'parley.lock')), false);
  });
});

describe('acquireDataDirLock', () => {
  const deadPid = () => {
    const done = spawnSync(process.execPath, ['-e', '']);
    return done.pid as number;
  };

  it('refuses a second acquisition in the same process and frees the folder on release', () => {
    const dataDir = freshDir();
    const lock = acquireDataDirLock(dataDir);
    assert.throws(() => acquireDataDirLock(dataDir), { message: `DATA_DIR ${dataDir} is in use by process ${process.pid}` });
    lock.release();
    assert.equal(existsSync(path.join(dataDir, 'parley.lock')), false);
    acquireDataDirLock(dataDir).release();
  });

  it('takes over the lock of a process that is gone', () => {
    const dataDir = freshDir();
    const file = path.join(dataDir, 'parley.lock');
    writeFileSync(file, JSON.stringify({ pid: deadPid(), token: 'crashed' }));
    const lock = acquireDataDirLock(dataDir);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another program', { skip: !existsSync('/proc/self/stat') && 'needs /proc' }, () => {
    const dataDir = freshDir();
    const file = path.join(dataDir, 'parley.lock');
    // The parent process is alive, but it is not the process that wrote this lock (other start time).
    writeFileSync(file, JSON.stringify({ pid: process.ppid, started: '1', token: 'reused' }));
    const lock = acquireDataDirLock(dataDir);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('respects a live holder', () => {
    const dataDir = freshDir();
    const file = path.join(dataDir, 'parley.lock');
    // No start time recorded: a live pid is taken for the holder.
    writeFileSync(file, JSON.stringify({ pid: process.ppid, token: 'live' }));
    assert.throws(() => acquireDataDirLock(dataDir), { message: `DATA_DIR ${dataDir} is in use by process ${process.ppid}` });
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).token, 'live');
  });

  it('takes over an empty or torn lock file, and a release leaves a lock taken over by another alone', () => {
    const dataDir = freshDir();
    const file = path.join(dataDir, 'parley.lock');
    writeFileSync(file, '{"pid":');
    const lock = acquireDataDirLock(dataDir);
    // Another process took the folder over (say, after judging this one dead): its lock stays.
    const other = JSON.stringify({ pid: process.ppid, token: 'other' });
    writeFileSync(file, other);
    lock.release();
    assert.equal(readFileSync(file, 'utf8'), other);
  });

  it('names DATA_DIR when it cannot be a folder', () => {
    const parent = freshDir();
    const file = path.join(parent, 'not-a-folder');
    writeFileSync(file, '');
    assert.throws(() => acquireDataDirLock(file), /^Error: DATA_DIR .*not-a-folder cannot be used as a data folder \(E[A-Z]+\)$/);
  });
});
