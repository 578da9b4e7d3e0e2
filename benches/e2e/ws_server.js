// Node `ws` echo server for the end-to-end benchmarks: echo every message
// on every path. bufferutil is installed next to ws, which then uses it for
// masking; the check below fails loudly if it is missing.
'use strict';
const { WebSocketServer } = require('ws');
const bufferutil = require('bufferutil');
if (bufferutil.mask === require('bufferutil/fallback').mask) {
  console.error('bufferutil native module did not load (fallback in use)');
  process.exit(2);
}

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 9001;

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`ws echo listening on 127.0.0.1:${port}`));
