import type { CryptoProvider, PrivateKey, PublicKey } from '../../crypto/provider.js';
import { LocalAlert } from '../../errors.js';
import { AlertDescription } from '../../messages/enums.js';
import type { ClientKeyAgreement, ServerKeyAgreement } from './key-exchange.js';

/**
 * RSA key transport (RFC 5246 §7.4.7.1) with implicit rejection: whatever is wrong with the
 * ciphertext, the server carries on with a random premaster drawn before decrypting, so the
 * only failure anyone sees is the client's Finished not decrypting (bad_record_mac).
 */
export class RsaServer implements ServerKeyAgreement {
  readonly params = undefined;

  constructor(private readonly clientVersion: number) {}

  premaster(encrypted: Uint8Array, provider: CryptoProvider, key: PrivateKey | undefined): Uint8Array {
    if (!key) throw new Error('RSA key transport chosen without a certificate key');
    // Draw the fallback before touching the ciphertext (RFC 5246 §7.4.7.1 step 1).
    const fallback = provider.random.bytes(48);
    return provider.rsaKeyTransport.decrypt(key, encrypted, this.clientVersion, fallback);
  }
}

export function rsaClient(provider: CryptoProvider, serverKey: PublicKey, clientVersion: number): ClientKeyAgreement {
  if (serverKey.type !== 'rsa') throw new LocalAlert(AlertDescription.illegal_parameter, 'RSA key exchange needs an RSA server key');
  // RFC 5246 §7.4.7.1: client_version (the version we offered) ‖ 46 random bytes.
  const premaster = provider.random.bytes(48);
  premaster[0] = clientVersion >> 8;
  premaster[1] = clientVersion & 0xff;
  return { clientValue: provider.rsaKeyTransport.encrypt(serverKey, premaster), premaster };
}
