import { resolveActor } from '../../../lib/cli/caller-identity';

const userName = (): string => 'ana';
const arn = 'arn:aws:iam::123456789012:user/ana';

describe('resolveActor (who a policy change is recorded as)', () => {
  it('asks STS against AWS and records the ARN', async () => {
    const lookup = jest.fn(async () => arn);
    expect(await resolveActor({ AWS_REGION: 'eu-west-1' }, lookup, userName)).toEqual({ id: arn, source: 'sts' });
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it.each(['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL'])('uses the OS user name, and says why, when %s points at a local DynamoDB (STS is never asked)', async (name) => {
    const lookup = jest.fn(async () => arn);
    expect(await resolveActor({ [name]: 'http://127.0.0.1:8000' }, lookup, userName)).toEqual({
      id: 'ana',
      source: 'os-user',
      note: `the OS user name: ${name} points at a local DynamoDB, so there is no AWS caller identity to ask`,
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('falls back to the OS user name when STS fails, naming the error but never quoting its message', async () => {
    const failure = Object.assign(new Error('token ndus=SECRET-COOKIE expired'), { name: 'ExpiredTokenException' });
    const actor = await resolveActor({}, async () => Promise.reject(failure), userName);
    expect(actor).toEqual({ id: 'ana', source: 'os-user', note: 'the OS user name: STS GetCallerIdentity failed (ExpiredTokenException)' });
    expect(JSON.stringify(actor)).not.toContain('SECRET');
  });
});
