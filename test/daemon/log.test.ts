import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { SecretValue } from '../../src/config/secrets.js';
import { createRootLogger } from '../../src/log.js';

it('writes to stdout and <logDir>/agent.log with secrets redacted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ce-log-'));
  try {
    let seen = '';
    const stdout = new Writable({ write(chunk: Buffer, _enc, cb) { seen += chunk.toString(); cb(); } });
    const root = createRootLogger({ level: 'info', logDir: join(dir, 'log'), stdout, sync: true });
    root.logger.child({ taskId: 't1' }).info({ password: 'hunter2', node: { auth: { passphrase: 'pp' } }, req: { headers: { authorization: 'Bearer hunter2' } }, secret: new SecretValue('sv') }, 'hello');
    root.flush();
    const file = await readFile(join(dir, 'log', 'agent.log'), 'utf8');
    for (const text of [seen, file]) {
      expect(text).toContain('"msg":"hello"');
      expect(text).toContain('"taskId":"t1"');
      expect(text).not.toMatch(/hunter2|"pp"|"sv"/);
      expect(text).toContain('[redacted]');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
