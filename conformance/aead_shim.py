"""Optional: rewrite the CBC suites a tlsfuzzer script offers into AEAD ones.

Many tlsfuzzer scripts hard-code CBC suites (TLS_RSA_WITH_AES_128_CBC_SHA,
TLS_DHE_RSA_WITH_AES_128_CBC_SHA, ...) though what they test (message order,
extensions, resumption, key shares) does not depend on the bulk cipher.
Against an AEAD-only server such a script fails at its sanity case and tests
nothing.  With TLSGLASS_AEAD_SHIM=1 in the environment, run.py's launcher
imports this module before the script; it wraps ClientHelloGenerator so that
every CBC suite in the offer is replaced by the AES-128-GCM suite of the same
key exchange and authentication (order kept, duplicates dropped).  Scripts run
this way are reported under a tag ending in `+aead` and are NOT tlsfuzzer's
own verdicts: a failure there must be confirmed by hand.
"""
from tlslite.constants import CipherSuite as CS
import tlsfuzzer.messages as M

MAP = {}
for name in dir(CS):
    if not name.startswith('TLS_') or '_CBC_' not in name:
        continue
    val = getattr(CS, name)
    if not isinstance(val, int):
        continue
    kx = name[4:name.index('_WITH_')]
    target = {'RSA': 'TLS_RSA_WITH_AES_128_GCM_SHA256',
              'DHE_RSA': 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
              'ECDHE_RSA': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
              'ECDHE_ECDSA': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'}.get(kx)
    if target:
        MAP[val] = getattr(CS, target)

_orig_init = M.ClientHelloGenerator.__init__


def _init(self, ciphers=None, *args, **kwargs):
    if ciphers:
        out = []
        for c in ciphers:
            c = MAP.get(c, c)
            if c not in out:
                out.append(c)
        ciphers = out
    _orig_init(self, ciphers, *args, **kwargs)


M.ClientHelloGenerator.__init__ = _init


# TLSGLASS_AEAD_SHIM=2 also adds signature_algorithms (every scheme tlsfuzzer
# knows) to TLS 1.2 ClientHellos that carry none.  Older tlsfuzzer scripts send
# no signature_algorithms, which RFC 5246 §7.4.1.4.1 reads as {sha1}; servers
# that refuse SHA-1 signatures (tlsglass by policy, OpenSSL 3.0 from security
# level 1) then fail every (EC)DHE handshake of the script.  Reported as
# TAG+aead+sigalgs.
import os
if os.environ.get('TLSGLASS_AEAD_SHIM') == '2':
    from tlslite.constants import ExtensionType
    from tlslite.extensions import SignatureAlgorithmsExtension
    from tlsfuzzer.helpers import SIG_ALL

    _aead_init = M.ClientHelloGenerator.__init__

    def _init2(self, ciphers=None, extensions=None, version=None, *args, **kwargs):
        if version in (None, (3, 3)) and not kwargs.get('ssl2'):
            ext = dict(extensions) if extensions else {}
            if ExtensionType.signature_algorithms not in ext:
                ext[ExtensionType.signature_algorithms] = \
                    SignatureAlgorithmsExtension().create(SIG_ALL)
                if extensions is not None and hasattr(extensions, 'move_to_end'):
                    pass
                extensions = ext
        _aead_init(self, ciphers, extensions, version, *args, **kwargs)

    M.ClientHelloGenerator.__init__ = _init2
