/**
 * RFC 5246 §7.4.1.4 and RFC 8446 §4.2: a server's ServerHello, HelloRetryRequest and
 * EncryptedExtensions may carry only extensions the client offered; a strict client aborts with
 * unsupported_extension otherwise. Every extension list the server sends in reply passes through
 * here, so an unsolicited one is caught on our side as an internal error, never sent.
 */
import { LocalAlert } from '../../errors.js';
import type { ClientHello } from '../../messages/client-hello.js';
import { AlertDescription, CipherSuite, ExtensionType, nameOf } from '../../messages/enums.js';
import { findExtension, type Extension } from '../../messages/extensions/index.js';

/** RFC 5746 §3.6: the client signals secure renegotiation by the extension or by the SCSV. */
export function offersRenegotiationInfo(ch: ClientHello): boolean {
  return (
    findExtension(ch.extensions, ExtensionType.renegotiation_info) !== undefined ||
    ch.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
  );
}

function offered(ch: ClientHello, type: number): boolean {
  if (type === ExtensionType.renegotiation_info) return offersRenegotiationInfo(ch);
  return findExtension(ch.extensions, type) !== undefined;
}

/** Returns `extensions` after checking that the client offered each one. */
export function solicited(ch: ClientHello, extensions: Extension[], where: string): Extension[] {
  for (const e of extensions) {
    if (!offered(ch, e.type)) {
      throw new LocalAlert(AlertDescription.internal_error, `${where} would carry ${nameOf(ExtensionType, e.type, 'ExtensionType')}, which the client did not offer`);
    }
  }
  return extensions;
}
