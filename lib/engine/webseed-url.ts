/**
 * BEP 19 URL rules: where each torrent file lives on a web seed.
 * Single-file: a url-list entry ending in `/` gets the torrent name appended; otherwise the
 * entry is the file's URL. Multi-file: `<entry>/<name>/<path…>`, each component
 * percent-encoded.
 */
export function webSeedFileUrl(
  seedUrl: string,
  name: string,
  multiFile: boolean,
  path: readonly string[],
): string {
  if (!multiFile) return seedUrl.endsWith('/') ? seedUrl + encodeURIComponent(name) : seedUrl;
  const base = seedUrl.endsWith('/') ? seedUrl : seedUrl + '/';
  return base + [name, ...path].map(encodeURIComponent).join('/');
}
