import { buildDigest, escapeHtml, DIGEST_PATHS } from '../../../lib/app/notify-owners/digest';
import type { MarkNotice } from '../../../lib/contracts/notice-event';

const NOW = Date.parse('2031-05-01T10:00:00.000Z');
const SETTINGS = { linkBase: 'https://www.terabox.com/', exemptionContact: 'links-admin@example.com' };

function aNotice(overrides: Partial<MarkNotice> = {}): MarkNotice {
  return { runId: 'run-1', shareId: '101', policyId: 'public-30d', graceHours: 24, reason: 'created 41.2 days ago, limit 30 days (public-30d)', shortUrl: '1abc', paths: ['/Public/a.pdf'], pathCount: 1, requester: 'marketing', ...overrides };
}

describe('the digest mail', () => {
  it('lists each share with its link, files, reason and earliest cancellation, and says how to ask for an exemption', () => {
    const mail = buildDigest({ requester: 'marketing', displayName: 'Marketing team', fallback: false, notices: [aNotice(), aNotice({ shareId: '102', graceHours: 48, shortUrl: undefined, requestId: 'req-9' })], nowMs: NOW }, SETTINGS);
    expect(mail.subject).toBe('2 TeraBox share links will be cancelled unless you act');
    expect(mail.text).toBe(
      [
        'Hello Marketing team,',
        '',
        '2 share links broke a sharing policy and are marked for cancellation. Each is cancelled by the first sweep after its grace ends, if it still breaks the policy.',
        '',
        '- share 101 (https://www.terabox.com/s/1abc)',
        '    /Public/a.pdf',
        '    why: created 41.2 days ago, limit 30 days (public-30d)',
        '    not cancelled before: 2031-05-02T10:00:00.000Z',
        '- share 102',
        '    /Public/a.pdf',
        '    why: created 41.2 days ago, limit 30 days (public-30d)',
        '    not cancelled before: 2031-05-03T10:00:00.000Z',
        '    request: req-9',
        '',
        'To keep a link, write to links-admin@example.com before its grace ends, naming the share id and why it must stay: an operator can add an exemption for it. Nothing is needed if the link may go.',
        '',
        '-- terabox-share-lifecycle',
        '',
      ].join('\n'),
    );
  });

  it('escapes every user string in the HTML part, so a hostile file name stays text', () => {
    const hostile = '/Public/<img src=x onerror=alert(1)>.png';
    const mail = buildDigest(
      { requester: '<b>ops</b>', displayName: '"Ops" & <friends>', fallback: false, notices: [aNotice({ paths: [hostile], reason: "it's <script>", requestId: '<i>r</i>' })], nowMs: NOW },
      SETTINGS,
    );
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;.png');
    expect(mail.html).toContain('Hello &quot;Ops&quot; &amp; &lt;friends&gt;,');
    expect(mail.html).toContain('it&#39;s &lt;script&gt;');
    expect(mail.html).toContain('request &lt;i&gt;r&lt;/i&gt;');
    expect(mail.html).not.toMatch(/<(img|script|b|i)[\s>]/);
  });

  it('links only a plain short url code, and counts the paths it does not list', () => {
    const paths = Array.from({ length: 8 }, (_, i) => `/Public/f${i}.pdf`);
    const mail = buildDigest({ fallback: false, notices: [aNotice({ shortUrl: 'javascript:alert(1)', paths, pathCount: 30 })], nowMs: NOW }, SETTINGS);
    expect(mail.html).not.toContain('href=');
    expect(mail.text).toContain(`...and ${30 - DIGEST_PATHS} more`);
  });

  it('tells the fallback contact whose shares they are', () => {
    const forRequester = buildDigest({ requester: 'design', fallback: true, notices: [aNotice()], nowMs: NOW }, SETTINGS);
    expect(forRequester.text).toMatch(/^Hello, you receive this as the account's fallback contact: these shares belong to requester "design", who has no address/);
    const noRequester = buildDigest({ fallback: true, notices: [aNotice({ requester: undefined })], nowMs: NOW }, SETTINGS);
    expect(noRequester.text).toContain('nobody the product knows');
  });

  it.each([
    ['<a href="x">', '&lt;a href=&quot;x&quot;&gt;'],
    ["Tom & Jerry's", 'Tom &amp; Jerry&#39;s'],
    ['plain', 'plain'],
  ])('escapes %j', (input, output) => {
    expect(escapeHtml(input)).toBe(output);
  });
});
