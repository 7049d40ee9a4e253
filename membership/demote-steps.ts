// The steps of `etcd-edge demote` before the replacing proxy starts: find the member and its supervisor, refuse
// what would break the cluster or touch a process we cannot identify, move leadership away, remove the
// member, stop its process, archive its data dir.
import { rmSync } from 'node:fs';
import { EdgeError } from '../core/errors.js';
import { sleep } from '../core/lifecycle.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { createMembershipApi, isServerAnswer, serverMessage } from './api.js';
import { retryWhileUnhealthy } from './retry.js';
import type { MembershipApi } from './api.js';
import type { DemoteConfig } from './config.js';
import type { EtcdMember } from '../etcd/index.js';
import { promoteSupervisor, readMemberPid } from './pidfile.js';
import type { MemberPidRecord } from './pidfile.js';
import { archiveDir, findEtcdProcesses, isEtcdArgv, processAlive, readCmdline, signalPid, waitGone } from '../host/index.js';
import type { EtcdProcess } from '../host/index.js';
import { stampOf } from './steps.js';
import type { StepPrinter } from './steps.js';

/** What the steps share. */
export interface DemoteCtx {
  readonly cfg: Readonly<DemoteConfig>;
  readonly print: StepPrinter;
  readonly tls: ClientTlsOptions | undefined;
  readonly now: () => Date;
}

/** What step 1 found. */
export interface FoundMember {
  readonly api: MembershipApi;
  readonly rec: MemberPidRecord | undefined;
  /** The live `etcd-edge promote` supervising the member on this host, if any. */
  readonly supervisor: number | undefined;
  /** Without a promote: the etcd running on <data-dir>/<name>.etcd here (started by up, systemd or by hand). */
  readonly external: EtcdProcess | undefined;
  readonly member: EtcdMember | undefined;
  readonly members: readonly EtcdMember[];
}


/** Hands leadership to a healthy voting member when m leads; returns what happened. */
export async function moveLeadership(api: MembershipApi, m: EtcdMember, members: readonly EtcdMember[]): Promise<string> {
  const url = m.clientURLs[0];
  const st = url ? await api.status(url).catch(() => undefined) : undefined;
  if (!st || st.leader !== m.id) return st ? `not the leader (the leader is ${st.leader})` : 'not reachable; nothing to move';
  for (const t of members.filter((x) => x.id !== m.id && x.name !== '' && !x.isLearner)) {
    const tu = t.clientURLs[0];
    if (!tu || !(await api.healthy(tu))) continue;
    await api.moveLeader(url ?? '', t.id);
    for (let i = 0; i < 50; i++) {
      if ((await api.status(tu).catch(() => undefined))?.leader === t.id) return `leadership moved to ${t.name} (${t.id})`;
      await sleep(200);
    }
  }
  throw new EdgeError('EDGE_MEMBERSHIP', `could not move leadership away from ${JSON.stringify(m.name)}`, { hint: 'check that the other members are healthy, then run demote again' });
}

/**
 * After the removal, waits for an etcd started outside promote to exit: etcd exits by itself (status 0) once
 * removed, which `up` does not restart and systemd's Restart=on-failure does not either. SIGTERM if it lingers.
 */
async function awaitExternalExit(ext: EtcdProcess, timeoutMs: number): Promise<string> {
  if (await waitGone(ext.pid, timeoutMs)) return `etcd (pid ${ext.pid}) exited by itself after the removal`;
  if (isEtcdArgv(readCmdline(ext.pid))) signalPid(ext.pid, 'SIGTERM');
  if (await waitGone(ext.pid, 10_000)) return `etcd (pid ${ext.pid}) did not exit after the removal; stopped it with SIGTERM`;
  throw new EdgeError('EDGE_TIMEOUT', `etcd (pid ${ext.pid}) still runs after its removal and SIGTERM`, { hint: `stop it where it runs (systemctl stop, Ctrl-C its etcd-edge up), then run demote again` });
}

/** Stops the member's supervisor (SIGTERM, then SIGKILL) and makes sure its etcd is gone. */
export async function stopMember(rec: MemberPidRecord | undefined, sup: number | undefined, timeoutMs: number, ext?: EtcdProcess): Promise<string> {
  if (sup === undefined && ext !== undefined) return awaitExternalExit(ext, timeoutMs);
  if (sup !== undefined) {
    signalPid(sup, 'SIGTERM');
    if (!(await waitGone(sup, timeoutMs))) {
      signalPid(sup, 'SIGKILL');
      await waitGone(sup, 5000);
    }
  }
  // etcd runs in its own process group: make sure it is gone too (a killed supervisor leaves it behind).
  if (rec && processAlive(rec.etcdPid) && isEtcdArgv(readCmdline(rec.etcdPid))) {
    signalPid(-rec.etcdPid, 'SIGTERM');
    if (!(await waitGone(rec.etcdPid, 10_000))) signalPid(-rec.etcdPid, 'SIGKILL');
    await waitGone(rec.etcdPid, 5000);
  }
  return sup !== undefined ? `stopped etcd-edge promote (pid ${sup}) and its etcd (pid ${rec?.etcdPid ?? '?'})` : 'no local process ran it';
}

/** Step 1: reads the pid file, reaches the cluster, finds the member by name. */
export async function findMember(c: DemoteCtx): Promise<FoundMember> {
  const { cfg, print } = c;
  print.step(1, `find member ${cfg.name}`);
  const rec = readMemberPid(cfg.pidFile);
  const eps = cfg.client.endpoints.length > 0 ? cfg.client.endpoints : [...(rec?.endpoints ?? []), ...(rec?.clientUrls ?? [])];
  if (eps.length === 0) throw new EdgeError('EDGE_NO_ENDPOINTS', `no --endpoints and no pid file ${JSON.stringify(cfg.pidFile)}`, { hint: 'pass --endpoints with client URLs of the members, and the --data-dir promote used' });
  const api = createMembershipApi({ endpoints: eps, timeoutMs: cfg.client.timeoutMs, ...(c.tls ? { tls: c.tls } : {}) });
  const { members } = await api.list();
  const member = members.find((m) => m.name === cfg.name);
  print.detail(member ? `member ${member.id}, ${member.clientURLs.join(',')}; ${members.length} members` : `no member named ${JSON.stringify(cfg.name)} in the cluster (already removed)`);
  const supervisor = promoteSupervisor(rec);
  const external = supervisor === undefined ? findEtcdProcesses([cfg.memberDataDir])[0] : undefined;
  if (external) print.detail(`etcd pid ${external.pid} runs on ${cfg.memberDataDir} (not under etcd-edge promote)`);
  return { api, rec, supervisor, external, member, members };
}

/** Refuses to remove the last voter, or a member that runs but not on this host's data dir. */
export async function checkRemovable(c: DemoteCtx, f: FoundMember, member: EtcdMember): Promise<void> {
  const { cfg } = c;
  if (!member.isLearner && f.members.filter((m) => !m.isLearner).length <= 1) {
    throw new EdgeError('EDGE_MEMBERSHIP', `${JSON.stringify(cfg.name)} is the cluster's only voting member`, { hint: 'removing it would end the cluster; add another member first' });
  }
  if (f.supervisor !== undefined || f.external !== undefined) return;
  for (const u of member.clientURLs) {
    if (await f.api.healthy(u)) {
      throw new EdgeError('EDGE_MEMBERSHIP', `member ${JSON.stringify(cfg.name)} runs (healthy at ${u}), but not on this host's ${cfg.memberDataDir}`, {
        hint: `run demote on the member's host with the --data-dir that holds ${cfg.name}.etcd (up's --data-dir, or the one promote used)`,
      });
    }
  }
}

/** Steps 2-3: moves leadership away, removes the member; returns the members left. */
export async function removeMember(c: DemoteCtx, f: FoundMember, member: EtcdMember): Promise<readonly EtcdMember[]> {
  const { cfg, print } = c;
  print.step(2, 'move leadership away if it leads');
  print.detail(await moveLeadership(f.api, member, f.members));
  print.step(3, `remove member ${cfg.name} (${member.id})`);
  f.api.setEndpoints(f.members.filter((m) => m.id !== member.id && m.name !== '').flatMap((m) => m.clientURLs));
  const r = await retryWhileUnhealthy(() => f.api.remove(member.id)).catch((err: unknown) => {
    if (isServerAnswer(err)) throw new EdgeError('EDGE_MEMBERSHIP', `member remove refused: ${serverMessage(err)}`, { hint: 'nothing changed; check etcd-edge status and run demote again', cause: err });
    throw err;
  });
  print.detail(`removed; ${r.members.length} member${r.members.length === 1 ? '' : 's'} left: ${r.members.map((m) => m.name || m.id).join(', ')}`);
  return r.members;
}

/** Step 5: renames the data dir to <name>.etcd.demoted-<stamp> and drops the pid file. */
export function archiveDataDir(c: DemoteCtx): void {
  const { cfg, print } = c;
  print.step(5, 'archive the data dir');
  const to = archiveDir(cfg.memberDataDir, `demoted-${stampOf(c.now())}`);
  if (to === undefined) { print.detail(`${cfg.memberDataDir} does not exist`); return; }
  rmSync(cfg.pidFile, { force: true });
  print.detail(`${cfg.memberDataDir} -> ${to}`);
}
