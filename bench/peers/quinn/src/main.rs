//! quinn 0.9 (Debian's librust-quinn-dev) measured on loopback the way
//! bench/transport_bench.cpp measures theta_net, a small program of our own on quinn's public
//! API, server and client in one process (tokio, two worker threads):
//!
//!   handshake: 200 sequential connections, time from connect to the connection established;
//!   bulk: 256 MiB on one unidirectional stream in 1 MiB writes, timed to the server's answer;
//!   round trip: 10,000 32-byte DATAGRAMs (RFC 9221) echoed by the server.
//!
//! usage: quinn_peer CERT.pem KEY.pem (PKCS#8); prints one JSON object.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

const TOTAL: usize = 256 << 20;
const MESSAGE: usize = 1 << 20;

/// The client takes the server's certificate unchecked: both ends are this process.
struct AcceptAny;

impl rustls::client::ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::Certificate,
        _intermediates: &[rustls::Certificate],
        _server_name: &rustls::ServerName,
        _scts: &mut dyn Iterator<Item = &[u8]>,
        _ocsp_response: &[u8],
        _now: SystemTime,
    ) -> Result<rustls::client::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::ServerCertVerified::assertion())
    }
}

fn percentile(v: &mut Vec<f64>, p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let i = ((p * v.len() as f64) as usize).min(v.len() - 1);
    v[i]
}

fn server_config(cert: &str, key: &str) -> quinn::ServerConfig {
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(cert).expect("the certificate file"),
    ))
    .expect("a PEM certificate")
    .into_iter()
    .map(rustls::Certificate)
    .collect();
    let key = rustls_pemfile::pkcs8_private_keys(&mut std::io::BufReader::new(
        std::fs::File::open(key).expect("the key file"),
    ))
    .expect("a PKCS#8 key")
    .remove(0);
    quinn::ServerConfig::with_single_cert(certs, rustls::PrivateKey(key)).expect("server config")
}

fn client_config() -> quinn::ClientConfig {
    let crypto = rustls::ClientConfig::builder()
        .with_safe_defaults()
        .with_custom_certificate_verifier(Arc::new(AcceptAny))
        .with_no_client_auth();
    quinn::ClientConfig::new(Arc::new(crypto))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(args.len() == 3, "usage: quinn_peer CERT.pem KEY.pem");
    let server = quinn::Endpoint::server(
        server_config(&args[1], &args[2]),
        "127.0.0.1:0".parse().unwrap(),
    )
    .expect("server endpoint");
    let addr = server.local_addr().unwrap();

    // The server: each connection's first unidirectional stream is read to its end and answered
    // with one byte on a stream of its own; every DATAGRAM is echoed.
    tokio::spawn(async move {
        while let Some(connecting) = server.accept().await {
            tokio::spawn(async move {
                let conn = match connecting.await {
                    Ok(c) => c,
                    Err(_) => return,
                };
                let echo = conn.clone();
                tokio::spawn(async move {
                    while let Ok(d) = echo.read_datagram().await {
                        if echo.send_datagram(d).is_err() {
                            return;
                        }
                    }
                });
                if let Ok(mut recv) = conn.accept_uni().await {
                    let mut buf = vec![0u8; 1 << 16];
                    while let Ok(Some(_)) = recv.read(&mut buf).await {}
                    if let Ok(mut answer) = conn.open_uni().await {
                        let _ = answer.write_all(&[1]).await;
                        let _ = answer.finish().await;
                    }
                }
            });
        }
    });

    let mut client =
        quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).expect("client endpoint");
    client.set_default_client_config(client_config());

    let mut handshakes = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        let conn = client
            .connect(addr, "localhost")
            .unwrap()
            .await
            .expect("handshake");
        handshakes.push(start.elapsed().as_secs_f64() * 1e6);
        conn.close(0u32.into(), b"");
    }

    let conn = client
        .connect(addr, "localhost")
        .unwrap()
        .await
        .expect("handshake");
    let mut rtts = Vec::new();
    let mut ping = vec![0u8; 32];
    for i in 0u64..10_000 {
        ping[..8].copy_from_slice(&i.to_le_bytes());
        let start = Instant::now();
        conn.send_datagram(Bytes::copy_from_slice(&ping))
            .expect("datagram");
        // A lost one costs 200 ms, not the run; a late echo of an earlier ping is not this one.
        let deadline = start + Duration::from_millis(200);
        loop {
            match tokio::time::timeout_at(deadline.into(), conn.read_datagram()).await {
                Ok(Ok(d)) if d.len() >= 8 && d[..8] == i.to_le_bytes() => {
                    rtts.push(start.elapsed().as_secs_f64() * 1e6);
                    break;
                }
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => panic!("the connection ended during the round trips: {e}"),
                Err(_) => break,
            }
        }
    }

    let chunk = vec![0x5au8; MESSAGE];
    let start = Instant::now();
    let mut send = conn.open_uni().await.expect("stream");
    let mut sent = 0;
    while sent < TOTAL {
        send.write_all(&chunk).await.expect("write");
        sent += MESSAGE;
    }
    send.finish().await.expect("finish");
    let mut answer = conn.accept_uni().await.expect("the server's answer");
    let mut one = [0u8; 1];
    answer
        .read_exact(&mut one)
        .await
        .expect("the server's byte");
    let seconds = start.elapsed().as_secs_f64();
    conn.close(0u32.into(), b"");

    println!(
        "{{\"handshake_p50_us\": {:.1}, \"handshake_p99_us\": {:.1}, \"rtt_p50_us\": {:.3}, \
         \"rtt_p99_us\": {:.3}, \"bulk_MB_per_s\": {:.2}}}",
        percentile(&mut handshakes.clone(), 0.5),
        percentile(&mut handshakes, 0.99),
        percentile(&mut rtts.clone(), 0.5),
        percentile(&mut rtts, 0.99),
        TOTAL as f64 / seconds / 1e6
    );
}
