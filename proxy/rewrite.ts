// Member-list rewriting (ours): every non-empty "clientURLs" array in a v2 /v2/members(/leader) or v3 JSON
// member/list body becomes the proxy's own URLs, so clients that sync their endpoints stay behind the proxy.
// A string-aware scan edits only those arrays: IDs (uint64, strings or numbers) and all other bytes stay as sent.

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\n' || s[i] === '\r' || s[i] === '\t')) i++;
  return i;
}

/** Returns the index just past the JSON string starting at i (s[i] is the opening quote). */
function endOfString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '"') return j + 1;
  }
  return -1;
}

/** Returns the index just past a string array starting at i (s[i] is `[`), and whether it holds any string. */
function endOfStringArray(s: string, i: number): { end: number; nonEmpty: boolean } | undefined {
  let j = skipWs(s, i + 1);
  let nonEmpty = false;
  while (j < s.length && s[j] !== ']') {
    if (s[j] !== '"') return undefined;
    j = endOfString(s, j);
    if (j === -1) return undefined;
    nonEmpty = true;
    j = skipWs(s, j);
    if (s[j] === ',') j = skipWs(s, j + 1);
  }
  return j < s.length ? { end: j + 1, nonEmpty } : undefined;
}

/** Replaces the value of every non-empty "clientURLs" array with urls; returns undefined when nothing changed. */
export function rewriteClientUrls(body: string, urls: readonly string[]): string | undefined {
  const replacement = JSON.stringify(urls);
  let out = '';
  let last = 0;
  let changed = false;
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '"') continue;
    const end = endOfString(body, i);
    if (end === -1) break;
    const isKey = body.slice(i, end) === '"clientURLs"';
    i = end - 1;
    if (!isKey) continue;
    let j = skipWs(body, end);
    if (body[j] !== ':') continue;
    j = skipWs(body, j + 1);
    if (body[j] !== '[') continue;
    const arr = endOfStringArray(body, j);
    if (!arr) continue;
    if (arr.nonEmpty) {
      out += body.slice(last, j) + replacement;
      last = arr.end;
      changed = true;
    }
    i = arr.end - 1;
  }
  return changed ? out + body.slice(last) : undefined;
}
