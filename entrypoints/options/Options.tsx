import { useEffect, useState, type FormEvent } from 'react';
import type { SettingsError, SettingsField } from '@/lib/settings/schema';
import { DEFAULT_SETTINGS } from '@/lib/settings/schema';
import { loadSettings, saveSettings } from '@/lib/settings/store';
import { t, type MessageKey } from '@/lib/ui/i18n';
import { formOf, settingsOf, type FormErrors, type OptionsForm } from '@/lib/ui/options-form';

type Status = { kind: 'saved' | 'invalid' | 'failed'; text: string } | null;

/** The options page: one form, saved as a whole, in effect at once (no restart). */
export function Options() {
  const [form, setForm] = useState<OptionsForm | null>(null);
  const [errors, setErrors] = useState<FormErrors>({});
  const [status, setStatus] = useState<Status>(null);

  useEffect(() => {
    loadSettings().then(
      (s) => setForm(formOf(s)),
      (err: unknown) => {
        setForm(formOf(DEFAULT_SETTINGS));
        setStatus({ kind: 'failed', text: t('optionsLoadFailed', String(err)) });
      },
    );
  }, []);

  if (!form) return null;
  const set = <K extends keyof OptionsForm>(key: K, value: OptionsForm[K]) => {
    setForm({ ...form, [key]: value });
    setStatus(null);
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const result = settingsOf(form);
    if ('errors' in result) {
      setErrors(result.errors);
      setStatus({ kind: 'invalid', text: t('optionsInvalid') });
      return;
    }
    setErrors({});
    saveSettings(result.settings).then(
      () => {
        setForm(formOf(result.settings));
        setStatus({ kind: 'saved', text: t('optionsSaved') });
      },
      (err: unknown) => setStatus({ kind: 'failed', text: t('optionsLoadFailed', String(err)) }),
    );
  };

  const list = (field: SettingsField & keyof OptionsForm, label: MessageKey, hint: MessageKey) => (
    <Field field={field} label={label} hint={hint} error={errors[field]}>
      {(props) => (
        <textarea
          {...props}
          rows={4}
          spellCheck={false}
          value={form[field] as string}
          onChange={(e) => set(field, e.target.value)}
        />
      )}
    </Field>
  );
  const num = (field: SettingsField & keyof OptionsForm, label: MessageKey, hint?: MessageKey) => (
    <Field field={field} label={label} hint={hint} error={errors[field]}>
      {(props) => (
        <input
          {...props}
          inputMode="decimal"
          value={form[field] as string}
          onChange={(e) => set(field, e.target.value)}
        />
      )}
    </Field>
  );
  const check = (field: 'interceptLinks' | 'notifications', label: MessageKey) => (
    <label className="check">
      <input
        type="checkbox"
        name={field}
        checked={form[field]}
        onChange={(e) => set(field, e.target.checked)}
      />
      {t(label)}
    </label>
  );

  return (
    <main>
      <h1>{t('optionsTitle')}</h1>
      <p className="hint">{t('optionsApplied')}</p>
      <form onSubmit={onSubmit} noValidate>
        <fieldset>
          <legend>{t('sectionLinks')}</legend>
          {check('interceptLinks', 'fieldInterceptLinks')}
          {list('neverTakeSites', 'fieldNeverTakeSites', 'hintNeverTakeSites')}
        </fieldset>
        <fieldset>
          <legend>{t('sectionSeeding')}</legend>
          <div className="row">
            {num('seedRatio', 'fieldSeedRatio')}
            {num('seedMinutes', 'fieldSeedMinutes')}
          </div>
          <p className="hint">{t('hintSeeding')}</p>
        </fieldset>
        <fieldset>
          <legend>{t('sectionSpeed')}</legend>
          <div className="row">
            {num('downloadLimitKiB', 'fieldDownloadLimit')}
            {num('uploadLimitKiB', 'fieldUploadLimit')}
          </div>
        </fieldset>
        <fieldset>
          <legend>{t('sectionPeers')}</legend>
          {list('trackers', 'fieldTrackers', 'hintTrackers')}
          {list('stunServers', 'fieldStunServers', 'hintStunServers')}
        </fieldset>
        <fieldset>
          <legend>{t('sectionNotifications')}</legend>
          {check('notifications', 'fieldNotifications')}
        </fieldset>
        <p className="hint">{t('optionsSyncNote')}</p>
        <div className="buttons">
          <button type="submit">{t('actionSave')}</button>
          <button
            type="button"
            onClick={() => {
              setForm(formOf(DEFAULT_SETTINGS));
              setErrors({});
              setStatus(null);
            }}
          >
            {t('actionRestoreDefaults')}
          </button>
          <span role="status" className={`status ${status?.kind ?? ''}`}>
            {status?.text}
          </span>
        </div>
      </form>
    </main>
  );
}

interface ControlProps {
  id: string;
  name: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

/** A labelled control with its hint and its error (announced, and tied to the control). */
function Field(props: {
  field: string;
  label: MessageKey;
  hint?: MessageKey;
  error?: SettingsError;
  children: (p: ControlProps) => React.ReactNode;
}) {
  const id = `field-${props.field}`;
  const described = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean);
  return (
    <div className="field">
      <label htmlFor={id}>{t(props.label)}</label>
      {props.children({
        id,
        name: props.field,
        'aria-invalid': !!props.error,
        'aria-describedby': described.join(' ') || undefined,
      })}
      {props.hint && (
        <small id={`${id}-hint`} className="hint">
          {t(props.hint)}
        </small>
      )}
      {props.error && (
        <small id={`${id}-error`} className="error" role="alert">
          {errorText(props.error)}
        </small>
      )}
    </div>
  );
}

const ERROR_KEYS: Record<SettingsError['code'], MessageKey> = {
  'not-tracker-url': 'errorNotTrackerUrl',
  'not-stun-url': 'errorNotStunUrl',
  'not-site': 'errorNotSite',
  'not-list': 'errorNotList',
  'too-many': 'errorTooMany',
  'too-long': 'errorTooLong',
  'not-number': 'errorNotNumber',
  negative: 'errorNegative',
  'too-big': 'errorTooBig',
};

function errorText(err: SettingsError): string {
  return t(ERROR_KEYS[err.code], err.entry ?? String(err.limit ?? ''));
}
