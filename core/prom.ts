// prom-client on demand: it costs about 10 MB of RSS once loaded, so the long-running commands load it at the
// first /metrics scrape, not at start. Registrations that must exist by then are queued until the registry is
// built (createLazyRegistry), so a component never has to load prom-client to declare its metrics.
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';

/** The prom-client module. */
export type PromClient = typeof import('prom-client');

/** Loads prom-client (Node caches the module after the first call). */
export function loadPromClient(): PromClient {
  return createRequire(import.meta.url)('prom-client') as PromClient;
}

/** Declares metrics in a registry once it exists. */
export type MetricsRegistration = (registry: Registry, prom: PromClient) => void;

/** A registry built on first use, with registrations queued until then. */
export interface LazyRegistry {
  /** Builds the registry (Node's default process metrics, then every registration so far) on the first call. */
  get(): Registry;
  /** Runs register now when the registry exists, else when it is built. */
  add(register: MetricsRegistration): void;
  /** Whether the registry has been built (and prom-client loaded). */
  built(): boolean;
}

/** Creates a lazy registry; withDefaults adds Node's default process metrics (GC, event-loop lag, RSS). */
export function createLazyRegistry(withDefaults = true): LazyRegistry {
  const queued: MetricsRegistration[] = [];
  let registry: Registry | undefined;
  let prom: PromClient | undefined;
  return {
    get() {
      if (registry === undefined) {
        prom = loadPromClient();
        registry = new prom.Registry();
        if (withDefaults) prom.collectDefaultMetrics({ register: registry });
        for (const r of queued.splice(0)) r(registry, prom);
      }
      return registry;
    },
    add(register) {
      if (registry !== undefined && prom !== undefined) register(registry, prom);
      else queued.push(register);
    },
    built: () => registry !== undefined,
  };
}
