import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test';
import { CHROMIUM_FLAGS, ensureCameraClip } from '../e2e/env';
import { ownPhoto } from '../e2e/helpers';

export { audioIn, keepPeerConnections } from '../e2e/helpers';

import {
  caFile,
  chromiumInNamespace,
  INFERENCE_PORT,
  runDir,
  type Service,
  serverCertFile,
  serverOrigin,
  spkiHash,
  startParticipantNode,
  startServer,
  WEB_PORT,
  waitForUrl,
} from './hosts';
import { createLan, type Host, type Lan } from './netns';

/** Chromium's permission for a page from the LAN to open a socket to this computer's loopback. */
export const LOCAL_NETWORK = 'local-network-access';

export interface Person {
  context: BrowserContext;
  page: Page;
}

/**
 * A server host and participant hosts on one virtual LAN (netns.ts), the server started as
 * `npm start` would on a LAN, participants' nodes and browsers started on demand. Used by the
 * multi-host end-to-end test and by bench/multi-host.ts; waits use Playwright locators only, so it
 * runs inside and outside the test runner.
 */
export class MultiHostWorld {
  readonly nodes = new Map<string, Service>();
  private readonly browsers: Browser[] = [];
  readonly origin: string;
  private spki = '';

  private constructor(
    readonly lan: Lan,
    readonly server: Service,
    readonly dataDir: string,
  ) {
    this.origin = serverOrigin(this.hosts.server as Host);
  }

  get hosts(): Record<string, Host> {
    return this.lan.hosts;
  }

  /** Makes the LAN (`server` plus `participants`), starts the server and waits until it answers over HTTPS. */
  static async start(prefix: string, participants: readonly string[]): Promise<MultiHostWorld> {
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(runDir, { recursive: true });
    const lan = createLan(prefix, ['server', ...participants]);
    const dataDir = path.join(runDir, 'server-data');
    let world: MultiHostWorld | null = null;
    try {
      const serverHost = lan.hosts.server as Host;
      world = new MultiHostWorld(lan, startServer(serverHost, dataDir), dataDir);
      // The local CA appears in the server's data directory on its first start; the web app
      // answers once migrated and built (a build takes minutes on 2 cores).
      const certs = Date.now() + 120_000;
      while (!fs.existsSync(serverCertFile(dataDir))) {
        if (Date.now() > certs || world.server.child.exitCode !== null) {
          throw new Error(`the server made no certificate; it said:\n${world.server.output()}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      const from = lan.hosts[participants[0] as string] as Host;
      await waitForUrl(from, `${world.origin}/api/health`, caFile(dataDir), world.server, 480_000);
      world.spki = spkiHash(fs.readFileSync(serverCertFile(dataDir), 'utf8'));
      return world;
    } catch (error) {
      await world?.stop();
      lan.remove();
      throw error;
    }
  }

  /** Starts `npm run node -- --server <origin> --ca <the server's CA>` at `who` and waits for it. */
  async startNode(who: Host): Promise<void> {
    const node = startParticipantNode(who, this.hosts.server as Host, caFile(this.dataDir));
    this.nodes.set(who.name, node);
    await waitForUrl(who, `http://127.0.0.1:${INFERENCE_PORT}/healthz`, caFile(this.dataDir), node, 90_000);
  }

  async stopNode(who: Host): Promise<void> {
    await this.nodes.get(who.name)?.stop();
    this.nodes.delete(who.name);
  }

  /** A Chromium running at `who`, trusting the server's certificate and nothing else. */
  async browserOn(who: Host): Promise<Browser> {
    const browser = await chromium.launch({
      executablePath: chromiumInNamespace(),
      env: { ...process.env, HOLOCALL_NETNS: who.netns } as Record<string, string>,
      args: [
        ...CHROMIUM_FLAGS,
        `--use-file-for-fake-video-capture=${ensureCameraClip()}`,
        `--ignore-certificate-errors-spki-list=${this.spki}`,
        // The server stands for one on the Internet: Chromium then applies Local Network Access
        // to its pages (it does not for a page from a private LAN address, measured in 156).
        `--ip-address-space-overrides=${(this.hosts.server as Host).address}:${WEB_PORT}=public`,
      ],
    });
    this.browsers.push(browser);
    return browser;
  }

  /** A person at `who`: their own browser, signed in, enrolled with a photo of their own. */
  async personAt(who: Host, name: string, allowLocalNetwork = true): Promise<Person> {
    const browser = await this.browserOn(who);
    const context = await browser.newContext({
      baseURL: this.origin,
      permissions: ['camera', 'microphone', ...(allowLocalNetwork ? [LOCAL_NETWORK] : [])],
    });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Your name, as others will see it').fill(name);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('display-name').getByText(name, { exact: true }).waitFor();
    await page.goto('/enroll');
    await page.getByTestId('photo-input').setInputFiles(ownPhoto());
    await page.getByTestId('enrolled-avatar').waitFor({ timeout: 90_000 });
    return { context, page };
  }

  /** Creates a room from `page` and returns its link. */
  async createRoom(page: Page, name: string): Promise<string> {
    await page.goto('/');
    await page.getByLabel('Room name').fill(name);
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.waitForURL(/\/r\/[A-Za-z0-9_-]{16}$/);
    return page.url();
  }

  async stop(): Promise<void> {
    for (const browser of this.browsers.splice(0)) await browser.close().catch(() => {});
    for (const node of this.nodes.values()) await node.stop();
    this.nodes.clear();
    await this.server.stop();
    this.lan.remove();
  }
}
