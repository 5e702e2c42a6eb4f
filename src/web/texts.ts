import type { Lang } from '../config/types.js';

// Screen texts. Every capability (and shared module with screens) owns a table of its texts in both
// languages; the tables are composed once (src/texts.ts) into the one translator every page uses.

export type Text = string | readonly string[];
export type TextTable = Readonly<Record<string, Text>>;

/** The English table of a Japanese one: the same keys, a list where Japanese has a list. */
export type Translation<J extends TextTable> = { readonly [K in keyof J]: J[K] extends readonly string[] ? readonly string[] : string };

export interface Texts<K extends string = string> {
  readonly ja: Readonly<Record<K, Text>>;
  readonly en: Readonly<Record<K, Text>>;
}

/** A table of texts; the compiler checks that English has every Japanese key (and no other). */
export function defineTexts<const J extends TextTable>(ja: J, en: Translation<J>): Texts<keyof J & string> {
  return { ja, en: en as Readonly<Record<keyof J & string, Text>> };
}

/** The key type of a table. */
export type KeyOf<T> = T extends Texts<infer K> ? K : never;

export type TextParams = Record<string, string | number>;

export type Translate<K extends string = string> = {
  (key: K, params?: TextParams): string;
  list(key: K): readonly string[];
};

function fill(text: string, params: TextParams): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/**
 * The composition of several tables: one translator per language. A key defined by two tables is a
 * programming error (one of them would silently win), so it stops the start.
 */
export class Translations {
  private readonly translators: Record<Lang, Translate>;

  constructor(tables: readonly Texts[]) {
    const merged = { ja: new Map<string, Text>(), en: new Map<string, Text>() };
    for (const table of tables) {
      for (const lang of ['ja', 'en'] as const) {
        for (const [key, text] of Object.entries(table[lang])) {
          if (merged[lang].has(key)) throw new Error(`text key "${key}" is defined twice`);
          merged[lang].set(key, text);
        }
      }
    }
    this.translators = { ja: translatorOf(merged.ja), en: translatorOf(merged.en) };
  }

  for(lang: Lang): Translate {
    return this.translators[lang];
  }
}

function translatorOf(table: ReadonlyMap<string, Text>): Translate {
  const lookup = (key: string): Text => {
    const text = table.get(key);
    if (text === undefined) throw new Error(`no text for key "${key}"`);
    return text;
  };
  const t = ((key: string, params: TextParams = {}) => {
    const text = lookup(key);
    return fill(Array.isArray(text) ? text.join('\n') : (text as string), params);
  }) as Translate;
  t.list = (key) => {
    const text = lookup(key);
    return Array.isArray(text) ? text : [text as string];
  };
  return t;
}

/** Items of a list in a sentence: 「氏名、電話番号」 / "Name, Telephone". */
export function joinList(lang: Lang, items: readonly string[]): string {
  return items.join({ ja: '、', en: ', ' }[lang]);
}

export function isLang(value: unknown): value is Lang {
  return value === 'ja' || value === 'en';
}

/** The first supported language of an OIDC ui_locales value ("en-US ja" → en). */
export function langFromUiLocales(uiLocales: unknown): Lang | undefined {
  if (typeof uiLocales !== 'string') return undefined;
  for (const tag of uiLocales.split(/\s+/)) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLang(primary)) return primary;
  }
  return undefined;
}
