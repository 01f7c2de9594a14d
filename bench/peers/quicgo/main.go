// quic-go 0.29 (Debian's golang-github-lucas-clemente-quic-go-dev) measured on loopback the way
// bench/transport_bench.cpp measures theta_net, a small program of our own on quic-go's public
// API, server and client in one process:
//
//	handshake: 200 sequential connections, time from dial to DialAddr returning (the handshake
//	complete);
//	bulk: 256 MiB on one stream in 1 MiB writes, timed to the last byte read by the server;
//	round trip: 10,000 32-byte DATAGRAMs (RFC 9221) echoed by the server.
//
// Prints one JSON object. Built offline by bench/transport_bench.py:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o quicgo_peer main.go
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"sort"
	"time"

	quic "github.com/lucas-clemente/quic-go"
)

const alpn = "theta-bench"

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "quicgo_peer: "+format+"\n", args...)
	os.Exit(1)
}

// A self-signed P-256 certificate for 127.0.0.1, made at start (nothing is read from disk).
func serverTLS() *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail("key: %v", err)
	}
	template := x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		fail("certificate: %v", err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{alpn}}
}

func clientTLS() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, NextProtos: []string{alpn}}
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(p * float64(len(s)))
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func main() {
	config := &quic.Config{EnableDatagrams: true, MaxIdleTimeout: 30 * time.Second}
	listener, err := quic.ListenAddr("127.0.0.1:0", serverTLS(), config)
	if err != nil {
		fail("listen: %v", err)
	}
	addr := listener.Addr().String()
	ctx := context.Background()

	// The server: every connection's first stream is read to its end and answered with one byte;
	// every DATAGRAM is echoed.
	go func() {
		for {
			conn, err := listener.Accept(ctx)
			if err != nil {
				return
			}
			go func(conn quic.Connection) {
				for {
					msg, err := conn.ReceiveMessage()
					if err != nil {
						return
					}
					if conn.SendMessage(msg) != nil {
						return
					}
				}
			}(conn)
			go func(conn quic.Connection) {
				stream, err := conn.AcceptStream(ctx)
				if err != nil {
					return
				}
				if _, err := io.Copy(io.Discard, stream); err == nil {
					stream.Write([]byte{1})
					stream.Close()
				}
			}(conn)
		}
	}()

	var handshakes []float64
	for i := 0; i < 200; i++ {
		start := time.Now()
		conn, err := quic.DialAddr(addr, clientTLS(), config)
		if err != nil {
			fail("dial: %v", err)
		}
		handshakes = append(handshakes, float64(time.Since(start).Microseconds()))
		conn.CloseWithError(0, "")
	}

	conn, err := quic.DialAddr(addr, clientTLS(), config)
	if err != nil {
		fail("dial: %v", err)
	}
	// Echoes arrive on a channel, so a lost datagram costs 200 ms and not the run; each ping
	// carries its number, and a late echo of an earlier one is not taken for the current one.
	echoes := make(chan uint64, 64)
	go func() {
		for {
			msg, err := conn.ReceiveMessage()
			if err != nil {
				close(echoes)
				return
			}
			echoes <- binary.LittleEndian.Uint64(msg)
		}
	}()
	var rtts []float64
	ping := make([]byte, 32)
	for i := uint64(0); i < 10000; i++ {
		binary.LittleEndian.PutUint64(ping, i)
		start := time.Now()
		if err := conn.SendMessage(ping); err != nil {
			fail("datagram: %v", err)
		}
		timeout := time.After(200 * time.Millisecond)
	wait:
		for {
			select {
			case n, ok := <-echoes:
				if !ok {
					fail("the connection closed during the round trips")
				}
				if n == i {
					rtts = append(rtts, float64(time.Since(start).Nanoseconds())/1e3)
					break wait
				}
			case <-timeout:
				break wait
			}
		}
	}

	const total, message = 256 << 20, 1 << 20
	stream, err := conn.OpenStreamSync(ctx)
	if err != nil {
		fail("stream: %v", err)
	}
	chunk := make([]byte, message)
	start := time.Now()
	for sent := 0; sent < total; sent += message {
		if _, err := stream.Write(chunk); err != nil {
			fail("write: %v", err)
		}
	}
	stream.Close()
	done := make([]byte, 1)
	if _, err := io.ReadFull(stream, done); err != nil { // the server has read everything
		fail("the server's answer: %v", err)
	}
	seconds := time.Since(start).Seconds()
	conn.CloseWithError(0, "")

	out, _ := json.Marshal(map[string]float64{
		"handshake_p50_us": percentile(handshakes, 0.5),
		"handshake_p99_us": percentile(handshakes, 0.99),
		"rtt_p50_us":       percentile(rtts, 0.5),
		"rtt_p99_us":       percentile(rtts, 0.99),
		"bulk_MB_per_s":    float64(total) / seconds / 1e6,
	})
	fmt.Println(string(out))
}
