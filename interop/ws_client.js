// Node `ws` as a client of a sockeye server.
// usage: node ws_client.js ws://127.0.0.1:PORT SCENARIO... [--deflate]
// Runs each scenario on its own connection to URL/SCENARIO and prints one
// JSON line per scenario; the Rust test asserts on them.
'use strict';
const WebSocket = require('ws');
const { texts, binaries, describe, deadline } = require('./common');

const args = process.argv.slice(2);
const deflate = args.includes('--deflate');
const [base, ...scenarios] = args.filter((a) => a !== '--deflate');
deadline(Number(process.env.INTEROP_PEER_TIMEOUT || 120));

let last = null; // the latest connection, for its negotiated extensions

function open(path, options = {}, protocols = undefined) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base + path, protocols, {
      perMessageDeflate: deflate ? { threshold: 0 } : false,
      maxPayload: 64 << 20,
      ...options,
    });
    const queue = [];
    const waiters = [];
    ws.on('message', (data, isBinary) => {
      const m = { data, isBinary };
      if (waiters.length) waiters.shift()(m); else queue.push(m);
    });
    ws.next = () => new Promise((res) => (queue.length ? res(queue.shift()) : waiters.push(res)));
    ws.closed = new Promise((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    last = ws;
    // The whole Sec-WebSocket-Extensions answer (ws.extensions has only
    // the names), so tests can check the negotiated parameters.
    ws.on('upgrade', (res) => { ws.extensionHeader = res.headers['sec-websocket-extensions'] || ''; });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

const send = (ws, data, opts = {}) => new Promise((res, rej) => ws.send(data, opts, (e) => (e ? rej(e) : res())));

async function echo(ws, payloads, binary) {
  const sent = [], received = [];
  for (const p of payloads) {
    sent.push(describe(p, binary));
    await send(ws, p, { binary });
    const m = await ws.next();
    received.push(describe(m.data, m.isBinary));
  }
  ws.close(1000, 'done');
  const close = await ws.closed;
  return { sent, received, close };
}

const scenariosTable = {
  async text() { return echo(await open('/text'), texts(), false); },
  async binary() { return echo(await open('/binary'), binaries(), true); },

  // Fragmented messages: ws sends a frame per send() with fin: false until
  // the last one; a ping goes out between two fragments.
  async fragments() {
    const ws = await open('/fragments');
    const sent = [], received = [];
    const textParts = ['frag', 'mented ✓ ', '🦀'];
    const binParts = [Buffer.from([1, 2, 3]), Buffer.alloc(70000, 7), Buffer.from([]), Buffer.from([9])];
    sent.push(describe(textParts.join(''), false));
    for (let i = 0; i < textParts.length; i++) {
      await send(ws, textParts[i], { fin: i === textParts.length - 1 });
      if (i === 0) ws.ping('between fragments');
    }
    sent.push(describe(Buffer.concat(binParts), true));
    for (let i = 0; i < binParts.length; i++) {
      await send(ws, binParts[i], { binary: true, fin: i === binParts.length - 1 });
    }
    for (let i = 0; i < 2; i++) {
      const m = await ws.next();
      received.push(describe(m.data, m.isBinary));
    }
    ws.close(1000, 'done');
    return { sent, received, close: await ws.closed };
  },

  // Ping/pong both ways: our ping must come back as a pong with the same
  // payload; the server's ping (sent when we say "ping-me") must be
  // answered by ws, which the server confirms with "got-pong:<payload>".
  async ping() {
    const ws = await open('/ping');
    const pong = new Promise((res) => ws.once('pong', (d) => res(d.toString())));
    const serverPing = new Promise((res) => ws.once('ping', (d) => res(d.toString())));
    ws.ping('ping-from-peer');
    const pongPayload = await pong;
    await send(ws, 'ping-me');
    const pingPayload = await serverPing;
    const confirm = (await ws.next()).data.toString();
    ws.close(1000, 'done');
    return { pong: pongPayload, ping: pingPayload, confirm, close: await ws.closed };
  },

  async close_by_peer() {
    const ws = await open('/close_by_peer');
    ws.close(4001, 'bye from peer ✓');
    return { close: await ws.closed };
  },

  async close_by_sockeye() {
    const ws = await open('/close_by_sockeye');
    await send(ws, 'close-me');
    return { close: await ws.closed };
  },

  async subprotocol() {
    const ws = await open('/subprotocol', {}, ['nope', 'chat.v2', 'chat.v1']);
    const protocol = ws.protocol;
    ws.close(1000, 'done');
    return { protocol, close: await ws.closed };
  },

  // HyBi-08: ws's protocolVersion option sends Sec-WebSocket-Version: 8 and
  // Sec-WebSocket-Origin.
  async v8() {
    const ws = await open('/v8', { protocolVersion: 8, origin: 'http://peer.example' });
    const sent = [describe('hybi-08 ✓', false)];
    await send(ws, 'hybi-08 ✓');
    const m = await ws.next();
    ws.close(1000, 'done');
    return { sent, received: [describe(m.data, m.isBinary)], close: await ws.closed };
  },
};

(async () => {
  let failed = false;
  for (const name of scenarios) {
    const run = scenariosTable[name];
    last = null;
    try {
      if (!run) throw new Error(`unknown scenario ${name}`);
      const result = await run();
      const extensions = last ? (last.extensionHeader ?? last.extensions) : '';
      console.log(JSON.stringify({ scenario: name, extensions, ...result }));
    } catch (e) {
      failed = true;
      console.log(JSON.stringify({ scenario: name, error: String(e && e.stack || e) }));
    }
  }
  process.exit(failed ? 1 : 0);
})();
