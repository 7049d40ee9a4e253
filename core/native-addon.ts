// The Node-API addon built by `npm ci` (binding.gyp: gateway/native/*.c for the gateway's native data path,
// core/native/accept.c for the accept-queue drain): where it is, how it is loaded, and the part every component
// may use. Components that need more of it (the gateway's relay) type their own part on top of loadNativeAddon().
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where `npm ci` puts the addon, relative to the compiled module (build/core/native-addon.js). */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../Release/gateway_relay.node', import.meta.url));

/** The proxy's native front (proxy/native/*.c), a separate addon built by the same `npm ci`. */
export const PROXY_FRONT_PATH = fileURLToPath(new URL('../Release/proxy_front.node', import.meta.url));

/** The accept-queue drain of the addon (core/native/accept.c). */
export interface AcceptAddon {
  /**
   * Accepts up to `max` connections waiting on the listening descriptor `fd` now (non-blocking, close-on-exec) and
   * returns their descriptors; empty when none waits. Stops at the first error (EMFILE too) with what it has.
   */
  acceptPending(fd: number, max: number): number[];
}

/** Loads the addon at `path`; returns it, or the reason it cannot be used (one line). */
export function loadNativeAddon<T extends object>(path: string = NATIVE_ADDON_PATH): T | string {
  if (process.platform !== 'linux') return `the native addon needs Linux (epoll, accept4), not ${process.platform}`;
  try {
    return createRequire(import.meta.url)(path) as T;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
    return `cannot load ${path}: ${msg}`;
  }
}

/**
 * The addon's accept drain (Node caches the loaded module); undefined when the addon is missing (not Linux, a
 * failed build, an older build without it). Callers then keep Node's own accept, one connection per event-loop
 * turn. path: another build of the addon (the AddressSanitizer run).
 */
export function acceptAddon(path: string = NATIVE_ADDON_PATH): AcceptAddon | undefined {
  const a = loadNativeAddon<Partial<AcceptAddon>>(path);
  return typeof a === 'object' && typeof a.acceptPending === 'function' ? (a as AcceptAddon) : undefined;
}
