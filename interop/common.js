// Shared helpers for the Node peers: payloads, checksums, a hard time limit.
'use strict';
const crypto = require('crypto');

const sha1 = (buf) => crypto.createHash('sha1').update(buf).digest('hex');

// Text payloads: ASCII, multi-byte code points, and big ones (UTF-8 byte
// lengths up to 16 MiB).
function texts() {
  const unit = 'sockeye ✓ héllo 🦀 '; // 1+2+1+4 byte code points
  const big = (bytes) => {
    const u = Buffer.byteLength(unit);
    return unit.repeat(Math.floor(bytes / u)) + 'x'.repeat(bytes % u);
  };
  return ['', 'hello', 'héllo wörld ✓ 🦀', big(70000), big(1 << 20), big(16 << 20)];
}

// Binary payloads at every length-encoding boundary, up to 16 MiB.
function binaries() {
  return [0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 16 << 20].map((n) => crypto.randomBytes(n));
}

const describe = (data, binary) => {
  const buf = binary ? Buffer.from(data) : Buffer.from(data, 'utf8');
  return { kind: binary ? 'binary' : 'text', len: buf.length, sha1: sha1(buf) };
};

// Ends the process if the peer has not finished in time, so a test never
// hangs on it.
function deadline(seconds) {
  setTimeout(() => {
    console.log(JSON.stringify({ fatal: `time limit of ${seconds}s reached` }));
    process.exit(3);
  }, seconds * 1000).unref();
}

module.exports = { sha1, texts, binaries, describe, deadline };
