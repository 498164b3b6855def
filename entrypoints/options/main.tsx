import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { t } from '@/lib/ui/i18n';
import { Options } from './Options';
import './style.css';

document.documentElement.lang = browser.i18n.getUILanguage();
document.title = t('optionsTitle');
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Options />
  </StrictMode>,
);
