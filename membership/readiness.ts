// Step 6 of promote: wait until the new member answers /health and its raft index is close to the leader's,
// then (for a learner) promote it, retrying while etcd says it is not yet in sync with the leader.
import { EdgeError } from '../core/errors.js';
import { sleep } from '../core/lifecycle.js';
import type { MembershipApi } from './api.js';
import { isServerAnswer, serverMessage } from './api.js';
import type { EtcdChild } from '../host/index.js';
import { tailLines } from '../core/log-tail.js';

// "Caught up" for us: within this many raft entries of the leader. etcd's own learner check is looser
// (90% of the leader's index); a fixed gap keeps the promotion from racing a long snapshot transfer.
const MAX_LAG = 100;

/** What the wait needs. */
export interface ReadinessInput {
  readonly api: MembershipApi;
  readonly memberId: string;
  readonly clientUrl: string;
  readonly child: EtcdChild | undefined;
  readonly logFile: string;
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

function checkAlive(i: ReadinessInput): void {
  if (i.child?.hasExited()) {
    throw new EdgeError('EDGE_ETCD_EXITED', `etcd exited while joining; last log lines:\n  ${tailLines(i.logFile, 5, i.child.logOffset).join('\n  ')}`, {
      hint: `read ${i.logFile} for the whole log`,
    });
  }
}

function checkDeadline(i: ReadinessInput, what: string, last: string): void {
  if (Date.now() > i.deadline) {
    throw new EdgeError('EDGE_TIMEOUT', `the new member did not ${what} in time${last ? ` (${last})` : ''}`, {
      hint: `raise --ready-timeout, and read ${i.logFile}`,
    });
  }
}

/** Returns how far the member is behind the leader, or undefined while either does not answer. */
async function lag(i: ReadinessInput): Promise<{ lag: number; isLearner: boolean } | undefined> {
  const own = await i.api.status(i.clientUrl);
  if (own.leader === '0') return undefined;
  if (own.leader === own.memberId) return { lag: 0, isLearner: own.isLearner };
  const members = (await i.api.list()).members;
  const leader = members.find((m) => m.id === own.leader);
  const url = leader?.clientURLs[0];
  if (!url) return undefined;
  const ls = await i.api.status(url);
  return { lag: Math.max(0, ls.raftIndex - own.raftIndex), isLearner: own.isLearner };
}

/** Waits until the member is healthy and within MAX_LAG entries of the leader; returns its lag. */
export async function waitCaughtUp(i: ReadinessInput): Promise<{ lag: number; isLearner: boolean }> {
  let last = '';
  for (;;) {
    checkAlive(i);
    try {
      if (await i.api.healthy(i.clientUrl)) {
        const l = await lag(i);
        if (l && l.lag <= MAX_LAG) return l;
        last = l ? `${l.lag} entries behind the leader` : 'no leader yet';
      } else {
        last = 'not healthy yet';
      }
    } catch (err) {
      last = (err as Error).message;
    }
    checkDeadline(i, 'catch up', last);
    await sleep(200, i.signal);
  }
}

/** Promotes a learner, retrying while etcd answers that it is not in sync with the leader yet. */
export async function promoteLearner(i: ReadinessInput): Promise<void> {
  let last = '';
  for (;;) {
    checkAlive(i);
    try {
      await i.api.promote(i.memberId);
      return;
    } catch (err) {
      // A retried call may find the first one already done.
      if (isServerAnswer(err) && /can only promote a learner member$/.test(serverMessage(err))) {
        const m = (await i.api.list()).members.find((x) => x.id === i.memberId);
        if (m && !m.isLearner) return;
      }
      if (isServerAnswer(err) && !/in sync with leader|not healthy|unhealthy|leader changed/.test(serverMessage(err))) throw err;
      last = isServerAnswer(err) ? serverMessage(err) : (err as Error).message;
    }
    checkDeadline(i, 'become promotable', last);
    await sleep(300, i.signal);
  }
}
