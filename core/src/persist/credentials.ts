/**
 * Which Google Cloud credentials the engine uses, found as the declared policy says (the
 * processor's persist/bigquery/credentials.py follows the same file): a key file named by
 * GOOGLE_APPLICATION_CREDENTIALS, else the file `gcloud auth application-default login` wrote.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { GCLOUD } from './policy.js';

/** <CLOUDSDK_CONFIG, else %APPDATA%\gcloud on Windows, else ~/.config/gcloud>/application_default_credentials.json */
export function gcloudCredentialsFile(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const configDir = env[GCLOUD.config_dir_env]?.trim();
  const appData = env.APPDATA?.trim();
  const [, ...windows] = GCLOUD.windows_config_dir;
  const [, ...unix] = GCLOUD.config_dir;
  const dir = configDir || (platform === 'win32' && appData ? join(appData, ...windows) : join(home, ...unix));
  return join(dir, GCLOUD.file);
}

/**
 * Checks that credentials exist; returns the key file to use, if any. `what` names the feature
 * in messages (`--bigqueryEnabled true`, `bq-replay`).
 */
export function checkCredentials(keyFilename: string | undefined, env: NodeJS.ProcessEnv, what: string): string | undefined {
  if (keyFilename === undefined) {
    if (!existsSync(gcloudCredentialsFile(env))) {
      throw new UsageError(
        `${what} needs Google Cloud credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service account key file (JSON), or run \`gcloud auth application-default login\``
      );
    }
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(keyFilename, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`GOOGLE_APPLICATION_CREDENTIALS=${keyFilename} is not a readable JSON key file (${reason}); point it at a service account key`);
  }
  if (typeof parsed !== 'object' || parsed === null || !('type' in parsed)) {
    throw new UsageError(`GOOGLE_APPLICATION_CREDENTIALS=${keyFilename} is JSON but not a Google credentials file (no "type" field)`);
  }
  return keyFilename;
}
