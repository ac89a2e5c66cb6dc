/**
 * Headless Chromium as every browser test and benchmark launches it (Debian's build; never a downloaded one).
 *
 * Chromium 156 renders the address bar's suggestion popup as a WebUI page (a `browser_ui` target,
 * chrome://omnibox-popup.top-chrome) in a renderer of its own for every window, headless too. Playwright opens
 * a window per page, so each page load shared the 2 cores with that renderer's start-up: measured here, the
 * compare view of 100 runs took 1.85-2.27 s to draw with the popup and 1.12-1.17 s without it (median of 5
 * loads each, same server, back to back). The popup cannot show in a headless browser, so it is switched off.
 *
 * Chromium keeps only the last `--disable-features` on its command line, so this switch repeats the list
 * playwright-core (1.65) passes before it. chromium-flags.test.ts fails when Playwright's list grows past ours.
 */
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** playwright-core's own `disabledFeatures` (server/chromium/chromiumSwitches.ts), which our switch replaces. */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/** The WebUI address-bar popups: nothing can open them headless, yet each window starts a renderer for them. */
export const BROWSER_UI_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup'];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...BROWSER_UI_FEATURES].join(',')}`,
];

export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, ...options, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
}
