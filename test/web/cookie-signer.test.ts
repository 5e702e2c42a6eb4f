import { expect } from 'chai';
import Keygrip from 'keygrip';
import { CookieSigner } from '../../src/web/cookie-signer.js';

describe('cookie signer', () => {
  const current = 'k'.repeat(32);
  const older = 'o'.repeat(32);

  it('signs as Keygrip does (HMAC-SHA1, base64url, first key), so cookies signed before stay valid', () => {
    const signer = new CookieSigner([current, older]);
    const keygrip = new Keygrip([current, older]);
    for (const data of ['_interaction=abc', 'cert_idp.csrf=s3cr3t', 'x=日本語', '']) {
      expect(signer.sign(data)).to.equal(keygrip.sign(data));
      expect(signer.index(data, keygrip.sign(data))).to.equal(0);
      expect(signer.verify(data, keygrip.sign(data))).to.equal(true);
    }
    const unicodeKey = 'ключ-鍵-'.repeat(5);
    expect(new CookieSigner([unicodeKey]).sign('a=1')).to.equal(new Keygrip([unicodeKey]).sign('a=1'));
  });

  it('finds the key a signature was made with (an older one gets the cookie re-signed) and refuses anything else', () => {
    const signer = new CookieSigner([current, older]);
    const byOlder = new Keygrip([older]).sign('a=1');
    expect(signer.index('a=1', byOlder)).to.equal(1);
    expect(signer.index('a=2', byOlder)).to.equal(-1);
    expect(signer.index('a=1', new Keygrip(['u'.repeat(32)]).sign('a=1'))).to.equal(-1);
    expect(signer.index('a=1', `${signer.sign('a=1')}x`)).to.equal(-1);
    expect(signer.index('a=1', signer.sign('a=1').slice(1))).to.equal(-1);
    expect(signer.index('a=1', '')).to.equal(-1);
    const tampered = signer.sign('a=1').replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect(signer.verify('a=1', tampered)).to.equal(false);
    expect(() => new CookieSigner([])).to.throw();
  });
});
