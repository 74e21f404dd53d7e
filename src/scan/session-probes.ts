/**
 * The probes that go past the first answer: ROBOT (robot.ts), client-initiated renegotiation
 * (renegotiation.ts), resumption and 0-RTT (resumption.ts), and the extensions a hello asks about
 * (hello-extensions.ts), run side by side through the scan's ProbeRunner. --quick leaves out
 * ROBOT (5 to 10 connections) and TLS 1.2 session-ID resumption (2).
 */
import type { ClientOptions } from '../config.js';
import { ProtocolVersion } from '../messages/enums.js';
import { requireDefaultProvider } from '../platform-defaults.js';
import { probeHelloExtensions } from './hello-extensions.js';
import type { ProbeContext } from './protocol.js';
import { probeClientRenegotiation } from './renegotiation.js';
import { probeResumption } from './resumption.js';
import type { FeaturesResult, SuitesResult, VulnerabilitiesResult } from './result.js';
import { probeRobot } from './robot.js';

export type SessionFeatures = Pick<FeaturesResult, 'clientRenegotiation' | 'earlyData' | 'compression' | 'heartbeat' | 'recordSizeLimit' | 'resumption'>;

/**
 * `base`: the options of tlsglass's own handshakes (host, SNI, verifier; the certificate is not
 * required to verify). `accepted`: the versions the server took.
 */
export async function probeSessionFeatures(
  ctx: ProbeContext,
  base: ClientOptions,
  suites: readonly SuitesResult[],
  accepted: readonly number[],
  quick: boolean,
): Promise<{ features: SessionFeatures; vulnerabilities: VulnerabilitiesResult }> {
  const provider = base.provider ?? requireDefaultProvider();
  const tls12 = accepted.includes(ProtocolVersion.TLSv1_2);
  const tls13 = accepted.includes(ProtocolVersion.TLSv1_3);
  const [robot, renegotiation, resumption, extensions] = await Promise.all([
    quick ? null : probeRobot(ctx, suites),
    tls12 ? probeClientRenegotiation(ctx.runner, base, provider, ctx.random) : undefined,
    probeResumption(ctx.runner, base, provider, { tls12, tls13 }, quick),
    probeHelloExtensions(ctx, provider, accepted),
  ]);
  return {
    features: {
      clientRenegotiation: renegotiation?.accepted ?? null,
      earlyData: resumption.earlyData,
      ...extensions,
      resumption: resumption.resumption,
    },
    vulnerabilities: { robot },
  };
}
