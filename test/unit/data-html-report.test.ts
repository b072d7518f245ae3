import { renderHtmlReport } from '../../src/data/html-report';
import type { ColumnDrift, ValidationReport } from '../../src/data/report';
import {
  formatDuration,
  formatIssueValue,
  formatNumber,
  formatShare,
  renderTerminalReport,
  terminalSafe,
} from '../../src/data/terminal-report';
import {
  HOSTILE_COLUMN,
  HOSTILE_VALUE,
  bell,
  intervalLabels,
  sampleReport,
  wideReport,
} from '../fixtures/reports/sample-report';

/** The elements the HTML report may contain; anything else would be injected markup. */
const ALLOWED_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'main',
  'header',
  'nav',
  'section',
  'article',
  'figure',
  'figcaption',
  'h1',
  'h2',
  'h3',
  'p',
  'div',
  'span',
  'a',
  'b',
  'i',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'svg',
  'path',
  'rect',
  'line',
  'text',
]);

/** The HTML of each column card, in order. */
function cards(html: string): string[] {
  return html
    .split('<article ')
    .slice(1)
    .map((s) => s.slice(0, s.indexOf('</article>')));
}

function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === 'string'
    ? haystack.split(needle).length - 1
    : (haystack.match(needle) ?? []).length;
}

function withoutDrift(): ValidationReport {
  const report = sampleReport();
  delete report.drift;
  delete report.expectations;
  return report;
}

describe('renderHtmlReport', () => {
  const report = sampleReport();
  const html = renderHtmlReport(report);

  it('is one self-contained document: no script, no external reference, a CSP forbidding both', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|image|use|foreignObject)\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    // Attribute names of every tag (quoted values, which may quote the data, blanked): no source,
    // no event handler; every link an in-page anchor.
    const tags = Array.from(html.matchAll(/<[^>]*>/g), (m) => m[0].replace(/"[^"]*"/g, '""'));
    expect(tags.filter((tag) => /\s(src|xlink:href|action|formaction|on\w+)\s*=/i.test(tag))).toEqual([]);
    expect(
      Array.from(html.matchAll(/\shref="([^"]*)"/g), (m) => m[1]).filter((h) => !/^#col-\d+$/.test(h ?? '')),
    ).toEqual([]);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    const names = new Set(
      Array.from(html.matchAll(/<\/?([a-zA-Z][\w-]*)/g), (m) => (m[1] ?? '').toLowerCase()),
    );
    expect([...names].filter((t) => !ALLOWED_TAGS.has(t))).toEqual([]);
  });

  it('escapes every string from the data: column names, category values, messages, title', () => {
    expect(html).not.toContain(HOSTILE_COLUMN);
    expect(html).not.toContain(HOSTILE_VALUE);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;quoted&quot; &amp; &#39;single&#39;');
    const hostileTitle = renderHtmlReport(report, { title: '</title><script>alert(1)</script>' });
    expect(hostileTitle).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(hostileTitle).not.toMatch(/<script/i);
    const hostileFile = renderHtmlReport({ ...report, file: '/data/"><svg onload=alert(1)>.csv' });
    expect(hostileFile).toContain('/data/&quot;&gt;&lt;svg onload=alert(1)&gt;.csv');
    expect(count(hostileFile, '<svg')).toBe(count(html, '<svg'));
  });

  it('heads the page with the verdict, file, rows, columns, duration, reference and rule files with SHA-256', () => {
    expect(html).toContain('<title>Validation report: current-2024-06.csv</title>');
    expect(html).toContain('<span class="badge fail">FAILED</span>');
    expect(html).toContain('/data/churn/current-2024-06.csv');
    expect(html).toContain('<dt>Rows</dt><dd>12,480</dd>');
    expect(html).toContain('<dt>Columns</dt><dd>8</dd>');
    expect(html).toContain('<dt>Duration</dt><dd>1.84 s</dd>');
    expect(html).toContain('/data/churn/reference-2024-01.csv');
    expect(html).toContain('<dt>Reference rows</dt><dd>50,210</dd>');
    expect(html).toContain('/repo/specs/churn.schema.yaml');
    expect(html).toContain('sha256:3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea');
    expect(html).toContain('sha256:a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00');
    expect(renderHtmlReport({ ...report, passed: true })).toContain('<span class="badge pass">PASSED</span>');
  });

  it('tabulates errors then warnings: check, column (linked to its card), message, rows', () => {
    expect(html).toContain('3 errors, 4 warnings');
    const section = html.slice(html.indexOf('Errors and warnings'), html.indexOf('<h2>Expectations'));
    expect(count(section, '<span class="pill bad">error</span>')).toBe(3);
    expect(count(section, '<span class="pill warn">warning</span>')).toBe(4);
    expect(section).toContain(
      '<td class="mono">range</td><td><a href="#col-1" class="mono">tenure_months</a></td>' +
        '<td>37 values outside [0, 120] (observed min -5, max 130), first rows 12, 40, 41, 97, 310</td>',
    );
    expect(section).toContain('37 rows</span><div class="muted">first 12, 40, 41, 97, 310</div>');
    // The expectation's "column <name>: " is dropped after its type; the column has its own cell.
    expect(section).toContain('expect_column_mean_to_be_between: mean 71.83 is not between 20 and 70');
  });

  it('tabulates expectations: status, type, column(s), observed vs expected, unexpected %', () => {
    expect(html).toContain('7 evaluated, 2 failed');
    const section = html.slice(html.indexOf('<h2>Expectations'), html.indexOf('<h2>Drift'));
    expect(count(section, '<span class="pill good">passed</span>')).toBe(5);
    expect(count(section, '>failed</span>')).toBe(2);
    expect(section).toContain('expect_column_mean_to_be_between');
    expect(section).toContain(
      '<td class="mono small">71.8312</td><td class="mono small">{min_value: 20, max_value: 70}</td>',
    );
    expect(section).toContain('<td class="num">4.21% (525)</td>');
    expect(section).toContain(
      '<a href="#col-0" class="mono">customer_id</a>, <a href="#col-3" class="mono">plan</a>',
    );
    expect(section).toContain('<span class="muted">table</span>');
  });

  it('summarises drift: drifted share vs allowed, one row per column with every statistic', () => {
    const section = html.slice(html.indexOf('<h2>Drift'), html.indexOf('<h2>Columns'));
    expect(section).toContain('no dataset drift');
    expect(section).toContain('2 of 6 columns drifted (33.3%); allowed share 50%');
    expect(count(section, '<tr class=')).toBe(6);
    expect(count(section, '<span class="pill bad">drift</span>')).toBe(2);
    expect(section).toContain(
      '<td class="mono">psi</td><td class="num mono">0.3127</td><td class="num mono">≥ 0.2</td>',
    );
    expect(section).toContain(
      '<td class="mono">chisquare</td><td class="num mono">0.0004</td><td class="num mono">p &lt; 0.05</td>',
    );
    for (const stat of [
      'ks_statistic 0.1402',
      'ks 1.2e-9',
      'wasserstein_distance 6.31',
      'jensenshannon 0.1489',
    ]) {
      expect(section).toContain(stat);
    }
    expect(section).toContain('<span class="stat decides">psi 0.3127</span>');
    expect(section).toContain('(not in the drift spec)');
  });

  it('renders a card per column with its profile, and one SVG chart per charted column', () => {
    const all = cards(html);
    expect(all).toHaveLength(report.columns.length);
    expect(all.map((c) => /<h3[^>]*>([^<]*)<\/h3>/.exec(c)?.[1])).toEqual([
      'customer_id',
      'tenure_months',
      'monthly_charges',
      'plan',
      'is_active',
      'country',
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;',
      'notes',
    ]);
    // Every compared column charts reference vs current; the unique ids and the all-null column do not chart.
    expect(all.map((c) => count(c, '<svg'))).toEqual([0, 1, 1, 1, 1, 1, 1, 0]);
    expect(count(html, '<svg')).toBe(6);
    for (const card of all.filter((c) => c.includes('<svg'))) {
      expect(card).toContain('<path class="bar-ref"');
      expect(card).toContain('<path class="bar-cur"');
      expect(card).toMatch(/>reference<\/text>.*>current<\/text>/);
      expect(card).toContain('>share of rows</text>');
    }
    expect(all[0]).toContain('No chart: nearly every value is distinct.');
    expect(all[7]).toContain('No chart: every value is null.');

    const tenure = all[1] ?? '';
    expect(tenure).toContain('<span class="pill bad">1 error</span><span class="pill warn">1 warning</span>');
    expect(tenure).toContain('<dt>zeros</dt><dd>412</dd>');
    expect(tenure).toContain('<dt>min</dt><dd>-5</dd>');
    expect(tenure).toContain('<dt>mean</dt><dd>32.42</dd>');
    expect(tenure).toContain('<dt>std</dt><dd>24.69</dd>');
    expect(tenure).toContain('<th>p50</th>');
    expect(tenure).toContain('<td>29</td>');
    expect(count(tenure, '<rect class="hit"')).toBe(14);
    // A numeric axis at the bin edges: first and last edge labelled.
    expect(tenure).toMatch(/<text x="[\d.]+" y="[\d.]+">-5<\/text>/);
    expect(tenure).toMatch(/text-anchor="end">130<\/text>/);

    const monthly = all[2] ?? '';
    expect(monthly).toContain('<dt>NaN</dt><dd>3</dd>');
    expect(monthly).toContain('<dt>+Inf / −Inf</dt><dd>1 / 0</dd>');
    expect(monthly).toContain('<dt>nulls</dt><dd>12 (&lt;0.1%)</dd>');

    const plan = all[3] ?? '';
    expect(plan).toContain('<dt>length min / mean / max</dt><dd>5 / 6.83 / 10</dd>');
    expect(plan).toContain('>5,120</td>');
    expect(plan).toContain('<title>trial: reference 0%, current 1.7%</title>');

    const active = all[4] ?? '';
    expect(active).toContain('<dt>true</dt><dd>9,170 (73.5%)</dd>');
    expect(active).toContain('<dt>false</dt><dd>3,310 (26.5%)</dd>');
  });

  it('folds categories beyond the top 30 into "other"', () => {
    const country = cards(html)[5] ?? '';
    expect(count(country, '<rect class="hit"')).toBe(31);
    expect(country).toContain('>other (15)</text>');
    expect(country).toContain('>C30</text>');
    expect(country).not.toContain('>C31</text>');
    expect(country).toContain('top 30 of 45 categories; the other 15 summed');
    // Rotated labels for a crowded axis.
    expect(country).toContain('transform="rotate(-60');
  });

  it("charts a column's own histogram when the report has no drift", () => {
    const noDrift = renderHtmlReport(withoutDrift());
    const all = cards(noDrift);
    expect(noDrift).not.toContain('<h2>Drift');
    expect(noDrift).not.toContain('<h2>Expectations');
    const tenure = all[1] ?? '';
    expect(count(tenure, '<svg')).toBe(1);
    expect(tenure).not.toContain('bar-ref');
    expect(tenure).toContain('<path class="bar-cur"');
    expect(count(tenure, '<rect class="hit"')).toBe(10);
    expect(tenure).toContain('<title>[-5, 8.5): rows 2,900</title>');
    expect(tenure).toContain('<title>[116.5, 130]: rows 30</title>');
    expect(tenure).toContain('>rows</text>');
    // Strings chart their top values, booleans true / false.
    expect(all[3]).toContain('<title>basic: rows 5,120</title>');
    expect(all[4]).toContain('<title>true: rows 9,170</title>');
    expect(count(noDrift, '<svg')).toBe(6);
  });

  it("draws 1 to 60 bins; without bins, the column's own distribution", () => {
    const report1 = sampleReport();
    const drift = report1.drift as NonNullable<ValidationReport['drift']>;
    const one: ColumnDrift = {
      ...(drift.columns[0] as ColumnDrift),
      bins: { labels: ['[3, 3]'], reference: [1], current: [1] },
    };
    const sixty: ColumnDrift = {
      ...(drift.columns[1] as ColumnDrift),
      bins: {
        labels: intervalLabels(0, 600, 60),
        reference: bell(60, 0.5, 0.2),
        current: bell(60, 0.5, 0.25),
      },
    };
    const empty: ColumnDrift = {
      ...(drift.columns[2] as ColumnDrift),
      bins: { labels: [], reference: [], current: [] },
    };
    drift.columns = [one, sixty, empty];
    const all = cards(renderHtmlReport(report1));
    expect(count(all[1] ?? '', '<rect class="hit"')).toBe(1);
    expect(count(all[2] ?? '', '<rect class="hit"')).toBe(60);
    expect(count(all[2] ?? '', /M[\d.]+ [\d.]+h/g)).toBe(120);
    // At most ~8 edge labels under 60 bins, the last one included.
    expect(
      count(all[2] ?? '', /<text x="[\d.]+" y="[\d.]+"( text-anchor="\w+")?>\d+<\/text>/g),
    ).toBeLessThanOrEqual(9);
    expect(all[2]).toContain('text-anchor="end">600</text>');
    // No bins: the column's own top values, not a broken SVG.
    expect(count(all[3] ?? '', '<svg')).toBe(1);
    expect(all[3]).not.toContain('bar-ref');
    expect(all[3]).toContain('<title>basic: rows 5,120</title>');
  });

  it('stays well under 1 MB for 30 columns of 60 bins or 200 categories', () => {
    const wide = renderHtmlReport(wideReport(30, 60));
    expect(count(wide, '<svg')).toBe(30);
    expect(Buffer.byteLength(wide)).toBeLessThan(500_000);
  });
});

describe('renderTerminalReport', () => {
  const text = renderTerminalReport(sampleReport());
  const lines = text.split('\n');

  it('prints the headline, then each error and warning on one aligned line', () => {
    expect(lines.slice(0, 10)).toEqual([
      'FAILED /data/churn/current-2024-06.csv: 12,480 rows, 8 columns, 3 errors, 4 warnings, 1.84 s',
      'Errors (3):',
      '  tenure_months    range        37 values outside [0, 120] (observed min -5, max 130), first rows 12, 40, 41, 97, 310',
      '  monthly_charges  nulls        12 nulls in a non-nullable column (observed 12; expected 0; 12 rows, first 3, 8, 19, 20, 44)',
      '  monthly_charges  expectation  expect_column_mean_to_be_between: mean 71.83 is not between 20 and 70',
      'Warnings (4):',
      '  plan                         domain       214 values not in [basic, standard, premium, enterprise] (e.g. "trial"), first rows 5, 17, 23, 31, 60',
      `  ${HOSTILE_COLUMN}  expectation  expect_column_values_to_match_regex: 525 of 12480 values (4.21%) do not match ^[a-z]+$, expected at most 1% (observed 0.0421; expected {regex: "^[a-z]+$", mostly: 0.99}; 525 rows, first 2, 9, 14, 15, 33)`,
      '  tenure_months                drift        column tenure_months drifted from the reference: psi 0.3127 >= 0.2',
      '  plan                         drift        column plan drifted from the reference: chisquare p-value 0.0004 < 0.05',
    ]);
  });

  it('counts failed expectations and prints the drift table with aligned columns', () => {
    expect(lines.slice(10)).toEqual([
      'Expectations: 7 evaluated, 2 failed (1 error, 1 warning)',
      'Drift against /data/churn/reference-2024-01.csv (50,210 rows): 2 of 6 columns drifted (33.3%, allowed 50%): no dataset drift',
      '  column                       method           score  drift if  result',
      '  tenure_months                psi             0.3127  >= 0.2    DRIFT',
      '  monthly_charges              ks (p)          0.4213  < 0.05    ok',
      '  plan                         chisquare (p)   0.0004  < 0.05    DRIFT',
      '  is_active                    psi             0.0123  >= 0.2    ok',
      '  country                      jensenshannon  0.0812~  >= 0.1    ok',
      `  ${HOSTILE_COLUMN}  linf            0.0501  >= 0.1    ok`,
      '  ~ from compacted sketches (rank error < 1%)',
      '  not compared: customer_id (not in the drift spec), notes (all null)',
    ]);
  });

  it('colours only when asked, and colour adds nothing but SGR codes', () => {
    expect(text).not.toContain('\u001b');
    const coloured = renderTerminalReport(sampleReport(), { color: true });
    expect(coloured.startsWith('\u001b[31m\u001b[1mFAILED\u001b[22m\u001b[39m')).toBe(true);
    expect(coloured).toContain('\u001b[31m\u001b[1mDRIFT\u001b[22m\u001b[39m');
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(text);
  });

  it('lists at most maxIssues per section', () => {
    const short = renderTerminalReport(sampleReport(), { maxIssues: 1 }).split('\n');
    expect(short.slice(1, 7)).toEqual([
      'Errors (3):',
      '  tenure_months  range  37 values outside [0, 120] (observed min -5, max 130), first rows 12, 40, 41, 97, 310',
      '  … and 2 more errors',
      'Warnings (4):',
      '  plan  domain  214 values not in [basic, standard, premium, enterprise] (e.g. "trial"), first rows 5, 17, 23, 31, 60',
      '  … and 3 more warnings',
    ]);
  });

  it('prints one line for a clean report and escapes control characters from the data', () => {
    const clean: ValidationReport = { ...withoutDrift(), issues: [], passed: true, durationMs: 412 };
    expect(renderTerminalReport(clean)).toBe(
      'PASSED /data/churn/current-2024-06.csv: 12,480 rows, 8 columns, 0 errors, 0 warnings, 412 ms',
    );
    const evil = '\u001b[2Jx\ny\u202e';
    const out = renderTerminalReport({
      ...clean,
      passed: false,
      issues: [
        { severity: 'error', check: 'nulls', file: 'f', column: evil, message: `column ${evil}: 1 null` },
      ],
    });
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u202e');
    expect(out.split('\n')).toEqual([
      'FAILED /data/churn/current-2024-06.csv: 12,480 rows, 8 columns, 1 error, 0 warnings, 412 ms',
      'Errors (1):',
      '  \\u001b[2Jx\\ny\\u202e  nulls  1 null',
    ]);
  });
});

describe('report value formatting', () => {
  it('formats numbers, shares, durations and JSON values for people', () => {
    expect(
      [12480, -5, 32.4187, 0.0004, 1.2e-9, 123456.7, null, NaN, Infinity, -Infinity].map((v) =>
        formatNumber(v),
      ),
    ).toEqual(['12,480', '-5', '32.42', '0.0004', '1.2e-9', '123,457', '—', 'NaN', '+∞', '−∞']);
    expect([0, 1, 0.5, 1 / 3, 0.0004, 0.9996].map(formatShare)).toEqual([
      '0%',
      '100%',
      '50%',
      '33.3%',
      '<0.1%',
      '>99.9%',
    ]);
    expect([412, 1843.2, 65_432, 3_725_000].map(formatDuration)).toEqual([
      '412 ms',
      '1.84 s',
      '1 min 05 s',
      '1 h 02 min',
    ]);
    expect(formatIssueValue({ min: 0, max: 120, values: ['a', 'b'], ok: true, none: null })).toBe(
      '{min: 0, max: 120, values: ["a", "b"], ok: true, none: null}',
    );
    expect(formatIssueValue(Array.from({ length: 12 }, (_v, i) => i))).toBe(
      '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … +2]',
    );
    expect(terminalSafe('a\tb\u0007')).toBe('a\\tb\\u0007');
  });
});
