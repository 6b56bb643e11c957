import { describe, expect, it } from 'vitest';
import { HEADER_CHALLENGE } from '../../constants';
import { challengeClient, isOwnApi } from '../shared/challenge-client';

const PAGE = 'https://app.example.com/2fa?redirect=%2Fadmin';

/** The app's client, reduced to what matters: requests go through `this.axios`. */
function fakeApp(baseURL = '/api/') {
  const sent: any[] = [];
  const axios: any = {
    defaults: { baseURL },
    interceptors: {},
    request: async (config: any) => {
      sent.push(config);
      return { data: { data: null } };
    },
  };
  const api: any = {
    axios,
    auth: { token: '' },
    request(config: any) {
      return this.axios.request(config);
    },
    resource(name: string) {
      return { send: (values: unknown) => this.request({ url: `${name}:send`, method: 'post', data: values }) };
    },
  };
  return { api, sent };
}

describe('the /2fa API client', () => {
  it('adds the challenge header to requests to the app API, its own and third-party ones', async () => {
    const { api, sent } = fakeApp();
    const client = challengeClient(api, { token: () => 'tok', pageHref: () => PAGE });
    await client.request({ url: 'twoFactor:getChallenge' });
    await client.resource('smsOTP').send({ uuid: '+100' });
    await client.axios.request({ url: 'myFactor:send' });
    await (client.axios as any).post('myFactor:send', { a: 1 });
    await (client.axios as any).get('myFactor:status', { params: { x: 1 } });
    expect(sent).toHaveLength(5);
    for (const config of sent) expect(config.headers[HEADER_CHALLENGE]).toBe('tok');
    expect(sent[3]).toMatchObject({ method: 'post', data: { a: 1 } });
    expect(sent[4]).toMatchObject({ method: 'get', params: { x: 1 } });
  });

  it('adds nothing once there is no challenge to send (page left, challenge over)', async () => {
    const { api, sent } = fakeApp();
    let token: string | null = 'tok';
    const client = challengeClient(api, { token: () => token, pageHref: () => PAGE });
    token = null;
    await client.request({ url: 'twoFactor:getChallenge' });
    expect(sent[0].headers?.[HEADER_CHALLENGE]).toBeUndefined();
  });

  it('never sends the token to another host', async () => {
    const { api, sent } = fakeApp();
    const client = challengeClient(api, { token: () => 'tok', pageHref: () => PAGE });
    await client.request({ url: 'https://evil.com/collect' });
    await client.request({ url: '//evil.com/collect' });
    expect(sent.map((c) => c.headers?.[HEADER_CHALLENGE])).toEqual([undefined, undefined]);
  });

  it('leaves the app client itself alone', async () => {
    const { api, sent } = fakeApp();
    challengeClient(api, { token: () => 'tok', pageHref: () => PAGE });
    await api.request({ url: 'users:list' });
    expect(sent[0].headers).toBeUndefined();
  });
});

describe('isOwnApi', () => {
  it('accepts relative URLs and the API host, refuses others', () => {
    expect(isOwnApi('twoFactor:verify', '/api/', PAGE)).toBe(true);
    expect(isOwnApi('/api/x:y', '/api/', PAGE)).toBe(true);
    expect(isOwnApi('x:y', 'https://api.example.com/api/', PAGE)).toBe(true);
    expect(isOwnApi('https://api.example.com/api/x:y', 'https://api.example.com/api/', PAGE)).toBe(true);
    expect(isOwnApi('https://app.example.com/api/x:y', 'https://api.example.com/api/', PAGE)).toBe(false);
    expect(isOwnApi('//evil.com/x', '/api/', PAGE)).toBe(false);
  });
});
