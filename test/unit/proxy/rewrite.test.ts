// rewriteClientUrls: only non-empty clientURLs arrays change; everything else stays byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewriteClientUrls } from '../../../proxy/rewrite.js';

const P = ['http://127.0.0.1:2378'];
const cases: { name: string; body: string; want: string | undefined }[] = [
  {
    name: 'v2 members',
    body: '{"members":[{"id":"628170c800dbcee","name":"s1","peerURLs":["http://127.0.0.1:32380"],"clientURLs":["http://127.0.0.1:32379"]}]}\n',
    want: '{"members":[{"id":"628170c800dbcee","name":"s1","peerURLs":["http://127.0.0.1:32380"],"clientURLs":["http://127.0.0.1:2378"]}]}\n',
  },
  {
    name: 'v3 members with uint64 string IDs and several URLs',
    body: '{"header":{"cluster_id":"18233278573876663181"},"members":[{"ID":"18233278573876663181","name":"a","peerURLs":["http://h:2380"],"clientURLs":["http://h:2379","http://h2:2379"]}]}',
    want: '{"header":{"cluster_id":"18233278573876663181"},"members":[{"ID":"18233278573876663181","name":"a","peerURLs":["http://h:2380"],"clientURLs":["http://127.0.0.1:2378"]}]}',
  },
  { name: 'numeric uint64 id kept exactly', body: '[{"id":18233278573876663181,"clientURLs":["http://h:1"]}]', want: '[{"id":18233278573876663181,"clientURLs":["http://127.0.0.1:2378"]}]' },
  { name: 'IPv6 URLs with brackets', body: '{"clientURLs":["http://[::1]:2379"],"x":1}', want: '{"clientURLs":["http://127.0.0.1:2378"],"x":1}' },
  { name: 'whitespace around tokens', body: '{ "clientURLs" : [ "http://a:1" , "http://b:2" ] }', want: '{ "clientURLs" : ["http://127.0.0.1:2378"] }' },
  { name: 'empty array of an unstarted member left alone', body: '{"name":"","clientURLs":[]}', want: undefined },
  { name: 'a name that contains the key text is not a key', body: '{"name":"\\"clientURLs\\":[\\"x\\"]","peerURLs":["http://p:1"]}', want: undefined },
  { name: 'leader object', body: '{"id":"1","name":"s1","peerURLs":["http://p:1"],"clientURLs":["http://c:1"]}', want: '{"id":"1","name":"s1","peerURLs":["http://p:1"],"clientURLs":["http://127.0.0.1:2378"]}' },
  { name: 'not JSON at all', body: '404 page not found\n', want: undefined },
  { name: 'truncated body', body: '{"clientURLs":["http://c:1"', want: undefined },
];
for (const c of cases) test(c.name, () => assert.equal(rewriteClientUrls(c.body, P), c.want));
