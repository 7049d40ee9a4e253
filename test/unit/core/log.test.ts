import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleLine, createLogger } from '../../../core/log.js';

const cases = [
  {
    name: 'time, level, logger, message, fields',
    json: '{"level":30,"time":0,"pid":1,"name":"up","component":"proxy","msg":"ready","listenAddr":"127.0.0.1:1"}\n',
    want: '1970-01-01T00:00:00.000Z\tINFO\tup/proxy\tready\t{"listenAddr":"127.0.0.1:1"}\n',
  },
  { name: 'no fields, no logger', json: '{"level":40,"time":1000,"msg":"careful"}', want: '1970-01-01T00:00:01.000Z\tWARN\tcareful\n' },
  { name: 'not JSON passes unchanged', json: 'plain\n', want: 'plain\n' },
];
for (const c of cases) test(`consoleLine: ${c.name}`, () => assert.equal(consoleLine(c.json), c.want));

test('createLogger: console and json formats', () => {
  const lines: string[] = [];
  const write = (l: string): void => { lines.push(l); };
  createLogger({ name: 'x', format: 'console', write }).warn({ auth: { password: 'p' }, n: 1 }, 'hello');
  createLogger({ name: 'x', format: 'json', write }).info({ n: 2 }, 'world');
  assert.match(lines[0] ?? '', /^\S+Z\tWARN\tx\thello\t\{"auth":\{"password":"\[redacted\]"\},"n":1\}\n$/);
  assert.equal((JSON.parse(lines[1] ?? '') as { msg: string }).msg, 'world');
});
