#!/usr/bin/env python3
"""tlsfuzzer conformance harness for `tlsglass serve` (issue 12), with
`openssl s_server` restricted to the same suites as the reference.

Setup (nothing fetched here is ever committed to this repository):

    mkdir -p FUZZ_ROOT && cd FUZZ_ROOT
    git clone https://github.com/tlsfuzzer/tlsfuzzer
    git clone https://github.com/tlsfuzzer/tlslite-ng
    git clone https://github.com/tlsfuzzer/python-ecdsa      # or Debian python3-ecdsa
    # (tlsfuzzer's tests/*.csv are large LFS-like files and are not needed:
    #  `git restore --source=HEAD -- ':/' ':!tests/*.csv'` if the checkout fails on them)
    npm run build                                             # in this repository

Run (from the repository root):

    python3 conformance/run.py --fuzz-root FUZZ_ROOT \
        --out OUT [--modes default,dhe,rsa,clientcert,ecdsa] \
        [--servers tlsglass,openssl] [--only SCRIPT_SUBSTRING ...] [--jobs 3]

--fuzz-root is a directory holding the three checkouts (tlsfuzzer/, tlslite-ng/,
python-ecdsa/); or give --tlsfuzzer/--tlslite/--ecdsa separately (env
TLSFUZZER, TLSLITE, ECDSA).  The tlsglass CLI defaults to dist/src/cli/main.js
of this checkout (--tlsglass).  Certificates are made under OUT/certs with
`tlsglass certs` (RSA and ECDSA) and `openssl genpkey` (ffdhe2048 for s_server).

Output: OUT/SUMMARY.md (totals and per-script case counts for both servers,
the tables of CONFORMANCE.md), OUT/REPORT-RAW.md (per mode and script: counts
as the scripts print them, then every failing case with the error tlsfuzzer
printed and a one-case reproduce command, with $TLSFUZZER/$OUT... placeholders
instead of this machine's paths), OUT/results.json, and
OUT/logs/<server>/<mode>/<script-tag>.log.  `run.py --report-only OUT FUZZ_ROOT`
re-renders both reports from OUT/results.json.

Each script runs under a seeded `random` (--seed, default 12) so that `-n N`
picks the same subset of cases against both servers, except in scripts that draw
from the global `random` a varying number of times before sampling
(test-tls13-large-number-of-extensions: CONFORMANCE.md §2).

Scripts that hard-code CBC suites (AEAD_SHIM) are also run as TAG+aead with
their CBC offers rewritten to AES-128-GCM, and those whose ClientHellos lack
signature_algorithms (SHIM_SIGALGS) as TAG+aead+sigalgs; see aead_shim.py.
Those verdicts are not tlsfuzzer's own: check every such failure by hand.
CONFORMANCE.md (repository root) is the classified report of a full run.
"""

import argparse
import collections
import concurrent.futures
import json
import queue
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

TLS13 = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'
MODE_SUITES = {
    'default': 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305',
    'dhe': 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
    'rsa': 'AES128-GCM-SHA256:AES256-GCM-SHA384',
    'clientcert': 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305',
    'ecdsa': 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305',
}
# the suite given to scripts that take -C (tlsfuzzer names)
MODE_CIPHER = {
    'default': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    'dhe': 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
    'rsa': 'TLS_RSA_WITH_AES_128_GCM_SHA256',
    'clientcert': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    'ecdsa': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
}
ALL_MODES = ['default', 'dhe', 'rsa', 'clientcert', 'ecdsa']

# Scripts.  Each entry: (script, [args], modes, note).  In args, {C} is the
# mode's -C suite, {ck}/{cc} the RSA client key/cert, {eck}/{ecc} the ECDSA
# client key/cert.  Scripts for SSLv2/SSLv3, CBC-only attacks (lucky13,
# padding, encrypt-then-mac), renegotiation acceptance, timing side channels
# (bleichenbacher-timing-*, minerva), PSK-only servers, DSA, EdDSA/ML-DSA/
# brainpool server keys, post-handshake auth and TLS 1.2-only servers are
# not run: they do not apply to an AEAD-only TLS 1.2/1.3 server (see
# CONFORMANCE.md).
D = ['default']
T12C = ['default', 'dhe', 'rsa', 'ecdsa']   # -C capable TLS 1.2 scripts
SCRIPTS = [
    # ---- TLS 1.2, generic, -C selects the mode's AEAD suite
    ('test-conversation.py', ['-C', '{C}'], T12C, ''),
    ('test-aes-gcm-nonces.py', ['-C', '{C}'], T12C, ''),
    ('test-ccs.py', ['-C', '{C}'], T12C, ''),
    ('test-connection-abort.py', ['-C', '{C}'], D, ''),
    ('test-cve-2016-2107.py', ['-C', '{C}'], D, ''),
    ('test-cve-2016-6309.py', ['-C', '{C}'], D, ''),
    ('test-cve-2016-7054.py', ['-C', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'], D, ''),
    ('test-early-application-data.py', ['-C', '{C}'], D, ''),
    ('test-fuzzed-ciphertext.py', ['-C', '{C}', '-n', '60'], D, 'random 60 cases'),
    # not run: see NOT_RUN
    # ('test-fuzzed-plaintext.py', ['-C', '{C}', '-n', '60'], D, 'random 60 cases'),
    # not run: see NOT_RUN
    # ('test-fuzzed-MAC.py', ['-C', '{C}', '-n', '60'], D, 'random 60 cases'),
    ('test-hello-request-by-client.py', ['-C', '{C}'], D, ''),
    ('test-interleaved-CKE-with-CCS.py', ['-C', '{C}'], ['default', 'ecdsa'], 'ECDHE suites only'),
    ('test-invalid-client-hello-w-record-overflow.py', ['-C', '{C}'], D, ''),
    ('test-invalid-compression-methods.py', ['-C', '{C}'], D, ''),
    ('test-invalid-content-type.py', ['-C', '{C}'], D, ''),
    # not run: see NOT_RUN
    # ('test-lengths.py', ['-C', '{C}', '-n', '40'], D, 'random 40 cases'),
    ('test-no-mlkem-in-old-tls.py', ['-C', '{C}'], D, ''),
    ('test-point-extension.py', ['-C', '{C}'], ['default', 'ecdsa'], ''),
    ('test-record-layer-fragmentation.py', ['-C', '{C}'], D, ''),
    ('test-renegotiation-disabled.py', ['-C', '{C}'], D, ''),
    ('test-truncating-of-client-hello.py', ['-C', '{C}'], D, ''),
    ('test-version-numbers.py', ['-C', '{C}'], D, ''),
    ('test-zero-length-data.py', ['-C', '{C}'], D, ''),
    ('test-ecdhe-rsa-key-exchange-with-bad-messages.py', ['-C', '{C}'], D, ''),
    ('test-ecdsa-sig-flexibility.py', ['-C', '{C}'], ['ecdsa'], ''),
    # ---- TLS 1.2, generic, no -C (their own suite lists; may offer CBC)
    ('test-alpn-negotiation.py', ['-d', '-e', 'renegotiation 2nd handshake alpn', '-e', 'renegotiation with protocol change', '-e', 'renegotiation without protocol change'], D, 'renegotiation cases excluded'),
    ('test-atypical-padding.py', ['-d'], D, ''),
    ('test-chacha20.py', [], D, ''),
    ('test-clienthello-md5.py', [], D, ''),
    ('test-client-hello-max-size.py', ['-d'], D, ''),
    ('test-client-compatibility.py', ['-d'], D, ''),
    ('test-downgrade-protection.py', ['--server-max-protocol=TLSv1.3'], D, ''),
    ('test-ecdhe-padded-shared-secret.py', ['-e', 'Protocol (3, 0)', '-e', 'Protocol (3, 0) in SSLv2 compatible ClientHello', '-n', '20'], D, 'SSLv3 excluded; random 20'),
    ('test-ecdhe-rsa-key-exchange.py', [], D, ''),
    ('test-ecdhe-rsa-key-share-random.py', ['-e', 'Protocol (3, 0)', '-e', 'Protocol (3, 0) in SSLv2 compatible ClientHello'], D, 'SSLv3 excluded'),
    ('test-empty-extensions.py', [], D, ''),
    ('test-extended-master-secret-extension.py', ['-d', '-e', 'extended master secret with renegotiation', '-e', 'renegotiate with EMS in session without EMS', '-e', 'renegotiate without EMS in session with EMS'], D, 'renegotiation cases excluded'),
    ('test-extensions.py', [], D, ''),
    ('test-fallback-scsv.py', ['--tls-1.3', '-d'], D, ''),
    ('test-fuzzed-finished.py', [], D, ''),
    ('test-heartbeat.py', ['-d'], D, ''),
    ('test-no-heartbeat.py', ['-d'], D, ''),
    ('test-invalid-cipher-suites.py', [], D, ''),
    ('test-invalid-client-hello.py', ['-n', '60'], D, 'random 60'),
    ('test-invalid-server-name-extension.py', ['-d'], D, ''),
    ('test-invalid-server-name-extension-resumption.py', ['-d'], D, ''),
    ('test-invalid-session-id.py', [], D, ''),
    ('test-invalid-version.py', [], D, ''),
    ('test-large-hello.py', ['-d'], D, ''),
    ('test-large-number-of-extensions.py', ['-d'], D, ''),
    ('test-message-duplication.py', [], D, ''),
    ('test-message-skipping.py', ['-d'], D, ''),
    ('test-ocsp-stapling.py', ['-d', '--no-status', '-e', 'renegotiate', '-e', 'renegotiate with large responder_id_list'], D, 'renegotiation excluded'),
    ('test-openssl-3712.py', [], D, ''),
    # not run: see NOT_RUN
    # ('test-record-size-limit.py', ['--hrr-supported-groups', '-e', 'renegotiation with changed limit', '-e', 'renegotiation with dropped extension'], D, 'renegotiation excluded'),
    ('test-resumption-with-wrong-ciphers.py', ['-d'], D, ''),
    ('test-serverhello-random.py', ['-e', 'Protocol (3, 0)', '-e', 'Protocol (3, 0) in SSLv2 compatible ClientHello'], D, 'SSLv3 excluded'),
    ('test-session-ticket-resumption.py', ['-d', '-e', 'renegotiation with removal of session_ticket ext', '-e', 'session resumption with renegotiation'], D, 'renegotiation excluded'),
    ('test-sessionID-resumption.py', ['-d'], D, ''),
    ('test-sig-algs.py', [], D, ''),
    ('test-signature-algorithms.py', [], D, ''),
    ('test-signature-algorithms.py', ['--ecdsa'], ['ecdsa'], ''),
    ('test-ssl-death-alert.py', ['-d'], D, ''),
    ('test-unsupported-curve-fallback.py', [], D, ''),
    ('test-x25519.py', [], D, ''),
    ('test-legacy-renegotiation.py', ['-d'], D, ''),
    ('test-export-ciphers-rejected.py', ['-d', '--min-ver', 'TLSv1.0'], D, ''),
    ('test-TLSv1_2-rejected-without-TLSv1_2.py', [], D, ''),
    # ---- TLS 1.2 DHE
    ('test-dhe-rsa-key-exchange.py', [], ['dhe'], ''),
    ('test-dhe-rsa-key-exchange-signatures.py', [], ['dhe'], ''),
    ('test-dhe-rsa-key-exchange-with-bad-messages.py', [], ['dhe'], ''),
    ('test-dhe-key-share-random.py', ['-e', 'Protocol (3, 0)', '-e', 'Protocol (3, 0) in SSLv2 compatible ClientHello'], ['dhe'], 'SSLv3 excluded'),
    ('test-dhe-no-shared-secret-padding.py', ['-e', 'Protocol (3, 0)', '-e', 'Protocol (3, 0) in SSLv2 compatible ClientHello', '-n', '20'], ['dhe'], 'SSLv3 excluded; random 20'),
    ('test-ffdhe-negotiation.py', [], ['dhe'], ''),
    ('test-ffdhe-expected-params.py', [], ['dhe'], ''),
    # ---- TLS 1.2 RSA key exchange
    ('test-invalid-rsa-key-exchange-messages.py', [], ['rsa'], ''),
    ('test-truncating-of-kRSA-client-key-exchange.py', [], ['rsa'], ''),
    ('test-bleichenbacher-workaround.py', [], ['rsa'], ''),
    ('test-truncating-of-finished.py', [], ['rsa'], ''),
    # ---- client certificates
    ('test-certificate-request.py', ['-C', '{C}', '-k', '{ck}', '-c', '{cc}', '-s', '{cr12}', '-T', '{crtypes}'], ['clientcert'], 'CR sigalgs/types per server'),
    ('test-certificate-verify.py', ['-C', '{C}', '-k', '{ck}', '-c', '{cc}'], ['clientcert'], ''),
    ('test-certificate-verify-malformed.py', ['-C', '{C}', '-k', '{ck}', '-c', '{cc}'], ['clientcert'], ''),
    ('test-certificate-verify-malformed-sig.py', ['-d', '-k', '{ck}', '-c', '{cc}'], ['clientcert'], ''),
    ('test-certificate-malformed.py', ['-C', '{C}', '-k', '{ck}', '-c', '{cc}'], ['clientcert'], ''),
    ('test-rsa-sigs-on-certificate-verify.py', ['-d', '-k', '{ck}', '-c', '{cc}'], ['clientcert'], ''),
    ('test-rsa-pss-sigs-on-certificate-verify.py', ['-k', '{ck}', '-c', '{cc}', '--illegpar'], ['clientcert'], 'illegal_parameter expected for a scheme that does not fit the key (as tlslite-ng is run)'),
    ('test-ecdsa-in-certificate-verify.py', ['-k', '{eck}', '-c', '{ecc}'], ['clientcert'], ''),
    ('test-extended-master-secret-extension-with-client-cert.py', ['-d', '-k', '{ck}', '-c', '{cc}'], ['clientcert'], ''),
    ('test-renegotiation-disabled-client-cert.py', ['-C', '{C}', '-k', '{ck}', '-c', '{cc}', '-e', 'try insecure (legacy) renegotiation', '-e', 'try secure renegotiation'], ['clientcert'], ''),
    ('test-tls13-certificate-request.py', ['-k', '{ck}', '-c', '{cc}', '-s', '{cr13}'], ['clientcert'], 'CR sigalgs per server'),
    ('test-tls13-certificate-verify.py', ['-k', '{ck}', '-c', '{cc}', '-s', '{cr13}'], ['clientcert'], 'CR sigalgs per server'),
    ('test-tls13-ecdsa-in-certificate-verify.py', ['-k', '{eck}', '-c', '{ecc}', '-s', '{cr13}'], ['clientcert'], 'CR sigalgs per server'),
    # ---- TLS 1.3
    ('test-tls13-conversation.py', [], ['default', 'ecdsa'], ''),
    ('test-tls13-ccs.py', [], D, ''),
    ('test-tls13-connection-abort.py', [], D, ''),
    ('test-tls13-count-tickets.py', ['-t', '{tickets}'], D, 'ticket count per server'),
    ('test-tls13-crfg-curves.py', [], D, ''),
    ('test-tls13-dhe-shared-secret-padding.py', ['-n', '20'], D, 'random 20'),
    ('test-tls13-ecdhe-curves.py', [], D, ''),
    ('test-tls13-empty-alert.py', [], D, ''),
    ('test-tls13-ffdhe-groups.py', [], D, ''),
    ('test-tls13-ffdhe-sanity.py', [], D, ''),
    ('test-tls13-finished.py', ['-n', '60'], D, 'random 60'),
    ('test-tls13-finished-plaintext.py', [], D, ''),
    ('test-tls13-hrr.py', [], D, ''),
    ('test-tls13-invalid-ciphers.py', [], D, ''),
    ('test-tls13-keyshare-omitted.py', [], D, ''),
    ('test-tls13-keyupdate.py', [], D, ''),
    ('test-tls13-large-number-of-extensions.py', ['-n', '60', '--exc', '9', '--exc', '11', '--exc', '12', '--exc', '23', '--exc', '27', '--exc', '34', '--exc', '13172'], D, 'random 60; ids the server parses excluded, as tlslite-ng is run'),
    ('test-tls13-legacy-version.py', [], D, ''),
    # not run: see NOT_RUN
    # ('test-tls13-lengths.py', ['-n', '40'], D, 'random 40'),
    ('test-tls13-multiple-ccs-messages.py', [], D, ''),
    ('test-tls13-no-unknown-groups.py', [], D, ''),
    ('test-tls13-nociphers.py', [], D, ''),
    ('test-tls13-obsolete-curves.py', [], D, ''),
    ('test-tls13-pkcs-signature.py', [], D, ''),
    ('test-tls13-record-layer-limits.py', [], D, ''),
    ('test-tls13-record-padding.py', [], D, ''),
    ('test-tls13-rsa-signatures.py', [], D, ''),
    ('test-tls13-serverhello-random.py', [], D, ''),
    ('test-tls13-session-resumption.py', [], D, ''),
    ('test-tls13-shuffled-extentions.py', [], D, ''),
    ('test-tls13-signature-algorithms.py', [], D, ''),
    ('test-tls13-symetric-ciphers.py', [], D, ''),
    ('test-tls13-unencrypted-alert.py', [], D, ''),
    ('test-tls13-unrecognised-groups.py', [], D, ''),
    ('test-tls13-version-negotiation.py', ['-C', '{C}'], D, ''),
    ('test-tls13-zero-content-type.py', [], D, ''),
    ('test-tls13-zero-length-data.py', [], D, ''),
    ('test-tls13-0rtt-garbage.py', [], D, ''),
    ('test-tls13-certificate-compression.py', [], D, 'certificate compression not implemented by either server'),
    ('test-tls13-ecdsa-support.py', [a for n in ('ecdsa_brainpoolP256r1tls13_sha256', 'ecdsa_brainpoolP384r1tls13_sha384',
                                                  'ecdsa_brainpoolP512r1tls13_sha512', 'ecdsa_secp384r1_sha384',
                                                  'ecdsa_secp521r1_sha512')
                                      for a in ('-x', 'Test with ' + n, '-X', 'handshake_failure')],
     ['ecdsa'], 'only a P-256 certificate: other ECDSA schemes must fail (XFAIL)'),
    ('test-tls13-keyupdate-from-server.py', [], D, ''),
]

# Scripts that hard-code CBC suites but test something else: also run with
# aead_shim (their CBC offers rewritten to AES-128-GCM of the same key
# exchange), reported as TAG+aead.  See aead_shim.py.
AEAD_SHIM = {
    'test-alpn-negotiation.py', 'test-clienthello-md5.py', 'test-client-hello-max-size.py',
    'test-downgrade-protection.py', 'test-ecdhe-padded-shared-secret.py',
    'test-ecdhe-rsa-key-exchange.py', 'test-ecdhe-rsa-key-share-random.py',
    'test-empty-extensions.py', 'test-extended-master-secret-extension.py', 'test-extensions.py',
    'test-fallback-scsv.py', 'test-fuzzed-finished.py', 'test-no-heartbeat.py',
    'test-invalid-cipher-suites.py', 'test-invalid-client-hello.py',
    'test-invalid-server-name-extension.py', 'test-invalid-server-name-extension-resumption.py',
    'test-invalid-session-id.py', 'test-invalid-version.py', 'test-large-number-of-extensions.py',
    'test-message-duplication.py', 'test-message-skipping.py', 'test-ocsp-stapling.py',
    'test-openssl-3712.py', 'test-resumption-with-wrong-ciphers.py', 'test-serverhello-random.py',
    'test-session-ticket-resumption.py', 'test-sessionID-resumption.py', 'test-sig-algs.py',
    'test-signature-algorithms.py', 'test-ssl-death-alert.py', 'test-unsupported-curve-fallback.py',
    'test-x25519.py', 'test-legacy-renegotiation.py',
    'test-dhe-rsa-key-exchange.py', 'test-dhe-rsa-key-exchange-signatures.py',
    'test-dhe-rsa-key-exchange-with-bad-messages.py', 'test-dhe-key-share-random.py',
    'test-dhe-no-shared-secret-padding.py', 'test-ffdhe-negotiation.py',
    'test-invalid-rsa-key-exchange-messages.py', 'test-truncating-of-kRSA-client-key-exchange.py',
    'test-truncating-of-finished.py', 'test-certificate-verify-malformed-sig.py',
    'test-rsa-sigs-on-certificate-verify.py', 'test-rsa-pss-sigs-on-certificate-verify.py',
    'test-ecdsa-in-certificate-verify.py', 'test-extended-master-secret-extension-with-client-cert.py',
    'test-ecdsa-sig-flexibility.py', 'test-export-ciphers-rejected.py',
}

# Of those, the ones whose offer is RSA key exchange only: their +aead variant
# runs in mode `rsa` (the only mode with kRSA suites) instead of `default`.
SHIM_RSA = {
    'test-empty-extensions.py', 'test-extensions.py', 'test-fuzzed-finished.py',
    'test-invalid-cipher-suites.py', 'test-invalid-client-hello.py', 'test-invalid-session-id.py',
    'test-invalid-version.py', 'test-message-duplication.py', 'test-openssl-3712.py',
    'test-serverhello-random.py', 'test-clienthello-md5.py',
}

# Of those, the ones whose ClientHellos carry no signature_algorithms (so
# SHA-1 by RFC 5246): also run as TAG+aead+sigalgs, with every scheme added
# (aead_shim.py, TLSGLASS_AEAD_SHIM=2), in the listed modes.
SHIM_SIGALGS = {
    'test-dhe-rsa-key-exchange.py': ['dhe'], 'test-ffdhe-negotiation.py': ['dhe'],
    'test-dhe-key-share-random.py': ['dhe'], 'test-dhe-no-shared-secret-padding.py': ['dhe'],
    'test-ecdhe-rsa-key-exchange.py': ['default'], 'test-unsupported-curve-fallback.py': ['default'],
    'test-x25519.py': ['default', 'dhe'], 'test-ecdhe-rsa-key-share-random.py': ['default'],
    'test-ecdhe-padded-shared-secret.py': ['default'],
}


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def make_certs(cdir, tlsglass):
    os.makedirs(cdir, exist_ok=True)
    for kind in ('rsa', 'ec'):
        if not os.path.exists(os.path.join(cdir, kind, 'server.pem')):
            cmd = ['node', tlsglass, 'certs', '--out', os.path.join(cdir, kind), '--host', 'localhost', '--force']
            if kind == 'ec':
                cmd += ['--key-type', 'ec']
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    bundle = os.path.join(cdir, 'ca-bundle.pem')
    with open(bundle, 'w') as out:
        for kind in ('rsa', 'ec'):
            out.write(open(os.path.join(cdir, kind, 'ca.pem')).read())
    dh = os.path.join(cdir, 'ffdhe2048.pem')
    if not os.path.exists(dh):
        subprocess.run(['openssl', 'genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', dh], check=True)
    return {
        'rsa_cert': f'{cdir}/rsa/server.pem', 'rsa_key': f'{cdir}/rsa/server.key',
        'ec_cert': f'{cdir}/ec/server.pem', 'ec_key': f'{cdir}/ec/server.key',
        'ck': f'{cdir}/rsa/client.key', 'cc': f'{cdir}/rsa/client.pem',
        'eck': f'{cdir}/ec/client.key', 'ecc': f'{cdir}/ec/client.pem',
        'bundle': bundle, 'dh': dh,
    }


def server_cmd(server, mode, port, certs, tlsglass):
    ec = mode == 'ecdsa'
    cert = certs['ec_cert'] if ec else certs['rsa_cert']
    key = certs['ec_key'] if ec else certs['rsa_key']
    if server == 'tlsglass':
        cmd = ['node', tlsglass, 'serve', '--cert', cert, '--key', key, '--port', str(port),
               '--handshake-timeout', '30', '--alpn', 'http/1.1']
        if mode in ('dhe', 'rsa'):
            cmd += ['--ciphers', MODE_SUITES[mode] + ':' + TLS13]
        if mode == 'clientcert':
            cmd += ['--ca', certs['bundle'], '--request-cert']
        return cmd
    # kRSA: OpenSSL 3.0 still picks a signature algorithm for the (unused)
    # server signature and, when the client sends no signature_algorithms
    # (most tlsfuzzer kRSA scripts), falls back to SHA-1, refused from
    # security level 1: "no suitable signature algorithm".  @SECLEVEL=0 in
    # mode rsa only, so that OpenSSL is a usable reference there.
    suites = MODE_SUITES[mode] + (':@SECLEVEL=0' if mode == 'rsa' else '')
    cmd = ['openssl', 's_server', '-www', '-accept', str(port), '-cert', cert, '-key', key,
           '-cipher', suites, '-ciphersuites', TLS13, '-no_tls1', '-no_tls1_1', '-no_ssl3',
           '-groups', 'X25519:P-256:P-384:ffdhe2048:ffdhe3072:ffdhe4096', '-quiet', '-alpn', 'http/1.1']
    if mode == 'dhe':
        cmd += ['-dhparam', certs['dh']]
    if mode == 'clientcert':
        cmd += ['-verify', '1', '-CAfile', certs['bundle'], '-verify_return_error']
    return cmd


class Server:
    def __init__(self, server, mode, certs, tlsglass, logdir, index=0):
        self.port = free_port()
        self.cmd = server_cmd(server, mode, self.port, certs, tlsglass)
        os.makedirs(logdir, exist_ok=True)
        self.log = open(os.path.join(logdir, '_server%d.log' % index), 'w')
        self.log.write(' '.join(shlex.quote(c) for c in self.cmd) + '\n')
        self.log.flush()
        # stdout carries whatever the clients sent (tlsglass serve prints non-HTTP
        # input, s_server its connection chatter): not kept
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        if not wait_port(self.port, self.proc):
            raise RuntimeError('server did not start: ' + ' '.join(self.cmd))

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


CASE_RE = re.compile(r'^(.*) \.\.\.$')


def parse_output(text):
    res = {}
    for key in ('TOTAL', 'SKIP', 'PASS', 'XFAIL', 'FAIL', 'XPASS'):
        m = re.search(r'^%s: (\d+)$' % key, text, re.M)
        res[key.lower()] = int(m.group(1)) if m else None
    failed = []
    m = re.search(r'^FAILED:\n((?:\t.*\n?)*)', text, re.M)
    if m:
        for line in m.group(1).splitlines():
            line = line.strip()
            if line:
                try:
                    failed.append(eval(line, {}))  # repr() of a str
                except Exception:
                    failed.append(line)
    # error per case: the last line of the first traceback after "NAME ..."
    errors = {}
    cur = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = CASE_RE.match(lines[i])
        if m:
            cur = m.group(1)
        elif lines[i].startswith('Error while processing') and cur is not None:
            j = i + 1
            last = ''
            # the last exception line of the traceback: earlier ones are
            # chained ("During handling of the above exception ...")
            while j < len(lines) and not CASE_RE.match(lines[j]) and lines[j] != 'OK-expected failure':
                if re.match(r'^[A-Za-z_.]+(Error|Exception|Timeout)\b.*', lines[j]) or lines[j].startswith('AssertionError'):
                    last = lines[j]
                if lines[j].startswith('Error while processing') and j > i:
                    break
                j += 1
            errors.setdefault(cur, last.strip())
        elif lines[i].startswith('Expected error message:') and cur is not None:
            errors[cur] = (errors.get(cur, '') + ' | ' + lines[i]).strip(' |')
        i += 1
    res['failed'] = failed
    res['errors'] = {k: errors.get(k, '') for k in failed}
    return res


def script_tag(script, args):
    extra = ' '.join(a for a in args if a not in ('-k', '-c') and '{' not in a and not a.startswith('/'))
    tag = script[:-3]
    if extra:
        tag += '_' + re.sub(r'[^A-Za-z0-9]+', '-', extra)[:40]
    return tag


def run_script(paths, port, script, args, seed, logpath, timeout, shim=False):
    launcher = ('import random, runpy, sys, os; random.seed(%d); sys.argv = sys.argv[1:]; '
                'os.environ.get("TLSGLASS_AEAD_SHIM") and __import__("aead_shim"); '
                'runpy.run_path(sys.argv[0], run_name="__main__")' % seed)
    argv = [sys.executable, '-c', launcher, os.path.join('scripts', script),
            '-h', 'localhost', '-p', str(port)] + args
    env = dict(os.environ)
    env['PYTHONPATH'] = ':'.join([paths['tlsfuzzer'], paths['tlslite'], paths['ecdsa'], HERE])
    if shim:
        env['TLSGLASS_AEAD_SHIM'] = '2' if shim == 2 else '1'
    else:
        env.pop('TLSGLASS_AEAD_SHIM', None)
    t0 = time.time()
    try:
        p = subprocess.run(argv, cwd=paths['tlsfuzzer'], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out = p.stdout.decode('utf-8', 'replace')
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode('utf-8', 'replace') + '\n[harness] TIMEOUT after %ds\n' % timeout
        rc = 'timeout'
    dt = time.time() - t0
    with open(logpath, 'w') as f:
        f.write('# ' + ' '.join(shlex.quote(a) for a in argv) + '\n# cwd ' + paths['tlsfuzzer'] + '\n')
        f.write(out)
    res = parse_output(out)
    res.update(rc=rc, seconds=round(dt, 1))
    return res


# NewSessionTickets each server sends after a TLS 1.3 handshake (an
# implementation choice, told to test-tls13-count-tickets.py with -t)
TICKETS = {'tlsglass': '1', 'openssl': '2'}
# signature_algorithms of each server's CertificateRequest (TLS 1.2 / 1.3) and
# its TLS 1.2 certificate_types, as sent (implementation choices; the scripts
# check them against -s / -T)
CR_SIGALGS12 = {
    'tlsglass': 'ecdsa_secp256r1_sha256 ecdsa_secp384r1_sha384 ecdsa_secp521r1_sha512 ed25519 '
                'rsa_pss_rsae_sha256 rsa_pss_rsae_sha384 rsa_pss_rsae_sha512 '
                'rsa_pkcs1_sha256 rsa_pkcs1_sha384 rsa_pkcs1_sha512',
    'openssl': 'ecdsa_secp256r1_sha256 ecdsa_secp384r1_sha384 ecdsa_secp521r1_sha512 ed25519 ed448 '
               'rsa_pss_pss_sha256 rsa_pss_pss_sha384 rsa_pss_pss_sha512 '
               'rsa_pss_rsae_sha256 rsa_pss_rsae_sha384 rsa_pss_rsae_sha512 '
               'rsa_pkcs1_sha256 rsa_pkcs1_sha384 rsa_pkcs1_sha512 ecdsa_sha224 rsa_pkcs1_sha224 '
               'dsa_sha224 dsa_sha256 dsa_sha384 dsa_sha512',
}
CR_SIGALGS13 = {
    'tlsglass': 'ecdsa_secp256r1_sha256 ecdsa_secp384r1_sha384 ecdsa_secp521r1_sha512 ed25519 '
                'rsa_pss_rsae_sha256 rsa_pss_rsae_sha384 rsa_pss_rsae_sha512',
    'openssl': 'ecdsa_secp256r1_sha256 ecdsa_secp384r1_sha384 ecdsa_secp521r1_sha512 ed25519 ed448 '
               'rsa_pss_pss_sha256 rsa_pss_pss_sha384 rsa_pss_pss_sha512 '
               'rsa_pss_rsae_sha256 rsa_pss_rsae_sha384 rsa_pss_rsae_sha512 '
               'rsa_pkcs1_sha256 rsa_pkcs1_sha384 rsa_pkcs1_sha512 ecdsa_sha224 rsa_pkcs1_sha224',
}
CR_TYPES = {'tlsglass': 'rsa_sign ecdsa_sign', 'openssl': 'rsa_sign dss_sign ecdsa_sign'}


def subst(args, mode, certs, server):
    m = dict(certs)
    m['C'] = MODE_CIPHER[mode]
    m['tickets'] = TICKETS[server]
    m['cr12'] = CR_SIGALGS12[server]
    m['cr13'] = CR_SIGALGS13[server]
    m['crtypes'] = CR_TYPES[server]
    return [a.format(**m) if '{' in a else a for a in args]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--fuzz-root', default=os.environ.get('FUZZ_ROOT'))
    ap.add_argument('--tlsfuzzer', default=os.environ.get('TLSFUZZER'))
    ap.add_argument('--tlslite', default=os.environ.get('TLSLITE'))
    ap.add_argument('--ecdsa', default=os.environ.get('ECDSA'), help='python-ecdsa checkout (its src/ is used)')
    ap.add_argument('--tlsglass', default=os.path.join(REPO, 'dist', 'src', 'cli', 'main.js'))
    ap.add_argument('--out', default='conformance-out')
    ap.add_argument('--modes', default=','.join(ALL_MODES))
    ap.add_argument('--servers', default='tlsglass,openssl')
    ap.add_argument('--only', nargs='*', default=None, help='substrings of script names to run')
    ap.add_argument('--jobs', type=int, default=3, help='scripts run in parallel against one server')
    ap.add_argument('--timeout', type=int, default=420, help='seconds per script')
    ap.add_argument('--seed', type=int, default=12)
    ap.add_argument('--shim', choices=['yes', 'no', 'only'], default='yes',
                    help='also run the AEAD_SHIM scripts with CBC offers rewritten to GCM (see aead_shim.py)')
    a = ap.parse_args()
    root = a.fuzz_root
    paths = {
        'tlsfuzzer': os.path.abspath(a.tlsfuzzer or os.path.join(root, 'tlsfuzzer')),
        'tlslite': os.path.abspath(a.tlslite or os.path.join(root, 'tlslite-ng')),
        'ecdsa': os.path.abspath(a.ecdsa or os.path.join(root, 'python-ecdsa')),
    }
    if os.path.isdir(os.path.join(paths['ecdsa'], 'src', 'ecdsa')):
        paths['ecdsa'] = os.path.join(paths['ecdsa'], 'src')
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    tlsglass = os.path.abspath(a.tlsglass)
    certs = make_certs(os.path.join(out, 'certs'), tlsglass)
    modes = a.modes.split(',')
    servers = a.servers.split(',')
    resfile = os.path.join(out, 'results.json')
    results = json.load(open(resfile)) if os.path.exists(resfile) else {}
    lock = threading.Lock()
    t_all = time.time()
    for mode in modes:
        todo = []
        for (s, args, ms, note) in SCRIPTS:
            if a.only and not any(o in s for o in a.only):
                continue
            if mode in ms and a.shim != 'only':
                todo.append((s, args, note, False))
            if a.shim != 'no' and s in AEAD_SHIM:
                shim_modes = ['rsa'] if s in SHIM_RSA else ms
                if mode in shim_modes:
                    todo.append((s, args, note, True))
            if a.shim != 'no' and mode in SHIM_SIGALGS.get(s, ()):
                todo.append((s, args, note, 2))
        for server in servers:
            logdir = os.path.join(out, 'logs', server, mode)
            # one server process per worker: openssl s_server serves one
            # connection at a time, so scripts must not share it
            pool = queue.Queue()
            started = []
            for k in range(a.jobs):
                srv = Server(server, mode, certs, tlsglass, logdir, k)
                started.append(srv)
                pool.put(srv)
            print('[%s/%s] ports %s, %d scripts' % (server, mode, [s.port for s in started], len(todo)), flush=True)

            def one(item):
                script, args, note, shim = item
                real = subst(args, mode, certs, server)
                tag = script_tag(script, args) + {False: '', True: '+aead', 2: '+aead+sigalgs'}[shim]
                srv = pool.get()
                try:
                    r = run_script(paths, srv.port, script, real, a.seed,
                                   os.path.join(logdir, tag + '.log'), a.timeout, shim)
                    r.update(server_alive=srv.alive())
                finally:
                    pool.put(srv)
                r.update(script=script, args=real, note=note, tag=tag, shim=shim)
                with lock:
                    results.setdefault(mode, {}).setdefault(tag, {})[server] = r
                    print('  %-9s %-8s %-55s pass=%s fail=%s total=%s %5.1fs%s' % (
                        server, mode, tag[:55], r['pass'], r['fail'], r['total'], r['seconds'],
                        '' if r['rc'] != 'timeout' else ' TIMEOUT'), flush=True)
                    json.dump(results, open(resfile, 'w'), indent=1)
                return r
            try:
                with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
                    list(ex.map(one, todo))
            finally:
                for srv in started:
                    srv.stop()
    print('total %.0fs' % (time.time() - t_all))
    write_report(results, out, paths, certs)


def repro(r, paths, out=None):
    """A one-case reproduce command with placeholders instead of this
    machine's paths: $TLSFUZZER, $TLSLITE, $ECDSA (python-ecdsa's src/),
    $REPO (this repository) and $OUT (the --out directory), PORT."""
    env = 'PYTHONPATH=$TLSFUZZER:$TLSLITE:$ECDSA'
    def q(x):
        x = scrub(x, paths, out)
        # a placeholder path stays expandable: "$OUT/certs/rsa/client.key"
        return '"%s"' % x if re.match(r'^\$[A-Z]+/[\w./-]*$', x) else shlex.quote(x)
    args = ' '.join(q(x) for x in r['args'])
    if r.get('shim'):
        env += ':$REPO/conformance TLSGLASS_AEAD_SHIM=%s' % ('2' if r['shim'] == 2 else '1')
        return 'cd $TLSFUZZER && %s python3 -c \'import aead_shim, runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")\' scripts/%s -h localhost -p PORT %s' % (
            env, r['script'], args)
    return 'cd $TLSFUZZER && %s python3 scripts/%s -h localhost -p PORT %s' % (env, r['script'], args)


def scrub(text, paths, out=None):
    """Replace this machine's directories by placeholders."""
    subs = [(paths['tlsfuzzer'], '$TLSFUZZER'), (paths['tlslite'], '$TLSLITE'), (paths['ecdsa'], '$ECDSA'),
            (HERE, '$REPO/conformance'), (REPO, '$REPO')]
    if out:
        subs.append((out, '$OUT'))
    for a, b in sorted(subs, key=lambda x: -len(x[0])):
        text = text.replace(a, b)
    return text


def failed_cases(r):
    """The failed cases of one script run, as a Counter of case names.  A
    case that runs twice (sanity runs first and last) counts once per failed
    run.  Scripts that repeat a case over many connections print PASS/FAIL per
    connection (PASS can exceed TOTAL) and list a name per failed connection;
    for them each name counts once (sanity twice, as in TOTAL)."""
    if r is None or r['total'] is None:
        return collections.Counter()
    if (r['pass'] or 0) + (r['fail'] or 0) + (r['xfail'] or 0) == r['total']:
        return collections.Counter(r['failed'])
    c = collections.Counter(set(r['failed']))
    if 'sanity' in c:
        c['sanity'] = 2
    return c


def case_counts(r):
    """(cases run, cases failed) of one script run: the script's TOTAL, and
    its failed cases (failed_cases) plus unexpected passes (XPASS)."""
    if r is None or r['total'] is None:
        return None
    failed = sum(failed_cases(r).values()) + (r['xpass'] or 0)
    return r['total'], min(failed, r['total'])


def write_summary(results, out):
    """OUT/SUMMARY.md: totals per mode and per script, no paths (the tables
    of CONFORMANCE.md)."""
    L = ['# tlsfuzzer conformance: summary', '',
         'passed/run per server, counted in cases (case_counts and failed_cases in run.py); '
         '"only tlsglass fails": failed cases of tlsglass that OpenSSL passes, and vice versa.', '']
    tot = {}
    per_mode = []
    for mode in ALL_MODES:
        if mode not in results:
            continue
        rows = []
        t = {'tlsglass': [0, 0], 'openssl': [0, 0], 'g_only': 0, 'o_only': 0, 'scripts': 0, 'nores': [],
             'either': [0, 0, 0]}
        for tag in sorted(results[mode]):
            row = results[mode][tag]
            g, o = row.get('tlsglass'), row.get('openssl')
            cells = []
            for s, r in (('tlsglass', g), ('openssl', o)):
                c = case_counts(r)
                if c is None:
                    cells.append('no result' + (' (%s)' % r['rc'] if r else ''))
                    t['nores'].append((s, tag))
                    continue
                t[s][0] += c[0] - c[1]
                t[s][1] += c[0]
                cells.append('%d/%d' % (c[0] - c[1], c[0]))
            gc, oc = case_counts(g), case_counts(o)
            gf, of = failed_cases(g), failed_cases(o)
            go = sum((gf - of).values()) + ((g['xpass'] or 0) if g else 0)
            og = sum((of - gf).values()) + ((o['xpass'] or 0) if o else 0)
            if gc and oc:
                b = sum((gf & of).values())
                t['either'][0] += gc[0] - b
                t['either'][1] += gc[0] - gc[1]
                t['either'][2] += oc[0] - oc[1]
            t['g_only'] += go
            t['o_only'] += og
            t['scripts'] += 1
            rows.append('| %s | %s | %s | %s | %s |' % (tag, cells[0], cells[1], go or '', og or ''))
        per_mode.append((mode, t, rows))
        for k in ('tlsglass', 'openssl'):
            tot.setdefault(k, [0, 0])
            tot[k][0] += t[k][0]
            tot[k][1] += t[k][1]
        tot['g_only'] = tot.get('g_only', 0) + t['g_only']
        tot['o_only'] = tot.get('o_only', 0) + t['o_only']
        tot['scripts'] = tot.get('scripts', 0) + t['scripts']
        tot['either'] = [a + b for a, b in zip(tot.get('either', [0, 0, 0]), t['either'])]

    def pct(x):
        return '%d/%d (%.1f%%)' % (x[0], x[1], 100.0 * x[0] / x[1]) if x[1] else '-'
    L += ['## Totals', '',
          '| mode | script runs | tlsglass passed/run | OpenSSL passed/run | only tlsglass fails | only OpenSSL fails |',
          '|---|---|---|---|---|---|']
    for mode, t, _ in per_mode:
        L.append('| %s | %d | %s | %s | %d | %d |' % (mode, t['scripts'], pct(t['tlsglass']), pct(t['openssl']),
                                                    t['g_only'], t['o_only']))
    if per_mode:
        L.append('| **all** | %d | %s | %s | %d | %d |' % (tot['scripts'], pct(tot['tlsglass']), pct(tot['openssl']),
                                                         tot['g_only'], tot['o_only']))
    L += ['', 'Cases that at least one of the two servers passes (a case both fail tests something neither '
          'implements, or the script expects something else of every server):', '',
          '| mode | such cases | tlsglass passes | OpenSSL passes |', '|---|---|---|---|']
    for mode, t, _ in per_mode:
        e = t['either']
        L.append('| %s | %d | %d | %d |' % (mode, e[0], e[1], e[2]))
    if per_mode:
        e = tot['either']
        L.append('| **all** | %d | %d | %d |' % (e[0], e[1], e[2]))
    L.append('')
    for mode, t, rows in per_mode:
        L += ['## Mode `%s`' % mode, '',
              '| script (tag) | tlsglass | OpenSSL | only tlsglass fails | only OpenSSL fails |',
              '|---|---|---|---|---|'] + rows + ['']
        if t['nores']:
            L += ['No result (timeout or no summary): ' + ', '.join('%s %s' % x for x in t['nores']), '']
    open(os.path.join(out, 'SUMMARY.md'), 'w').write('\n'.join(L) + '\n')


def write_report(results, out, paths, certs):
    write_summary(results, out)
    L = ['# tlsfuzzer conformance: raw results', '',
         'Counts are PASS/TOTAL (FAIL, XFAIL) per server as the scripts print them; `-` = not run. '
         'Paths: $TLSFUZZER, $TLSLITE, $ECDSA (python-ecdsa/src), $REPO, $OUT (this directory).', '']
    for mode in ALL_MODES:
        if mode not in results:
            continue
        L += ['## Mode `%s`' % mode, '',
              '| script (args; `+aead`: CBC offers rewritten, see aead_shim.py) | tlsglass | openssl | failed by tlsglass only | note |',
              '|---|---|---|---|---|']
        for tag in sorted(results[mode]):
            row = results[mode][tag]

            def cell(s):
                r = row.get(s)
                if not r:
                    return '-'
                if r['total'] is None:
                    return 'no summary (%s)' % r['rc']
                return '%d/%d (F%d%s)%s' % (r['pass'], r['total'], r['fail'],
                                           ', XF%d' % r['xfail'] if r['xfail'] else '',
                                           ' TIMEOUT' if r['rc'] == 'timeout' else '')
            any_r = row.get('tlsglass') or row.get('openssl')
            g, o = row.get('tlsglass'), row.get('openssl')
            only = len(set(g['failed']) - set(o['failed'])) if g and o else '-'
            L.append('| %s | %s | %s | %s | %s |' % (tag, cell('tlsglass'), cell('openssl'), only or '',
                                                    any_r.get('note', '')))
        L.append('')
    L += ['## Failing cases', '']
    for server in ('tlsglass', 'openssl'):
        L += ['### %s' % server, '']
        for mode in ALL_MODES:
            for tag in sorted(results.get(mode, {})):
                r = results[mode][tag].get(server)
                if not r or (not r['failed'] and r['total'] is not None):
                    continue
                other = results[mode][tag].get('openssl' if server == 'tlsglass' else 'tlsglass')
                ofailed = set(other['failed']) if other else set()
                L.append('- **%s / %s**%s' % (mode, tag, '' if r['total'] is not None else ' (no summary: %s)' % r['rc']))
                for c in r['failed']:
                    L.append('  - `%s`%s: %s' % (c, ' (other server fails too)' if c in ofailed else '',
                                                  scrub(r['errors'].get(c, ''), paths, out)))
                L.append('  - repro: `%s`' % repro(r, paths, out))
        L.append('')
    open(os.path.join(out, 'REPORT-RAW.md'), 'w').write('\n'.join(L) + '\n')


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--report-only':
        out = os.path.abspath(sys.argv[2])
        root = sys.argv[3]
        root = os.path.abspath(root)
        paths = {'tlsfuzzer': root + '/tlsfuzzer', 'tlslite': root + '/tlslite-ng', 'ecdsa': root + '/python-ecdsa/src'}
        write_report(json.load(open(os.path.join(out, 'results.json'))), out, paths, None)
    else:
        main()
