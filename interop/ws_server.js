// Node `ws` as a server for sockeye clients.
// usage: node ws_server.js [--deflate]
// Listens on 127.0.0.1 on a free port and prints {"listening": PORT}; then
// one JSON line per finished connection saying what it received. What each
// path does is described in interop/README.md.
'use strict';
const { WebSocketServer } = require('ws');
const { describe, deadline } = require('./common');

const deflate = process.argv.includes('--deflate');
deadline(Number(process.env.INTEROP_PEER_TIMEOUT || 120));

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: deflate ? { threshold: 0 } : false,
  maxPayload: 64 << 20,
  handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
});

// The whole Sec-WebSocket-Extensions answer (ws.extensions has only the
// names), so tests can check the negotiated parameters.
wss.on('headers', (headers, req) => {
  const line = headers.find((h) => /^sec-websocket-extensions:/i.test(h)) || '';
  req.extensionHeader = line.replace(/^[^:]*:\s*/, '');
});

wss.on('listening', () => console.log(JSON.stringify({ listening: wss.address().port })));

wss.on('connection', (ws, req) => {
  const path = req.url;
  const log = {
    path,
    version: Number(req.headers['sec-websocket-version']),
    origin: req.headers['sec-websocket-origin'] || req.headers.origin || null,
    protocol: ws.protocol,
    extensions: req.extensionHeader ?? ws.extensions,
    received: [],
    pings: [],
  };
  ws.on('close', (code, reason) => {
    log.close = { code, reason: reason.toString() };
    console.log(JSON.stringify(log));
  });
  ws.on('ping', (d) => log.pings.push(d.toString()));
  ws.on('message', (data, isBinary) => {
    log.received.push(describe(data, isBinary));
    if (path === '/ping' && !isBinary && data.toString() === 'ping-me') {
      ws.once('pong', (d) => ws.send('got-pong:' + d.toString()));
      ws.ping('ping-from-peer');
      return;
    }
    ws.send(data, { binary: isBinary });
  });
  if (path === '/fragments') {
    // A fragmented text and a fragmented binary message, a ping between
    // two fragments, then "done".
    ws.send('frag', { fin: false });
    ws.ping('between fragments');
    ws.send('mented ✓ ', { fin: false });
    ws.send('🦀', { fin: true });
    ws.send(Buffer.from([1, 2, 3]), { binary: true, fin: false });
    ws.send(Buffer.alloc(70000, 7), { binary: true, fin: false });
    ws.send(Buffer.from([9]), { binary: true, fin: true });
    ws.send('done');
  } else if (path === '/close_by_peer') {
    ws.close(4001, 'bye from peer ✓');
  }
});
