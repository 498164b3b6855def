/**
 * Web seeds a test scripts request by request (tests/fixtures/file-server.ts) for the
 * extension in Chromium: torrents made on the spot whose url-list points at this server,
 * and a page linking them, so a reader's click adds them as any torrent link would.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import { FileServer } from '../fixtures/file-server.ts';
import { content, makeTorrent, type SourceFile } from '../fixtures/torrents.ts';
import { launchWithExtension, type ExtensionBrowser } from './harness.ts';

export interface ScriptedTorrent {
  name: string;
  files: SourceFile[];
  /** Link id on the page: `#t<n>`. */
  link: string;
}

export class SeedScript {
  readonly server = new FileServer();
  private readonly torrents: ScriptedTorrent[] = [];

  async start(): Promise<void> {
    await this.server.listen();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  get pageUrl(): string {
    return `${this.server.origin}/page.html`;
  }

  /**
   * A torrent of `files` (one: single-file) served by a web seed at each of `seeds`
   * (paths such as `/a/`), linked from the page.
   */
  async add(
    name: string,
    files: SourceFile[],
    opts: { seeds?: string[]; pieceLength?: number } = {},
  ): Promise<ScriptedTorrent> {
    const seeds = opts.seeds ?? ['/seed/'];
    const urlList = seeds.map((s) => this.server.origin + s);
    const bytes = await makeTorrent(files, { name, urlList, pieceLength: opts.pieceLength });
    for (const base of seeds) this.server.serveTorrent(base, name, files, files.length > 1);
    const n = this.torrents.length;
    this.server.files.set(`/t/${n}.torrent`, bytes);
    const t = { name, files, link: `#t${n}` };
    this.torrents.push(t);
    this.server.files.set('/page.html', new TextEncoder().encode(this.page()));
    return t;
  }

  /** Requests for a seed's files (not the page or the .torrent files). */
  seedHits(base = '/seed/') {
    return this.server.hitsUnder(base);
  }

  private page(): string {
    const links = this.torrents.map((_, i) => `<li><a id="t${i}" href="/t/${i}.torrent">${i}</a>`);
    return `<!doctype html><title>seeds</title><ul>${links.join('')}</ul>`;
  }
}

/** `length` deterministic bytes and their hex SHA-256. */
export function sample(length: number, seed: number): { data: Uint8Array; sha256: string } {
  const data = content(length, seed);
  return { data, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * A SeedScript and Chromium with the extension, started before each test of the file and
 * closed after it; `use` gets each test's pair
 * (`seedsAndBrowserEachTest((s, br) => ((seeds = s), (b = br)))`).
 */
export function seedsAndBrowserEachTest(use: (seeds: SeedScript, b: ExtensionBrowser) => void) {
  let seeds: SeedScript | undefined;
  let b: ExtensionBrowser | undefined;
  beforeEach(async () => {
    seeds = new SeedScript();
    await seeds.start();
    b = await launchWithExtension();
    use(seeds, b);
  });
  afterEach(async () => {
    await b?.close();
    await seeds?.close();
  });
}
