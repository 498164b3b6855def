/**
 * The Remove dialog: a real modal. Focus moves into it, Tab and Shift+Tab stay inside,
 * Escape cancels, and focus returns to the button that opened it.
 */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { HostTorrentView } from '@/lib/protocol';
import * as i18n from '@/lib/ui/i18n';

export function RemoveDialog({
  torrent,
  opener,
  onClose,
  onRemove,
}: {
  torrent: HostTorrentView;
  /** Gets the focus back when the dialog closes. */
  opener: HTMLElement | null;
  onClose: () => void;
  onRemove: (deleteData: boolean) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    return () => {
      // The opener may be gone (its item re-rendered away): then the list keeps focus.
      if (opener?.isConnected) opener.focus();
    };
  }, [opener]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    } else if (e.key === 'Tab') {
      const buttons = [...(ref.current?.querySelectorAll('button') ?? [])];
      const first = buttons[0];
      const last = buttons.at(-1);
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first?.focus();
      }
    }
  };

  return (
    <div className="backdrop" onClick={onClose}>
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby="remove-title"
        aria-describedby="remove-hint"
        className="dialog"
        onKeyDown={onKeyDown}
        onClick={(e) => e.stopPropagation()}
      >
        <p id="remove-title">{i18n.t('removeTitle', torrent.name)}</p>
        <p id="remove-hint" className="hint">
          {i18n.t('removeHint')}
        </p>
        <div className="buttons">
          <button onClick={() => onRemove(false)}>{i18n.t('removeKeepData')}</button>
          <button className="danger" onClick={() => onRemove(true)}>
            {i18n.t('removeDeleteData')}
          </button>
          <button onClick={onClose}>{i18n.t('actionCancel')}</button>
        </div>
      </div>
    </div>
  );
}
