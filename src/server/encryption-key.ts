/**
 * Which key seals TOTP secrets and keys the hashes of backup codes, one-time codes and device
 * tokens (design §5): the first safe one of `TWO_FACTOR_ENCRYPTION_KEY`, `APP_KEY` and a random
 * key file in the app's storage (`storage/apps/<app>/two-factor.key`), made on first use the way
 * core makes its JWT secret. A published placeholder or a key shorter than 32 bytes never seals
 * anything; when older versions sealed under it, it is kept to read (and re-seal) that data.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { storagePathJoin } from '@nocobase/utils';
import { generateKeyMaterial, isSafeKey, SecretBox } from './crypto';
import { encryptionKeyEnv } from './env';

export const KEY_FILE_NAME = 'two-factor.key';

export type KeySource = 'TWO_FACTOR_ENCRYPTION_KEY' | 'APP_KEY' | 'key file';
export type KeyVariable = Exclude<KeySource, 'key file'>;

export interface KeyInfo {
  source: KeySource;
  /**
   * The variable that sealed secrets before this version (`TWO_FACTOR_ENCRYPTION_KEY || APP_KEY`)
   * when it holds a placeholder or a short key: refused for sealing, kept only to read old data.
   */
  weakKey: KeyVariable | null;
  keyFile: string;
}

interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const keyFilePath = (appName: string) => storagePathJoin('apps', appName || 'main', KEY_FILE_NAME);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The key file's material, or null when there is none; a damaged file stops the start. */
export async function readKeyFile(file: string): Promise<string | null> {
  // A file made by copy (the fallback below) can be seen empty for a moment by another instance.
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = (await fs.readFile(file, 'utf8')).trim();
    } catch (err: any) {
      if (err?.code === 'ENOENT') return null;
      throw err;
    }
    if (isSafeKey(text)) return text;
    if (text === '' && attempt < 20) {
      await sleep(50);
      continue;
    }
    throw new Error(`open2fa: the key file ${file} does not hold a key of 32 bytes or more; restore it from your backup`);
  }
}

/**
 * Reads the key file, creating it (mode 0600) when absent. Creation never replaces a file: the
 * key is written to a temporary file first and linked into place, so when instances sharing the
 * storage start at once, one wins and all of them read back the winner's key.
 */
export async function readOrCreateKeyFile(file: string): Promise<{ material: string; created: boolean }> {
  const existing = await readKeyFile(file);
  if (existing) return { material: existing, created: false };
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let created = false;
  try {
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(`${generateKeyMaterial()}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temporary, file);
      created = true;
    } catch (err: any) {
      if (err?.code !== 'EEXIST') {
        // A file system without hard links: an exclusive copy still never overwrites.
        try {
          await fs.copyFile(temporary, file, constants.COPYFILE_EXCL);
          await fs.chmod(file, 0o600);
          created = true;
        } catch (copyErr: any) {
          if (copyErr?.code !== 'EEXIST') throw copyErr;
        }
      }
    }
  } finally {
    await fs.rm(temporary, { force: true });
  }
  const material = await readKeyFile(file);
  if (!material) throw new Error(`open2fa: the key file ${file} could not be created`);
  return { material, created };
}

/** Resolves the key for the app named `appName` from the environment and its storage. */
export async function loadEncryptionKeys(appName: string, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<{ box: SecretBox; info: KeyInfo }> {
  const { dedicated, appKey, oldKeys } = encryptionKeyEnv(env);
  const keyFile = keyFilePath(appName);
  const previous = [...oldKeys];

  // What earlier versions sealed under, used without any check.
  const legacy: KeyVariable | null = dedicated ? 'TWO_FACTOR_ENCRYPTION_KEY' : appKey ? 'APP_KEY' : null;
  const legacyMaterial = legacy === 'TWO_FACTOR_ENCRYPTION_KEY' ? dedicated : appKey;
  const weakKey = legacy && !isSafeKey(legacyMaterial) ? legacy : null;

  let source: KeySource;
  let current: string;
  if (isSafeKey(dedicated)) {
    source = 'TWO_FACTOR_ENCRYPTION_KEY';
    current = dedicated;
  } else if (isSafeKey(appKey)) {
    source = 'APP_KEY';
    current = appKey;
  } else {
    source = 'key file';
    const file = await readOrCreateKeyFile(keyFile);
    current = file.material;
    if (file.created) log.warn(`open2fa: created ${keyFile} to seal two-factor secrets; back it up with the database`);
  }
  // A key file made earlier keeps opening what it sealed after a safe variable takes over.
  if (source !== 'key file') {
    const fromFile = await readKeyFile(keyFile);
    if (fromFile) previous.push(fromFile);
  }
  if (weakKey) previous.push(legacyMaterial);

  if (dedicated && !isSafeKey(dedicated)) {
    log.error(
      `open2fa: TWO_FACTOR_ENCRYPTION_KEY is refused (a published placeholder or shorter than 32 bytes); two-factor secrets are sealed with ${describe(source, keyFile)} instead. ` +
        'Set it to 32 or more random bytes (openssl rand -hex 32) and keep the old value in TWO_FACTOR_ENCRYPTION_OLD_KEYS.',
    );
  }
  if (weakKey === 'APP_KEY') {
    log.warn(
      `open2fa: APP_KEY is a published placeholder or shorter than 32 bytes; two-factor secrets are sealed with ${describe(source, keyFile)} instead. ` +
        'Secrets sealed under APP_KEY before are re-sealed at start; backup codes made before keep working until they are replaced.',
    );
  }
  return { box: new SecretBox(current, previous), info: { source, weakKey, keyFile } };
}

const describe = (source: KeySource, keyFile: string) => (source === 'key file' ? `the key file ${keyFile}` : source);
