/** BundleRedactor: placeholders that keep a path's shape, JSON rewritten literal by literal, secrets out. */
import { BundleRedactor, EMAIL_PLACEHOLDER } from '../../../lib/doctor/bundle-redaction';

describe('BundleRedactor', () => {
  it('keeps depth and extension, one placeholder per name across the bundle', () => {
    const r = new BundleRedactor({ secrets: [], keepPaths: false });
    expect(r.path('/Public/plans/a.pdf')).toBe('/n1/n2/n3.pdf');
    expect(r.path('/Public/plans/b.tar.gz')).toBe('/n1/n2/n4.gz');
    expect(r.path('/Public/.env')).toBe('/n1/n5.env');
    expect(r.path('/')).toBe('/');
    expect(r.name('plans')).toBe('n2');
  });

  it('keeps everything with keepPaths', () => {
    const r = new BundleRedactor({ secrets: [], keepPaths: true });
    expect(r.json('{"path":"/Public/a.pdf","server_filename":"a.pdf"}')).toBe('{"path":"/Public/a.pdf","server_filename":"a.pdf"}');
  });

  it('rewrites only string literals: numbers beyond 2^53, spacing and order stay as sent', () => {
    const r = new BundleRedactor({ secrets: [], keepPaths: false });
    const body = '{"errno":0, "list":[{"fs_id":9007199254740993,"path":"/写真/猫 \\"1\\".jpg","server_filename":"猫 \\"1\\".jpg","isdir":0}]}';
    expect(r.json(body)).toBe('{"errno":0, "list":[{"fs_id":9007199254740993,"path":"/n1/n2.jpg","server_filename":"n2.jpg","isdir":0}]}');
  });

  it('replaces paths in a JSON list held in a string, and any string value that is a path', () => {
    const r = new BundleRedactor({ secrets: [], keepPaths: false });
    expect(r.json('{"path_list":"[\\"/A/b.txt\\"]","renamed":"/A/c.txt"}')).toBe('{"path_list":"[\\"/n1/n2.txt\\"]","renamed":"/n1/n3.txt"}');
  });

  it('removes the secrets it was given and learns the tokens, uk and user name of /main', () => {
    const r = new BundleRedactor({ secrets: ['ndus-value-123456'], keepPaths: false });
    const main = '<script>var templateData = {"bdstoken":"0123456789abcdef0123456789abcdef","jsToken":"fn%28%22TOKENVALUE42%22%29","uk":4000000123456,"username":"sam.smith"};</script>';
    r.learnFromMainPage(main);
    const html = r.html(main);
    expect(html).toBe('<script>var templateData = {"bdstoken":"00000000000000000000000000000000","jsToken":"fn%28%22REDACTED-JSTOKEN%22%29","uk":1000000000000,"username":"[REDACTED]"};</script>');
    expect(r.json('{"uk":4000000123456,"request_id":74000000123456,"echo":"TOKENVALUE42 ndus-value-123456","mail":"sam@example.com"}')).toBe(
      `{"uk":1000000000000,"request_id":74000000123456,"echo":"[REDACTED] [REDACTED]","mail":"${EMAIL_PLACEHOLDER}"}`,
    );
  });

  it('masks tokens in a query and replaces the dir path', () => {
    const r = new BundleRedactor({ secrets: [], keepPaths: false });
    expect(r.query('https://x.test/api/list?jsToken=abc&bdstoken=def&dir=%2FPublic%2Fplans&page=1')).toEqual({ jsToken: '[REDACTED]', bdstoken: '[REDACTED]', dir: '/n1/n2', page: '1' });
  });

  it('replaces share codes (same length, leading 1 kept, consistent) and share passwords', () => {
    const r = new BundleRedactor({ secrets: [], keepPaths: false });
    const body = '{"shorturl":"1aBcDeFgHiJ","shortlink":"https://www.terabox.com/s/1aBcDeFgHiJ","passwd":"ab12","other":{"passwd":"0"}}';
    expect(r.json(body)).toBe('{"shorturl":"1R1xxxxxxxx","shortlink":"https://www.terabox.com/s/1R1xxxxxxxx","passwd":"****","other":{"passwd":"0"}}');
    expect(r.text('created https://www.terabox.com/s/1aBcDeFgHiJ')).toBe('created https://www.terabox.com/s/1R1xxxxxxxx');
  });
});
