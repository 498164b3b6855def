import { describe, it, expect } from 'vitest';
import {
  MAX_COMPONENT_BYTES,
  collisionKey,
  sanitizeComponent,
  savePaths,
  splitExtension,
} from './save-paths.ts';
import { mulberry32 as prng } from './random.ts';
import { bytes, isAcceptedByChrome, isAcceptedPath } from './fixtures/chrome-names.ts';

const f = (...path: string[]) => ({ path, pad: false });
const pad = (...path: string[]) => ({ path, pad: true });

/* ------------------------------------------------------------------------------------------ */

describe('isAcceptedByChrome (the test model)', () => {
  it('agrees with the facts in design.md', () => {
    for (const bad of ['', '.', '..', '.x', '~x', 'x.', 'x ', 'x~', 'CON', 'con.txt', 'COM1']) {
      expect(isAcceptedByChrome(bad), bad).toBe(false);
    }
    for (const bad of ['LPT9', 'CLOCK$', 'AUX.tar.gz', 'a:b', 'a\tb', 'a\u200bb', 'a\u202eb']) {
      expect(isAcceptedByChrome(bad), bad).toBe(false);
    }
    for (const bad of ['desktop.ini', 'thumbs.db', 'x.lnk', 'x.local', 'x'.repeat(201)]) {
      expect(isAcceptedByChrome(bad), bad).toBe(false);
    }
    for (const good of ['a', 'a b.txt', 'ファイル', '😀', 'console', 'x.lnk_', '_con.txt']) {
      expect(isAcceptedByChrome(good), good).toBe(true);
    }
  });
});

describe('sanitizeComponent: names Chrome accepts are kept exactly', () => {
  const kept = [
    'Hello World.txt',
    'MiXeD CaSe.TXT',
    'two  spaces  inside',
    'Ünïcödé ファイル 文件.mkv',
    '😀 emoji 🎉 👍🏽.png',
    '🇫🇷 flag',
    'مرحبا بالعالم.txt',
    'שלום',
    'e\u0301 decomposed',
    'nbsp\u00a0inside',
    'ideographic\u3000space inside',
    'brackets [1] (2) {3}.txt',
    "#%&+,;=@^`!$'",
    'a.b.c.d',
    'tilde~inside a long name.txt',
    'dot.in.middle',
    'console.log',
    'COM10',
    'lpt',
    'CONFIG.SYS',
    'auxiliary.txt',
    'desktop.ini.bak',
    'mythumbs.db',
    'lnk.txt',
    'x.lnk.txt',
    'x.locale',
    '_',
    'x'.repeat(MAX_COMPONENT_BYTES),
    'é'.repeat(MAX_COMPONENT_BYTES / 2),
  ];
  for (const name of kept) {
    it(`keeps ${JSON.stringify(name.slice(0, 40))}`, () => {
      expect(isAcceptedByChrome(name)).toBe(true);
      expect(sanitizeComponent(name)).toBe(name);
    });
  }
});

describe('sanitizeComponent: refused characters become _', () => {
  const refused = [
    ...':*?"<>|/\\',
    '\t',
    '\n',
    '\r',
    '\0',
    '\x01',
    '\x1f',
    '\x7f',
    '\x85',
    '\x9f',
    '\u00ad',
    '\u061c',
    '\u180e',
    '\u200b',
    '\u200c',
    '\u200d',
    '\u200e',
    '\u200f',
    '\u202a',
    '\u202b',
    '\u202c',
    '\u202d',
    '\u202e',
    '\u2060',
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069',
    '\ufeff',
    '\u{e0001}',
    '\ufdd0',
    '\ufffe',
    '\uffff',
    '\u{1fffe}',
    '\u{10ffff}',
    '\ud800',
    '\udbff',
    '\udc00',
    '\udfff',
  ];
  for (const ch of refused) {
    const label = `U+${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
    it(`replaces ${label}`, () => {
      expect(sanitizeComponent(`a${ch}b`)).toBe('a_b');
    });
  }

  it('replaces each refused character with one _', () => {
    expect(sanitizeComponent('a:*?"<>|b')).toBe('a_______b');
    expect(sanitizeComponent('report\u202Efdp.exe')).toBe('report_fdp.exe');
    expect(sanitizeComponent('tab\there.txt')).toBe('tab_here.txt');
  });

  it('replaces a lone surrogate but keeps a pair', () => {
    expect(sanitizeComponent('x\ud83dy')).toBe('x_y');
    expect(sanitizeComponent('x\ude00y')).toBe('x_y');
    expect(sanitizeComponent('x\ude00\ud83dy')).toBe('x__y');
    expect(sanitizeComponent('x\ud83d\ude00y')).toBe('x😀y');
  });

  it('replaces zero-width joiners, even inside emoji sequences', () => {
    expect(sanitizeComponent('👨\u200d👩\u200d👧')).toBe('👨_👩_👧');
  });
});

describe('sanitizeComponent: names Chrome refuses as a whole', () => {
  const cases: [string, string][] = [
    ['', '_'],
    ['.', '_'],
    ['..', '__'],
    ['...', '_._'],
    ['.bashrc', '_bashrc'],
    ['..hidden', '_.hidden'],
    ['~tmp', '_tmp'],
    ['~$doc.docx', '_$doc.docx'],
    ['name ', 'name_'],
    ['name.', 'name_'],
    ['name~', 'name_'],
    ['name  ', 'name _'],
    ['name. ', 'name._'],
    [' leading', '_leading'],
    ['\u3000wide', '_wide'],
    ['trailing nbsp\u00a0', 'trailing nbsp_'],
    [' ', '_'],
    ['   ', '_ _'],
    ['~', '_'],
    ['.~', '__'],
    ['CON', '_CON'],
    ['con', '_con'],
    ['Con', '_Con'],
    ['con.txt', '_con.txt'],
    ['CON.tar.gz', '_CON.tar.gz'],
    ['AUX.tar.gz', '_AUX.tar.gz'],
    ['PRN', '_PRN'],
    ['nul.json', '_nul.json'],
    ['NUL .txt', '_NUL .txt'],
    ['Com1', '_Com1'],
    ['COM9.log', '_COM9.log'],
    ['COM0', '_COM0'],
    ['LPT0', '_LPT0'],
    ['lpt9', '_lpt9'],
    ['COM¹', '_COM¹'],
    ['LPT³.txt', '_LPT³.txt'],
    ['CLOCK$', '_CLOCK$'],
    ['conin$', '_conin$'],
    ['CONOUT$.log', '_CONOUT$.log'],
    ['nul.', 'nul_'],
    ['desktop.ini', '_desktop.ini'],
    ['Desktop.INI', '_Desktop.INI'],
    ['thumbs.db', '_thumbs.db'],
    ['Thumbs.DB', '_Thumbs.DB'],
    ['x.lnk', 'x.lnk_'],
    ['Shortcut.LNK', 'Shortcut.LNK_'],
    ['x.local', 'x.local_'],
    ['app.exe.Local', 'app.exe.Local_'],
    ['x.{645FF040-5081-101B-9F08-00AA002F954E}', 'x.{645FF040-5081-101B-9F08-00AA002F954E}_'],
    ['.lnk', '_lnk'],
    ['PROGRA~1', 'PROGRA_1'],
    ['FOO~1.TXT', 'FOO_1.TXT'],
    ['a~b', 'a_b'],
    ['~1.txt', '_1.txt'],
    ['a:b.', 'a_b_'],
    ['con:', 'con_'],
  ];
  for (const [input, output] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => {
      expect(isAcceptedByChrome(input)).toBe(false);
      expect(sanitizeComponent(input)).toBe(output);
      expect(isAcceptedByChrome(output)).toBe(true);
    });
  }

  it('keeps a ~ that cannot be part of a short name', () => {
    for (const name of ['long name~1.txt', 'abcdefghij~1.txt', 'a~b c', 'a~b.c.d']) {
      expect(sanitizeComponent(name)).toBe(name);
    }
  });
});

describe('sanitizeComponent: long names', () => {
  it('shortens to 200 bytes keeping the extension', () => {
    const out = sanitizeComponent(`${'a'.repeat(300)}.txt`);
    expect(bytes(out)).toBe(200);
    expect(out).toBe(`${'a'.repeat(196)}.txt`);
  });

  it('keeps a two-part extension', () => {
    const out = sanitizeComponent(`${'a'.repeat(300)}.tar.gz`);
    expect(out).toBe(`${'a'.repeat(193)}.tar.gz`);
  });

  it('does not keep an extension over 16 bytes', () => {
    const out = sanitizeComponent(`${'a'.repeat(300)}.${'x'.repeat(20)}`);
    expect(out).toBe('a'.repeat(200));
  });

  it('cuts on a code point boundary', () => {
    const out = sanitizeComponent(`${'é'.repeat(150)}.txt`); // 2 bytes each
    expect(out).toBe(`${'é'.repeat(98)}.txt`);
    const emoji = sanitizeComponent('😀'.repeat(100)); // 4 bytes each
    expect(emoji).toBe('😀'.repeat(50));
    const mixed = sanitizeComponent(`a${'😀'.repeat(100)}`);
    expect(mixed).toBe(`a${'😀'.repeat(49)}`);
    expect(bytes(mixed)).toBe(197);
    expect(/\p{Cs}/u.test(mixed)).toBe(false);
  });

  it('applies the rules again when shortening exposes a refused end', () => {
    expect(sanitizeComponent(`${'a'.repeat(199)} ${'b'.repeat(50)}`)).toBe(`${'a'.repeat(199)}_`);
    expect(sanitizeComponent(`${'a'.repeat(199)}.${'b'.repeat(50)}`)).toBe(`${'a'.repeat(199)}_`);
    expect(sanitizeComponent(`${'a'.repeat(199)}~${'b'.repeat(50)}`)).toBe(`${'a'.repeat(199)}_`);
  });

  it('shortens after appending to a .lnk name', () => {
    const out = sanitizeComponent(`${'a'.repeat(196)}.lnk`);
    expect(out).toBe(`${'a'.repeat(195)}.lnk_`);
    expect(isAcceptedByChrome(out)).toBe(true);
  });

  it('settles on a long name with a long .{…} extension', () => {
    const clsid = `.{${'x'.repeat(17)}}`;
    expect(sanitizeComponent(`${'a'.repeat(180)}${clsid}`)).toBe(`${'a'.repeat(179)}${clsid}_`);
    const huge = `.{${'y'.repeat(250)}}`;
    const out = sanitizeComponent(`a${huge}`);
    expect(isAcceptedByChrome(out)).toBe(true);
    expect(bytes(out)).toBeLessThanOrEqual(200);
  });

  it('keeps a reserved-name prefix when shortening', () => {
    const out = sanitizeComponent(`con.${'x'.repeat(300)}`);
    expect(out.startsWith('_con.')).toBe(true);
    expect(bytes(out)).toBe(200);
  });
});

describe('splitExtension', () => {
  it('splits on the last dot, or a two-part extension', () => {
    expect(splitExtension('a.txt')).toEqual(['a', '.txt']);
    expect(splitExtension('a.b.txt')).toEqual(['a.b', '.txt']);
    expect(splitExtension('a.tar.gz')).toEqual(['a', '.tar.gz']);
    expect(splitExtension('a.TAR.BZ2')).toEqual(['a', '.TAR.BZ2']);
    expect(splitExtension('v1.2.gz')).toEqual(['v1', '.2.gz']);
    expect(splitExtension('a.toolong.gz')).toEqual(['a.toolong', '.gz']);
    expect(splitExtension('README')).toEqual(['README', '']);
    expect(splitExtension('_bashrc')).toEqual(['_bashrc', '']);
    expect(splitExtension('Mr. Smith goes')).toEqual(['Mr. Smith goes', '']);
    expect(splitExtension('x.12345678901234567')).toEqual(['x.12345678901234567', '']);
  });
});

describe('collisionKey', () => {
  it('ignores case and normalization', () => {
    expect(collisionKey('A.TXT')).toBe(collisionKey('a.txt'));
    expect(collisionKey('\u00e9')).toBe(collisionKey('e\u0301'));
    expect(collisionKey('ΑΣ')).toBe(collisionKey('ασ'));
    expect(collisionKey('Straße')).toBe(collisionKey('STRASSE'));
    expect(collisionKey('a')).not.toBe(collisionKey('b'));
  });
});

describe('savePaths: layout', () => {
  it('saves a single-file torrent under the torrent name', () => {
    expect(savePaths('movie.mkv', [f('movie.mkv')], false)).toEqual(['movie.mkv']);
    expect(savePaths('Film é 😀.mkv', [f('ignored')], false)).toEqual(['Film é 😀.mkv']);
    expect(savePaths('CON', [f('CON')], false)).toEqual(['_CON']);
    expect(savePaths('../x', [f('x')], false)).toEqual(['_._x']);
  });

  it('saves a multi-file torrent under <name>/<path>', () => {
    const files = [f('01 Intro.flac'), f('Art', 'cover.jpg'), f('Art', 'back.jpg'), f('notes')];
    expect(savePaths('My Album (2024)', files, true)).toEqual([
      'My Album (2024)/01 Intro.flac',
      'My Album (2024)/Art/cover.jpg',
      'My Album (2024)/Art/back.jpg',
      'My Album (2024)/notes',
    ]);
  });

  it('keeps Unicode and spaces exactly', () => {
    const files = [f('Ordner mit Ümlaut', 'ファイル 1.txt'), f(' ok name.txt')];
    expect(savePaths('Données 数据', files, true)).toEqual([
      'Données 数据/Ordner mit Ümlaut/ファイル 1.txt',
      'Données 数据/_ok name.txt',
    ]);
  });

  it('gives pad files null, and they take no name or folder', () => {
    const files = [f('a.bin'), pad('.pad', '1000'), f('b.bin'), pad('b.bin'), f('.pad', 'x')];
    expect(savePaths('T', files, true)).toEqual(['T/a.bin', null, 'T/b.bin', null, 'T/_pad/x']);
  });

  it('sanitizes every component, and the torrent name', () => {
    const files = [f('a:b', 'c?d.txt'), f('.git', 'config'), f('x.', 'y '), f('desktop.ini')];
    expect(savePaths('name.', files, true)).toEqual([
      'name_/a_b/c_d.txt',
      'name_/_git/config',
      'name_/x_/y_',
      'name_/_desktop.ini',
    ]);
  });

  it('saves a file with an empty path list or empty components as _', () => {
    expect(savePaths('T', [f(), f('', ''), f('a', '')], true)).toEqual([
      'T/_',
      'T/_ (2)/_', // the folder '' collides with the file ''
      'T/a/_',
    ]);
  });

  it('rejects a single-file torrent with two files to save', () => {
    expect(() => savePaths('T', [f('a'), f('b')], false)).toThrow(RangeError);
    expect(savePaths('T', [f('a'), pad('p')], false)).toEqual(['T', null]);
  });
});

describe('savePaths: collisions', () => {
  it('numbers later names that equal ignoring case', () => {
    const files = [f('a.txt'), f('A.TXT'), f('a.txt'), f('b.txt')];
    expect(savePaths('T', files, true)).toEqual([
      'T/a.txt',
      'T/A (2).TXT',
      'T/a (3).txt',
      'T/b.txt',
    ]);
  });

  it('numbers names that collide only after sanitizing', () => {
    const files = [f('a:b.txt'), f('a?b.txt'), f('a_b.txt'), f('con'), f('_CON')];
    expect(savePaths('T', files, true)).toEqual([
      'T/a_b.txt',
      'T/a_b (2).txt',
      'T/a_b (3).txt',
      'T/_con',
      'T/_CON (2)',
    ]);
  });

  it('numbers names that equal after Unicode normalization', () => {
    const files = [f('caf\u00e9.txt'), f('cafe\u0301.txt')];
    expect(savePaths('T', files, true)).toEqual(['T/caf\u00e9.txt', 'T/cafe\u0301 (2).txt']);
  });

  it('lets an original name keep its place over a generated one', () => {
    const files = [f('a.txt'), f('a.txt'), f('a (2).txt')];
    expect(savePaths('T', files, true)).toEqual(['T/a.txt', 'T/a (3).txt', 'T/a (2).txt']);
  });

  it('makes a generated name unique too', () => {
    const files = [f('a (2)'), f('a'), f('a'), f('A (2)')];
    expect(savePaths('T', files, true)).toEqual(['T/a (2)', 'T/a', 'T/a (3)', 'T/A (2) (2)']);
  });

  it('numbers a file that has a folder name, and a folder that has a file name', () => {
    expect(savePaths('T', [f('x'), f('X', 'y')], true)).toEqual(['T/x', 'T/X (2)/y']);
    expect(savePaths('T', [f('X', 'y'), f('x')], true)).toEqual(['T/X/y', 'T/x (2)']);
  });

  it('keeps one folder for one raw name and numbers folders that differ in case', () => {
    const files = [f('Docs', 'a'), f('docs', 'b'), f('Docs', 'c'), f('DOCS', 'a')];
    expect(savePaths('T', files, true)).toEqual([
      'T/Docs/a',
      'T/docs (2)/b',
      'T/Docs/c',
      'T/DOCS (3)/a',
    ]);
  });

  it('does not number equal names in different folders', () => {
    expect(savePaths('T', [f('a', 'x'), f('b', 'x'), f('x')], true)).toEqual([
      'T/a/x',
      'T/b/x',
      'T/x',
    ]);
  });

  it('numbers before a two-part extension, or at the end', () => {
    const files = [
      f('x.tar.gz'),
      f('X.TAR.GZ'),
      f('README'),
      f('readme'),
      f('_bashrc'),
      f('.bashrc'),
    ];
    expect(savePaths('T', files, true)).toEqual([
      'T/x.tar.gz',
      'T/X (2).TAR.GZ',
      'T/README',
      'T/readme (2)',
      'T/_bashrc',
      'T/_bashrc (2)',
    ]);
  });

  it('keeps numbered long names within 200 bytes', () => {
    const long = `${'a'.repeat(300)}.txt`;
    const [one, two] = savePaths('T', [f(long), f(long)], true);
    expect(one).toBe(`T/${'a'.repeat(196)}.txt`);
    expect(two).toBe(`T/${'a'.repeat(192)} (2).txt`);
    expect(bytes(two?.slice(2) ?? '')).toBe(200);
  });

  it('numbers many equal names uniquely', () => {
    const files = Array.from({ length: 1000 }, () => f('x.txt'));
    const paths = savePaths('T', files, true);
    expect(new Set(paths).size).toBe(1000);
    expect(paths[0]).toBe('T/x.txt');
    expect(paths[999]).toBe('T/x (1000).txt');
  });
});

describe('savePaths: nothing lands outside <torrent name>/', () => {
  const attempts = [
    ['..', '..', 'etc', 'passwd'],
    ['/etc/passwd'],
    ['a\\..\\b'],
    ['..\\..\\Windows\\System32'],
    ['.'],
    ['', 'x'],
    ['C:', 'x'],
    ['C:\\x'],
    ['\\\\server\\share'],
    ['~', '.ssh', 'authorized_keys'],
    ['a/../../b'],
  ];
  it.each(attempts.map((p) => [p.join(' | '), p] as const))('%s', (_label, path) => {
    const [out] = savePaths('Torrent', [f(...path)], true);
    expect(out?.startsWith('Torrent/')).toBe(true);
    const parts = out?.split('/') ?? [];
    expect(parts.length).toBe(1 + Math.max(path.length, 1));
    for (const part of parts) {
      expect(['', '.', '..']).not.toContain(part);
      expect(isAcceptedByChrome(part)).toBe(true);
    }
  });

  it('maps the examples as documented', () => {
    const files = [f('..', '..', 'etc', 'passwd'), f('/etc/passwd'), f('a\\..\\b')];
    expect(savePaths('..', files, true)).toEqual([
      '__/__/__/etc/passwd',
      '__/_etc_passwd',
      '__/a_.._b',
    ]);
    expect(savePaths('/', [f('x')], true)).toEqual(['_/x']);
  });
});

// How long these take is measured by `npm run bench` (part parse), not here.
describe('savePaths: many files', () => {
  it('saves 10,000 files in nested folders under distinct paths', () => {
    const files = Array.from({ length: 10_000 }, (_, i) =>
      f(`Season ${i % 10}`, `Disc ${i % 7}`, `Track ${i % 500} – Ü.flac`),
    );
    const paths = savePaths('Big', files, true);
    expect(new Set(paths).size).toBe(10_000);
  });

  it('numbers 20,000 files with the same name', () => {
    const files = Array.from({ length: 20_000 }, () => f('same.bin'));
    const paths = savePaths('Big', files, true);
    expect(new Set(paths).size).toBe(20_000);
    expect(paths[19_999]).toBe('Big/same (20000).bin');
  });
});

describe('property: random nasty names', () => {
  // prettier-ignore
  const alphabet = [
    'a', 'Z', 'é', 'e\u0301', 'ß', 'SS', 'Σ', 'ς', '😀', 'ファ', 'ا', '0', '1',
    '.', '..', '~', ' ', '\u00a0', '\u3000', '\t', '\n', '\0', '\x7f', '\x85',
    '/', '\\', ':', '*', '?', '"', '<', '>', '|', '$', '{', '}', '(', ')', '+', ';',
    '\u00ad', '\u061c', '\u180e', '\u200b', '\u200d', '\u200f', '\u202e', '\u2066', '\ufeff',
    '\ud800', '\udc00', '\ufdd0', '\uffff',
    'CON', 'con', 'Lpt1', 'COM0', 'clock$', 'nul', '.lnk', '.LOCAL', '.{x}', '.txt', '.gz',
    'desktop.ini', 'thumbs.db', '~1', ' (2)', '.{', '}', `.{${'z'.repeat(20)}}`,
    'x'.repeat(60), 'ü'.repeat(40), '😀'.repeat(30),
  ];

  function randomName(next: () => number): string {
    const n = Math.floor(next() * 10);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)] ?? '';
    return s;
  }

  it('every sanitized component is accepted, short and stable', () => {
    const next = prng(0x5eed);
    for (let i = 0; i < 20_000; i++) {
      const input = randomName(next);
      const out = sanitizeComponent(input);
      if (!isAcceptedByChrome(out)) throw new Error(`refused: ${JSON.stringify(input)} → ${out}`);
      expect(sanitizeComponent(out)).toBe(out);
      if (isAcceptedByChrome(input)) expect(out).toBe(input);
    }
  });

  it('every path of a random torrent is accepted, inside the root and unique', () => {
    const next = prng(42);
    for (let t = 0; t < 200; t++) {
      const files = Array.from({ length: 1 + Math.floor(next() * 40) }, () => ({
        path: Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
          next() < 0.5
            ? (['a', 'A', 'b', '.', 'con'][Math.floor(next() * 5)] ?? '')
            : randomName(next),
        ),
        pad: next() < 0.1,
      }));
      const name = randomName(next);
      const root = sanitizeComponent(name);
      const paths = savePaths(name, files, true);
      const fileKeys = new Set<string>();
      const folderKeys = new Set<string>();
      paths.forEach((path, i) => {
        if (files[i]?.pad) return expect(path).toBeNull();
        if (path === null) throw new Error('a non-pad file has no path');
        if (!isAcceptedPath(path)) throw new Error(`refused path ${JSON.stringify(path)}`);
        expect(path.split('/')[0]).toBe(root);
        const key = collisionKey(path);
        expect(fileKeys.has(key)).toBe(false);
        fileKeys.add(key);
        const parts = path.split('/');
        for (let d = 1; d < parts.length; d++)
          folderKeys.add(collisionKey(parts.slice(0, d).join('/')));
      });
      for (const key of fileKeys) expect(folderKeys.has(key)).toBe(false);
    }
  });
});
