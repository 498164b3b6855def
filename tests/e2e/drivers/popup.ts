/**
 * The popup as design.md's contract describes it (a list named "Torrents", one listitem per
 * torrent with a progressbar named after it, buttons named exactly "Pause"/"Resume" and
 * "Remove", an in-page dialog), read and clicked the same way in every browser: the page's
 * own DOM is read in the page, and clicks are trusted mouse clicks at the element's centre.
 */
import type { DriverPage } from './types.ts';

export interface PopupItem {
  /** The progressbar's aria-label (the torrent's name), null without one. */
  name: string | null;
  /** The progressbar's aria-valuenow. */
  progress: number | null;
  text: string;
  /** The text of the item's role="alert" element, if any. */
  alert: string | null;
  /** The item's own buttons, by their accessible names (text). */
  buttons: string[];
}

export interface PopupSnapshot {
  /** Whether the list named "Torrents" is there. */
  list: boolean;
  items: PopupItem[];
  /** The buttons of an open role="dialog", [] when none is open. */
  dialog: string[];
}

/** Runs in the page: no references outside. */
function readPopup(): PopupSnapshot {
  const name = (el: Element) => (el.getAttribute('aria-label') ?? el.textContent ?? '').trim();
  const list = document.querySelector('ul[aria-label="Torrents"]');
  const items = [...(list?.querySelectorAll(':scope > li') ?? [])].map((li) => {
    const bar = li.querySelector('[role="progressbar"]');
    const now = bar?.getAttribute('aria-valuenow');
    return {
      name: bar?.getAttribute('aria-label') ?? null,
      progress: now == null ? null : Number(now),
      text: li.textContent ?? '',
      alert: li.querySelector('[role="alert"]')?.textContent ?? null,
      buttons: [...li.querySelectorAll('button')].map(name),
    };
  });
  const dialog = document.querySelector('[role="dialog"]');
  return {
    list: !!list,
    items,
    dialog: dialog ? [...dialog.querySelectorAll('button')].map(name) : [],
  };
}

/** Runs in the page: the centre of a button, in the item whose progressbar is `item`. */
function buttonCentre(q: { item: string | null; button: string }): { x: number; y: number } | null {
  const name = (el: Element) => (el.getAttribute('aria-label') ?? el.textContent ?? '').trim();
  let scope: Element | null = document.querySelector('[role="dialog"]');
  if (q.item !== null) {
    const items = document.querySelectorAll('ul[aria-label="Torrents"] > li');
    scope =
      [...items].find(
        (li) => li.querySelector('[role="progressbar"]')?.getAttribute('aria-label') === q.item,
      ) ?? null;
  }
  const button = [...(scope?.querySelectorAll('button') ?? [])].find((b) => name(b) === q.button);
  if (!button) return null;
  button.scrollIntoView({ block: 'center' });
  const r = button.getBoundingClientRect();
  return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
}

export class Popup {
  constructor(readonly page: DriverPage) {}

  read(): Promise<PopupSnapshot> {
    return this.page.evaluate(readPopup, undefined);
  }

  /** The item whose progressbar is named `name`, or undefined. */
  async item(name: string): Promise<PopupItem | undefined> {
    return (await this.read()).items.find((i) => i.name === name);
  }

  /** The progress of the torrent named `name`, NaN while it has no item. */
  async progress(name: string): Promise<number> {
    return (await this.item(name))?.progress ?? NaN;
  }

  /** Clicks a button of the item named `item`, or of the open dialog when `item` is null. */
  async click(item: string | null, button: string): Promise<void> {
    const at = await this.page.evaluate(buttonCentre, { item, button });
    if (!at) throw new Error(`no button "${button}" in ${item ?? 'the dialog'}`);
    await this.page.clickAt(at.x, at.y);
  }

  close(): Promise<void> {
    return this.page.close();
  }
}
