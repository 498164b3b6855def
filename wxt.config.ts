import { defineConfig } from 'wxt';

// See README.md "Permissions" for why each one is needed.
export default defineConfig({
  modules: ['@wxt-dev/module-react', '@wxt-dev/webextension-polyfill'],
  manifest: ({ browser }) => ({
    // Localized from public/_locales (lib/ui/i18n.ts): English, German.
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    permissions: [
      'downloads',
      'downloads.open',
      'contextMenus',
      'notifications',
      'storage',
      'unlimitedStorage',
      ...(browser === 'firefox' ? [] : ['offscreen', 'alarms']),
    ],
    host_permissions: ['<all_urls>'],
    incognito: 'not_allowed',
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'swarmlink@swarmlink.invalid',
              // Swarmlink sends no data anywhere but to the torrents' own trackers, seeds and peers.
              data_collection_permissions: { required: ['none'] },
            },
          },
        }
      : {}),
  }),
});
