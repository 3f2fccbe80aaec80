// Child process of crash.test.ts: the built daemon (dist/, from `tsc -p tsconfig.build.json`) with the
// real extraction pipeline, as `serve` runs it. Writes its URL to argv[3] once listening.
import { writeFileSync } from 'node:fs';
import { loadSettings } from '../../dist/config/load.js';
import { pipelineExtract, startDaemon } from '../../dist/daemon.js';

const [settingsPath, urlFile] = process.argv.slice(2);
const settings = await loadSettings(settingsPath);
const daemon = await startDaemon(settings, { extract: pipelineExtract('crash-test'), version: 'crash-test', port: 0, progressSaveIntervalMs: 50 });
writeFileSync(urlFile, daemon.url);
process.on('SIGTERM', () => {
  void daemon.close().then(() => process.exit(0));
});
