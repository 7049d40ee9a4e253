// `etcd-edge certs`: runs one subcommand from its parsed config. Written paths go to stdout, one per line, so
// scripts can consume them; notes go to stderr; inspect's report goes to stdout and its verdict to the exit code.
import { println, printWarnings } from '../core/cli.js';
import { envWarnings } from '../core/flags.js';
import type { CliIo, CliMain } from '../core/cli.js';
import { ensureAutoCert } from './auto-tls.js';
import { CA_CERT, CA_KEY, createCa, loadCa } from './ca.js';
import { CERTS_SPECS, parseCertsFlags } from './config.js';
import type { CertsCommand, CertsConfig } from './config.js';
import { writeFiles } from './files.js';
import type { OutFile } from './files.js';
import { inspectCertificate, renderReport, reportOk } from './inspect.js';
import { issueCertificate } from './issue.js';
import type { Issued } from './issue.js';

/** Runs `etcd-edge certs <ca|member|client|auto|inspect>`; returns the exit code, throws EdgeErrors. */
export const certsMain: CliMain = async (io: CliIo) => {
  const c = parseCertsFlags(io.argv, io.env, io.cwd);
  const specs = CERTS_SPECS[io.argv[0] as CertsCommand]?.specs;
  if (specs) printWarnings(io.stderr, envWarnings(specs, io.env));
  switch (c.command) {
    // A bare `certs`, like every other bare group, is a usage error: the usage on stdout, exit 2.
    case 'help': io.stdout.write(c.text); return c.bare === true ? 2 : 0;
    case 'inspect': return inspect(io, c);
    case 'auto': {
      const r = await ensureAutoCert({ dir: c.out, hosts: c.hosts, force: c.force });
      if (!r.created) println(io.stderr, `reusing the existing pair in ${c.out} (etcd reuses it too; --force makes a new one)`);
      println(io.stdout, r.certFile);
      println(io.stdout, r.keyFile);
      return 0;
    }
    default: {
      const written = await writeFiles(c.out, await filesFor(c), { force: c.force });
      for (const p of written) println(io.stdout, p);
      return 0;
    }
  }
};

type IssuingConfig = Extract<CertsConfig, { command: 'ca' | 'member' | 'client' }>;

async function filesFor(c: IssuingConfig): Promise<OutFile[]> {
  const pair = (base: string, i: Issued): OutFile[] => [
    { name: `${base}.crt`, content: i.certPem, secret: false },
    { name: `${base}.key`, content: i.keyPem, secret: true },
  ];
  if (c.command === 'ca') {
    const ca = await createCa({ commonName: c.commonName, days: c.days, key: c.key });
    return [{ name: CA_CERT, content: ca.certPem, secret: false }, { name: CA_KEY, content: ca.keyPem, secret: true }];
  }
  const issuer = await loadCa(c.ca);
  if (c.command === 'client') {
    return pair(c.name, await issueCertificate({ profile: 'client', commonName: c.name, issuer, days: c.days, key: c.key }));
  }
  const member = await issueCertificate({ profile: 'member', commonName: c.name, hosts: c.hosts, issuer, days: c.days, key: c.key });
  const peer = await issueCertificate({ profile: 'peer', commonName: c.name, hosts: c.hosts, issuer, days: c.days, key: c.key });
  return [...pair(c.name, member), ...pair(`${c.name}-peer`, peer)];
}

async function inspect(io: CliIo, c: Extract<CertsConfig, { command: 'inspect' }>): Promise<number> {
  const now = new Date();
  const r = await inspectCertificate({ file: c.file, ...(c.ca === undefined ? {} : { ca: c.ca }), now });
  io.stdout.write(renderReport(r, now));
  return reportOk(r) ? 0 : 1;
}
