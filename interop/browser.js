// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against a running `sockeye serve`.
// usage: node browser.js http://127.0.0.1:PORT SCREENSHOT.png [--deflate]
//
// 1. Chat: the page at / in two tabs; each types a message through the
//    form and must see the other's. A screenshot of the first tab is saved.
// 2. Echo: a test page uses the browser's native WebSocket on /echo to
//    echo text, binary (ArrayBuffer) and a large (8 MiB) message, and
//    reports the negotiated extensions (with --deflate: permessage-deflate,
//    and one more compressible message).
// Prints one JSON line per part; the Rust test (tests/interop/tests/cli.rs)
// asserts on them.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { deadline } = require('./common');

const args = process.argv.slice(2);
const deflate = args.includes('--deflate');
const [base, screenshot] = args.filter((a) => a !== '--deflate');
deadline(Number(process.env.INTEROP_PEER_TIMEOUT || 120));

const ECHO_PAGE = `<!doctype html><meta charset="utf-8"><title>echo</title>
<script>
async function sha1hex(buf) {
  const d = await crypto.subtle.digest('SHA-1', buf);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
async function echoTest(url, large, compressible) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const queue = [], waiters = [];
  ws.onmessage = (e) => (waiters.length ? waiters.shift()(e.data) : queue.push(e.data));
  const next = () => new Promise((r) => (queue.length ? r(queue.shift()) : waiters.push(r)));
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error('connect failed')); });
  const results = [];
  const enc = new TextEncoder();
  async function roundTrip(name, payload) {
    ws.send(payload);
    const got = await next();
    const sentBuf = typeof payload === 'string' ? enc.encode(payload) : payload;
    const gotBuf = typeof got === 'string' ? enc.encode(got) : got;
    results.push({
      name,
      sentKind: typeof payload === 'string' ? 'text' : 'binary',
      gotKind: typeof got === 'string' ? 'text' : 'binary',
      sent: { len: sentBuf.byteLength, sha1: await sha1hex(sentBuf) },
      got: { len: gotBuf.byteLength, sha1: await sha1hex(gotBuf) },
    });
  }
  await roundTrip('text', 'hello from chromium ✓ 🦀');
  const bin = new Uint8Array(65536 + 3);
  crypto.getRandomValues(bin.subarray(0, 65536));
  await roundTrip('binary', bin.buffer);
  const big = new Uint8Array(large);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, Math.min(i + 65536, big.length)));
  await roundTrip('large', big.buffer);
  if (compressible) await roundTrip('compressible', 'sockeye '.repeat(128 * 1024));
  const extensions = ws.extensions;
  const closed = new Promise((r) => (ws.onclose = (e) => r({ code: e.code, reason: e.reason, wasClean: e.wasClean })));
  ws.close(1000, 'browser done');
  return { extensions, protocol: ws.protocol, results, close: await closed };
}
</script>`;

(async () => {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockeye-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 900, height: 560 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  try {
    // Part 1: two tabs in the chat room.
    const [a, b] = [await context.newPage(), await context.newPage()];
    for (const page of [a, b]) {
      await page.goto(base + '/');
      await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('connected'), null, { timeout: 15000 });
    }
    async function say(page, name, text) {
      await page.fill('#name', name);
      await page.fill('#text', text);
      await page.click('button[type=submit]');
    }
    const seen = (page, text) => page.waitForFunction(
      (t) => [...document.querySelectorAll('#log li')].some((li) => li.textContent === t), text, { timeout: 15000 });
    await say(a, 'alice', 'hello from tab one, ça va ?');
    await seen(b, 'alice: hello from tab one, ça va ?');
    await say(b, 'bob', 'hi alice, tab two here ✓');
    await seen(a, 'bob: hi alice, tab two here ✓');
    const logOf = (page) => page.$$eval('#log li', (lis) => lis.map((li) => ({ text: li.textContent, cls: li.className })));
    const chat = { a: await logOf(a), b: await logOf(b), status: await a.textContent('#status') };
    if (screenshot) await a.screenshot({ path: screenshot });
    console.log(JSON.stringify({ part: 'chat', ...chat }));
    await a.close();
    await b.close();

    // Part 2: the browser's native WebSocket echoing on /echo.
    const page = await context.newPage();
    await page.goto(base + '/no-such-page'); // same origin as the server (a 404 page)
    await page.setContent(ECHO_PAGE);
    const wsUrl = base.replace(/^http/, 'ws') + '/echo';
    const echo = await page.evaluate(([u, n, c]) => echoTest(u, n, c), [wsUrl, 8 << 20, deflate]);
    console.log(JSON.stringify({ part: 'echo', ...echo }));
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
})().catch((e) => {
  console.log(JSON.stringify({ fatal: String(e && e.stack || e) }));
  process.exit(1);
});
