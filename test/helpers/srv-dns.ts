// A tiny SRV responder for tests of --discovery-srv: answers one table of names over UDP on 127.0.0.1:0.
import dgram from 'node:dgram';
import type { TestContext } from 'node:test';
import * as dnsPacket from 'dns-packet';
import type { SrvAnswer } from 'dns-packet';

/** Answers SRV questions from a table (NXDOMAIN otherwise) on 127.0.0.1:0 over UDP; returns ip:port. */
export async function startSrvDns(t: TestContext, records: Record<string, SrvAnswer['data'][]>): Promise<string> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    if (!question) return;
    const data = records[question.name];
    const answers: SrvAnswer[] = (data ?? []).map((d) => ({ type: 'SRV', name: question.name, ttl: 5, data: d }));
    sock.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.AUTHORITATIVE_ANSWER | (data ? 0 : 3), questions: [question], answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  t.after(() => sock.close());
  return `127.0.0.1:${sock.address().port}`;
}
