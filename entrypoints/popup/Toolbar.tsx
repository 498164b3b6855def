/** Above the list: filters (All / Active / Done / Errors, with counts) and Clear finished. */
import type { HostTorrentView } from '@/lib/protocol';
import { counts, finished, FILTERS, type Filter } from '@/lib/ui/filters';
import * as i18n from '@/lib/ui/i18n';
import { sendCommand } from './use-torrents';

const LABEL = {
  all: 'filterAll',
  active: 'filterActive',
  done: 'filterDone',
  errors: 'filterErrors',
} as const satisfies Record<Filter, i18n.MessageKey>;

export function Toolbar({
  torrents,
  filter,
  onFilter,
}: {
  torrents: readonly HostTorrentView[];
  filter: Filter;
  onFilter: (f: Filter) => void;
}) {
  const n = counts(torrents);
  const clearable = finished(torrents);
  return (
    <div className="toolbar">
      <div role="group" aria-label={i18n.t('filtersLabel')} className="filters">
        {FILTERS.map((f) => (
          <button key={f} aria-pressed={filter === f} onClick={() => onFilter(f)}>
            {i18n.t(LABEL[f], n[f])}
          </button>
        ))}
      </div>
      {clearable.length > 0 && (
        <button
          onClick={() => {
            // Removed from the list; the saved files stay in the downloads folder.
            for (const { torrent, deleteData } of clearable) {
              void sendCommand({ type: 'remove', id: torrent.id, deleteData });
            }
          }}
        >
          {i18n.t('actionClearFinished')}
        </button>
      )}
    </div>
  );
}
