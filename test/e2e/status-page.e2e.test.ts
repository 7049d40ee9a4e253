// The live status page of a bundled `up`, in a real browser (Debian's chromium driven by playwright-core): three
// members and the leader, the proxy and the gateway; a member frozen with SIGSTOP turns unhealthy without a
// reload and healthy again after SIGCONT. Also `status -w json|table|simple|fields` against the same cluster.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { cleanEnv, runBin, spawnBin } from '../helpers/bin.js';
import { freePorts } from '../helpers/ports.js';
import { requireTool, startBundledCluster, tempDir } from '../helpers/etcd.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** The page's document, as the functions run in the browser see it (the build has no DOM typings). */
declare const document: { getElementById(id: string): { textContent: string | null } | null; querySelector(sel: string): { textContent: string | null } | null };

interface Doc {
  schema: string; leader: string | null; edge: { kind: string }[];
  members: { name: string; id: string; isLeader: boolean; health: string; endpoint: string; process: { state: string } | null }[];
  hosts?: { name: string; reached: boolean; member: string | null; edge: { kind: string }[] }[];
}

async function healthOf(page: Page, name: string): Promise<string> {
  return (await page.locator(`#members tr[data-member="${name}"] td[data-label="Health"]`).textContent()) ?? '';
}

test('status page: live members, leader, proxy and gateway in a real browser', async (t) => {
  requireTool('chromium', 'chromium');
  const c = await startBundledCluster(t, { edge: true });
  const base = `http://127.0.0.1:${c.basePort + 8}`;
  // Artifacts: the screenshots stay after the test (the cluster's own temp dir is removed).
  const shots = mkdtempSync(path.join(os.tmpdir(), 'etcd-edge-status-page-'));
  const shot = async (page: Page, name: string): Promise<string> => {
    const file = path.join(shots, name);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
    return file;
  };

  await t.test('up prints the page URL; /livez, /readyz, /metrics of every component', async () => {
    assert.match(c.proc.stdout(), new RegExp(`status page: ${base}/`));
    assert.equal((await fetch(`${base}/livez`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
    const m = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['etcd_edge_member_running', 'etcd_proxy_requests_total', 'etcd_edge_gateway_endpoint_up', 'process_cpu_user_seconds_total']) {
      assert.match(m, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.equal((m.match(/^# TYPE process_cpu_user_seconds_total /gm) ?? []).length, 1, 'one family per name');
    // The page loads nothing from elsewhere (no CDN), and its policy forbids it.
    const pageRes = await fetch(`${base}/`);
    assert.match(pageRes.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.doesNotMatch(await pageRes.text(), /(src|href)=["']?(https?:)?\/\//);
  });

  await t.test('status -w json parses and follows the schema; -w table, simple, fields', async () => {
    const j = await runBin(['status', '--endpoints', c.clientUrls[0] ?? '', '-w', 'json']);
    assert.equal(j.code, 0, j.stderr);
    const doc = JSON.parse(j.stdout) as Doc;
    assert.equal(doc.schema, 'etcd-edge.status/v1');
    assert.deepEqual(doc.members.map((m) => m.name).sort(), ['infra1', 'infra2', 'infra3']);
    assert.equal(doc.members.filter((m) => m.isLeader).length, 1);
    assert.equal(doc.leader, doc.members.find((m) => m.isLeader)?.id);
    const api = (await (await fetch(`${base}/api/status`)).json()) as Doc;
    assert.equal(api.schema, doc.schema);
    assert.deepEqual(api.edge.map((e) => e.kind), ['proxy', 'gateway']);
    const tb = await runBin(['status', '--endpoints', c.clientUrls[0] ?? '', '--write-out', 'table']);
    assert.equal(tb.code, 0, tb.stderr);
    assert.match(tb.stdout, /^\+?[┌+][─-]/m);
    assert.match(tb.stdout, /│ ENDPOINT +│ ID +│ VERSION +│ DB SIZE +│ IS LEADER +│ IS LEARNER +│ RAFT TERM +│ RAFT INDEX +│ RAFT APPLIED INDEX +│ ERRORS +│ HEALTH +│/);
    // Numbers right-aligned: the DB size and raft columns end at their right border.
    assert.equal((tb.stdout.match(/│ +\d+(\.\d)? kB │ (true|false) +│ false +│ +\d+ │ +\d+ │ +\d+ │ +│ healthy │/g) ?? []).length, 3, tb.stdout);
    const simple = await runBin(['status', '--endpoints', c.clientUrls[0] ?? '', '-w', 'simple']);
    assert.equal(simple.stdout.trim().split('\n').length, 3);
    assert.match(simple.stdout, /^http:\/\/127\.0\.0\.1:\d+, [0-9a-f]+, 3\.\d+\.\d+, /m);
    const fields = await runBin(['status', '--endpoints', c.clientUrls[0] ?? '', '-w', 'fields']);
    assert.equal((fields.stdout.match(/^"RaftAppliedIndex" : \d+$/gm) ?? []).length, 3);
    assert.equal((await runBin(['status', '-w', 'yaml'])).code, 2);
  });

  await t.test('the page shows 3 members, the leader, the proxy and the gateway; SIGSTOP turns a member unhealthy, SIGCONT healthy', async () => {
    const ctx = await chromium.launchPersistentContext(tempDir(t, 'etcd-edge-chromium-'), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    t.after(() => ctx.close());
    const page = ctx.pages()[0] ?? await ctx.newPage();
    await page.goto(`${base}/`);
    await page.waitForFunction(() => /3 members, all healthy; leader: infra\d/.test(document.getElementById('summary')?.textContent ?? ''), undefined, { timeout: 15_000 });
    assert.equal(await page.locator('#members tr').count(), 3);
    assert.equal(await page.locator('#members td[data-label="Role"]', { hasText: 'leader' }).count(), 1);
    for (const n of ['infra1', 'infra2', 'infra3']) assert.match(await healthOf(page, n), /^healthy$/);
    assert.match((await page.locator('#edge tr[data-edge="proxy"]').textContent()) ?? '', /serving/);
    assert.match((await page.locator('#edge tr[data-edge="gateway"]').textContent()) ?? '', /serving/);
    // Some traffic through the proxy, so the requests graph has something to draw.
    for (let i = 0; i < 60; i++) {
      await fetch(`${c.proxyUrl}/v2/keys/page/${i % 5}`, { method: 'PUT', body: new URLSearchParams({ value: String(i) }) });
      await new Promise((r) => setTimeout(r, 40));
    }
    await page.waitForFunction(() => /^(6\d|[7-9]\d|\d{3,}) requests, 0 errors/.test(document.querySelector('#edge tr[data-edge="proxy"] td[data-label="Numbers"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    await page.waitForFunction(() => /max ([1-9]\d*\.\d)/.test(document.getElementById('rps-now')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const normal = await shot(page, 'status-page-1280.png');
    if (process.env.ETCD_EDGE_UPDATE_SCREENSHOT === '1') copyFileSync(normal, path.resolve('docs/status-page.png'));
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'status-page-phone.png');
    await page.setViewportSize({ width: 1280, height: 900 });

    const api = (await (await fetch(`${base}/api/status`)).json()) as Doc;
    const follower = api.members.find((m) => !m.isLeader)?.name ?? 'infra3';
    const pid = c.memberPid(follower);
    assert.ok(pid, `pid of ${follower}`);
    const reloads: string[] = [];
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) reloads.push(f.url()); });
    process.kill(pid, 'SIGSTOP');
    try {
      await page.waitForFunction((n) => /^unhealthy/.test(document.querySelector(`#members tr[data-member="${n}"] td[data-label="Health"]`)?.textContent ?? ''), follower, { timeout: 15_000 });
      assert.match((await page.locator('#summary').textContent()) ?? '', new RegExp(`1 unhealthy \\(${follower}\\)`));
      assert.match(await healthOf(page, follower), /^unhealthy/);
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), new RegExp(`unhealthy members: ${follower}`));
      await shot(page, 'status-page-stopped.png');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await page.waitForFunction((n) => document.querySelector(`#members tr[data-member="${n}"] td[data-label="Health"]`)?.textContent === 'healthy', follower, { timeout: 20_000 });
    await page.waitForFunction(() => /all healthy/.test(document.getElementById('summary')?.textContent ?? ''), undefined, { timeout: 20_000 });
    await shot(page, 'status-page-resumed.png');

    // A killed member: up restarts it, and the page shows the restart in the process column.
    process.kill(pid, 'SIGKILL');
    await page.waitForFunction((n) => /running \(pid \d+\), 1 restart$/.test(document.querySelector(`#members tr[data-member="${n}"] td[data-label="Process"]`)?.textContent ?? ''), follower, { timeout: 30_000 });
    await page.waitForFunction((n) => document.querySelector(`#members tr[data-member="${n}"] td[data-label="Health"]`)?.textContent === 'healthy', follower, { timeout: 30_000 });
    assert.doesNotMatch((await page.locator(`#members tr[data-member="${follower}"] td[data-label="Process"]`).textContent()) ?? '', new RegExp(`pid ${pid}\\)`));
    assert.deepEqual(reloads, [], 'the page never reloaded');
  });

  await t.test('status -f topology.yaml --serve: every host, its member, and the edge its up reports', async () => {
    const dir = tempDir(t);
    const host = (i: number): string => `  h${i + 1}:\n    addresses: [127.0.0.1]\n    member: {name: infra${i + 1}, listen-client-urls: ${c.clientUrls[i] ?? ''}, listen-peer-urls: ${c.peerUrls[i] ?? ''}}\n`;
    writeFileSync(path.join(dir, 'topo.yaml'), `cluster-token: etcd-cluster-1\nhosts:\n${[0, 1, 2].map(host).join('')}`);
    const port = await freePorts(1);
    const s = spawnBin(['status', '-f', path.join(dir, 'topo.yaml'), '--serve', `http://127.0.0.1:${port}`, '--metrics-port', String(c.basePort + 8)], { env: cleanEnv() });
    t.after(() => s.stop('SIGTERM'));
    await s.waitFor(/status page: http:\/\/127\.0\.0\.1:\d+\//, 20_000);
    let doc: Doc | undefined;
    for (let i = 0; i < 50 && !(doc?.hosts?.every((h) => h.reached)); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const r = await fetch(`http://127.0.0.1:${port}/api/status`);
      if (r.status === 200) doc = (await r.json()) as Doc;
    }
    assert.ok(doc?.hosts, 'a document with hosts');
    assert.deepEqual(doc.hosts.map((h) => [h.name, h.member, h.reached]), [['h1', 'infra1', true], ['h2', 'infra2', true], ['h3', 'infra3', true]]);
    assert.deepEqual(doc.hosts[0]?.edge.map((e) => e.kind), ['proxy', 'gateway']);
    assert.deepEqual(doc.members.map((m) => m.process?.state), ['running', 'running', 'running']);
    const ctx = await chromium.launchPersistentContext(tempDir(t, 'etcd-edge-chromium-'), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    t.after(() => ctx.close());
    const page = ctx.pages()[0] ?? await ctx.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (document.getElementById('hosts')?.textContent ?? '').split('reached').length === 4, undefined, { timeout: 15_000 });
    for (const h of ['h1', 'h2', 'h3']) assert.match((await page.locator(`#hosts tr[data-host="${h}"]`).textContent()) ?? '', /infra\d.*reached.*proxy serving; gateway serving/);
    assert.doesNotMatch((await page.locator('#hosts').textContent()) ?? '', /not reached/);
    await shot(page, 'status-serve-hosts.png');
    await ctx.close();
    assert.equal(await s.stop('SIGTERM'), 0);
  });
});
