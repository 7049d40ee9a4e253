// While `up --tls self-signed` waits for its members, checks the peers on other hosts: a peer whose certificate
// this host's CA did not sign means each host made its own CA. etcd only logs "tls: bad certificate" in the member
// logs and up would report "not healthy"; this names the cause in up's own error, with the fix.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { EdgeError } from '../core/errors.js';
import type { HostDecl, Topology } from './topology.js';
import { membersOf } from './validate.js';

/** A peer URL of a member on another host. */
export interface PeerTarget {
  readonly name: string;
  readonly url: string;
}

/** What a probe found: the peer's certificate issuer when this CA did not sign it; undefined when it did or no answer. */
export async function probePeer(target: PeerTarget, ca: X509Certificate, timeoutMs: number): Promise<string | undefined> {
  const u = new URL(target.url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    // No client certificate and no verification: only the peer's certificate is wanted, checked below against our CA.
    const s = tls.connect({ host, port: Number(u.port || 2380), rejectUnauthorized: false, ...(net.isIP(host) === 0 ? { servername: host } : {}) });
    const done = (v: string | undefined): void => { clearTimeout(timer); s.destroy(); resolve(v); };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    s.once('error', () => done(undefined));
    s.once('secureConnect', () => {
      const cert = s.getPeerX509Certificate();
      if (!cert) { done(undefined); return; }
      const signed = cert.checkIssued(ca) && cert.verify(ca.publicKey);
      done(signed ? undefined : cert.issuer.replace(/\n/g, ', '));
    });
  });
}

/**
 * Probes the peers every intervalMs until one presents a certificate of another CA, then rejects with
 * EDGE_TLS_CA_MISMATCH; stops quietly when signal aborts. Peers that do not answer yet are tried again.
 */
export function watchCaMismatch(opts: { caFile: string; peers: readonly PeerTarget[]; logs: readonly { name: string; file: string }[]; intervalMs: number; hint: string }, signal: AbortSignal): Promise<never> {
  const ca = new X509Certificate(readFileSync(opts.caFile));
  const peers = opts.peers.filter((p) => p.url.startsWith('https://'));
  // Only what the members log from now on counts: a log keeps the refusals of an earlier run with another CA.
  const offsets = new Map(opts.logs.map((l) => [l.file, sizeOf(l.file)]));
  return new Promise((_resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const round = async (): Promise<void> => {
      for (const p of peers) {
        const issuer = await probePeer(p, ca, Math.min(opts.intervalMs, 3000));
        if (signal.aborted) return;
        if (issuer !== undefined) {
          reject(new EdgeError('EDGE_TLS_CA_MISMATCH',
            `peer ${JSON.stringify(p.name)} at ${p.url} presents a certificate issued by "${issuer}", not by this host's CA ${JSON.stringify(opts.caFile)}; the members refuse each other ("tls: bad certificate" in their logs)`,
            { hint: opts.hint }));
          return;
        }
      }
      // The peer may already be gone (its own up saw the mismatch first): the local member's log still tells.
      for (const l of opts.logs) {
        const seen = refusedInLog(l.file, offsets.get(l.file) ?? 0);
        if (seen === undefined || signal.aborted) continue;
        reject(new EdgeError('EDGE_TLS_CA_MISMATCH',
          `member ${JSON.stringify(l.name)} and its peers refuse each other's certificates (${JSON.stringify(seen)} in ${l.file}): they were not issued by this host's CA ${JSON.stringify(opts.caFile)}`,
          { hint: opts.hint }));
        return;
      }
      if (!signal.aborted) timer = setTimeout(() => void round(), opts.intervalMs);
    };
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    void round();
  });
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

const REFUSED = /"msg":"rejected connection".*?"error":"([^"]*(?:remote error: tls: bad certificate|x509: certificate signed by unknown authority)[^"]*)"/;

/** Returns the TLS refusal a member's log shows after byte offset `from` (at most the last 64 KiB), if any. */
export function refusedInLog(file: string, from: number): string | undefined {
  let text: string;
  try {
    const buf = readFileSync(file);
    text = buf.subarray(Math.max(from, buf.length - 65_536)).toString('utf8');
  } catch {
    return undefined;
  }
  return REFUSED.exec(text)?.[1];
}

const MISMATCH_LINGER_MS = 3000;

/**
 * Runs start() while watching for a CA mismatch. A mismatch aborts start() (so closing the cluster does not wait for
 * its ready timeout) and is the error thrown; the watch ends either way.
 */
export async function startWatchingCa(start: (signal: AbortSignal) => Promise<void>, signal: AbortSignal,
  watch: ((signal: AbortSignal) => Promise<never>) | undefined): Promise<void> {
  if (!watch) return start(signal);
  const ac = new AbortController();
  const starting = start(AbortSignal.any([signal, ac.signal]));
  // Once a mismatch has aborted it, start()'s own rejection (EDGE_ABORTED) is expected and not the error to report.
  starting.catch(() => undefined);
  // After a mismatch the member keeps running a little longer, so the up on the other host sees it too (its probes
  // run every second) instead of finding the peer gone and waiting for its ready timeout.
  const watched = watch(ac.signal).catch(async (err: unknown) => {
    await new Promise((r) => setTimeout(r, MISMATCH_LINGER_MS));
    throw err;
  });
  try {
    await Promise.race([starting, watched]);
  } finally {
    ac.abort();
  }
}

/** The watch for `up`: under tls: self-signed, the peer URLs of the members on the other hosts; else undefined. */
export function caWatchFor(t: Topology, hosts: readonly HostDecl[], caFile: string | undefined, logs: readonly { name: string; file: string }[]): ((signal: AbortSignal) => Promise<never>) | undefined {
  if (t.tls !== 'self-signed' || caFile === undefined || !hosts.some((h) => h.member)) return undefined;
  const here = new Set(hosts.flatMap((h) => (h.member ? [h.member.name] : [])));
  const peers = membersOf(t).filter((m) => !here.has(m.name)).flatMap((m) => m.initialAdvertisePeerUrls.map((url) => ({ name: m.name, url })));
  if (peers.length === 0) return undefined;
  const hint = `use one CA for the whole cluster: create it once (etcd-edge certs ca --out DIR), copy its ca.crt and ca.key to every host, and start each host with etcd-edge up --ca DIR (or set ca: in ${t.source}); etcd-edge plan prints these steps. Certificates of the old CA are reissued on the next up`;
  return (signal) => watchCaMismatch({ caFile, peers, logs, intervalMs: 1000, hint }, signal);
}
