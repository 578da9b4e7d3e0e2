//! The byte-stream view on futures-io: 100 MiB through it, by checksum.

use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use sockeye_async_std::{Decision, Framing, ServerOptions};
use std::time::Duration;

const TOTAL: usize = 100 << 20;
const CHUNK: usize = 1 << 20;

fn checksum(state: &mut u64, data: &[u8]) {
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        *state = (*state ^ v).wrapping_mul(0x100_0000_01b3);
    }
    for &b in words.remainder() {
        *state = (*state ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
}

#[test]
fn copies_100_mib_on_smol() {
    smol::block_on(async {
        let work = async {
            let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = smol::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                let options = ServerOptions::new().max_message_size(2 * CHUNK);
                let ws =
                    sockeye_async_std::accept_with_options(tcp, &options, |_| Decision::accept())
                        .await
                        .unwrap();
                let mut stream = ws.into_byte_stream(Framing::Binary);
                let mut buf = vec![0u8; CHUNK];
                let (mut total, mut sum) = (0usize, 0u64);
                loop {
                    let n = stream.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break (total, sum);
                    }
                    checksum(&mut sum, &buf[..n]);
                    total += n;
                }
            });
            let tcp = smol::net::TcpStream::connect(addr).await.unwrap();
            let request = sockeye_async_std::ClientRequest::new("localhost", "/");
            let (ws, _) = sockeye_async_std::client_handshake(tcp, &request, &Default::default())
                .await
                .unwrap();
            let mut stream = ws.into_byte_stream(Framing::Binary);
            let data: Vec<u8> = (0..CHUNK).map(|i| (i * 31 % 251) as u8).collect();
            let mut sum = 0u64;
            for _ in 0..TOTAL / CHUNK {
                stream.write_all(&data).await.unwrap();
                checksum(&mut sum, &data);
            }
            stream.close().await.unwrap();
            assert_eq!(server.await, (TOTAL, sum));
        };
        let deadline = async {
            async_io::Timer::after(Duration::from_secs(120)).await;
            panic!("the copy did not finish in time");
        };
        futures_util::future::select(Box::pin(work), Box::pin(deadline)).await;
    });
}
