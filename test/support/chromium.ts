/**
 * A headless Chromium for browser tests on a fresh machine: the binary that `@sparticuz/chromium` ships
 * inside its npm package (unpacked to the temp folder on first use), or a system Chromium where the package's
 * binary cannot run. No browser download and no apt step: `npm ci && npm test` is enough.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

/** Flags for a closed network: no background connections, no first-run work, no GPU. */
const HEADLESS_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A Chromium installed on the system, found on PATH (Debian's package installs `chromium`). */
function systemChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/**
 * Unpacks the package's binary and returns its path. The package is ESM-only, which jest's CommonJS runtime
 * cannot load on Node 20, so a plain Node process (which can) asks it.
 */
async function packagedChromiumPath(): Promise<string> {
  const script = "require('@sparticuz/chromium').default.executablePath().then((p) => process.stdout.write(p))";
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 60_000 });
  return stdout.trim();
}

/** Launches Chromium from the npm package, or from the system when the package's binary fails to start. */
export async function launchChromium(): Promise<Browser> {
  let packagedError: unknown;
  try {
    return await chromium.launch({ executablePath: await packagedChromiumPath(), args: HEADLESS_ARGS });
  } catch (error) {
    packagedError = error;
  }
  const system = systemChromium();
  if (system === undefined) {
    throw new Error(`no Chromium could start: @sparticuz/chromium failed (${String(packagedError)}) and no system Chromium is installed`, { cause: packagedError });
  }
  return chromium.launch({ executablePath: system, args: HEADLESS_ARGS });
}
