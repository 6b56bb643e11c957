import { describe, expect, it } from 'vitest';
import { describeBrowser } from '../user-agent';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  operaMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/112.0.0.0',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromeIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36',
};

describe('describeBrowser', () => {
  it('names browser and system as notices print them', () => {
    expect(describeBrowser(UA.chromeWindows)).toBe('Chrome on Windows');
    expect(describeBrowser(UA.edgeWindows)).toBe('Edge on Windows');
    expect(describeBrowser(UA.operaMac)).toBe('Opera on macOS');
    expect(describeBrowser(UA.firefoxLinux)).toBe('Firefox on Linux');
    expect(describeBrowser(UA.safariIphone)).toBe('Safari on iOS');
    expect(describeBrowser(UA.chromeIphone)).toBe('Chrome on iOS');
    expect(describeBrowser(UA.chromeAndroid)).toBe('Chrome on Android');
    expect(describeBrowser(UA.headless)).toBe('Chrome on Linux');
  });

  it('joins the two as asked (the client shows "Chrome · Windows")', () => {
    expect(describeBrowser(UA.chromeWindows, ' · ')).toBe('Chrome · Windows');
  });

  it('names an unknown client by its first word, and a missing one plainly', () => {
    expect(describeBrowser('curl/8.5.0')).toBe('curl');
    expect(describeBrowser('')).toBe('an unknown browser');
    expect(describeBrowser(null)).toBe('an unknown browser');
  });
});
