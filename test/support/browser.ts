import packaged from '@sparticuz/chromium';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/**
 * A headless Chromium for the browser tests, driven by playwright-core: the one `@sparticuz/chromium`
 * ships inside its npm package (Linux x64; `npm ci` brings it, nothing else is downloaded or installed;
 * unpacked to the temp directory on first use), or the executable `STEADFAST_CHROMIUM` names (Debian's
 * /usr/bin/chromium, or a local Chrome where that build does not run).
 */
export async function launchBrowser(): Promise<Browser> {
  const own = process.env['STEADFAST_CHROMIUM'];
  return chromium.launch({
    executablePath: own !== undefined && own !== '' ? own : await packaged.executablePath(),
    args: ['--headless', '--no-sandbox', '--no-zygote', '--disable-gpu', '--disable-background-networking'],
  });
}
