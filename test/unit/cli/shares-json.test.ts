import { shareToJson } from '../../../lib/cli/shares';
import type { Share } from '../../../lib/domain/share';

describe('shares list --json', () => {
  it('says when TeraBox marks a share dead, and why', () => {
    const dead: Share = { shareId: '7', paths: [], fsIds: [], status: 9, dead: true, deadReason: 'status 9', raw: {} };
    expect(JSON.parse(JSON.stringify(shareToJson(dead)))).toMatchObject({ shareId: '7', dead: true, deadReason: 'status 9' });
    const live: Share = { shareId: '8', paths: ['/a'], fsIds: [], raw: {} };
    expect(JSON.parse(JSON.stringify(shareToJson(live)))).not.toHaveProperty('dead');
  });
});
