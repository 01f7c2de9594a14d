// A small independent QUIC client (quic-go) for theta_net's interop test: it completes the
// handshake with ALPN theta/1, speaks the lane framing (control on stream 0, a lane-typed
// unidirectional stream, a DATAGRAM with a lane byte) and closes with an application code.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o quicgo_client main.go
//	./quicgo_client 127.0.0.1:4433
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"

	quic "github.com/lucas-clemente/quic-go"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "quicgo_client: "+format+"\n", args...)
	os.Exit(1)
}

func frame(msg []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(len(msg)))
	return append(out, msg...)
}

func readRecord(r *bufio.Reader) []byte {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		fail("reading a record length: %v", err)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		fail("reading a record: %v", err)
	}
	return msg
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: quicgo_client HOST:PORT")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tlsConf := &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"theta/1"}}
	conn, err := quic.DialAddrContext(ctx, os.Args[1], tlsConf, &quic.Config{EnableDatagrams: true})
	if err != nil {
		fail("handshake: %v", err)
	}
	fmt.Printf("handshake ok, alpn %s\n", conn.ConnectionState().TLS.NegotiatedProtocol)

	control, err := conn.OpenStreamSync(ctx)
	if err != nil || control.StreamID() != 0 {
		fail("opening control stream: %v (id %d)", err, control.StreamID())
	}
	if _, err := control.Write(frame([]byte("hello from quic-go"))); err != nil {
		fail("writing control: %v", err)
	}
	echo := readRecord(bufio.NewReader(control))
	fmt.Printf("control echo: %s\n", echo)

	uni, err := conn.AcceptUniStream(ctx)
	if err != nil {
		fail("accepting a lane stream: %v", err)
	}
	r := bufio.NewReader(uni)
	lane, err := r.ReadByte()
	if err != nil {
		fail("reading the lane byte: %v", err)
	}
	fmt.Printf("lane %d: %s\n", lane, readRecord(r))

	// Datagrams may be lost: send the ping until the reply comes (bounded by the context).
	go func() {
		for ctx.Err() == nil {
			_ = conn.SendMessage(append([]byte{1}, []byte("ping")...))
			time.Sleep(100 * time.Millisecond)
		}
	}()
	reply, err := conn.ReceiveMessage()
	if err != nil {
		fail("receiving a datagram: %v", err)
	}
	fmt.Printf("datagram lane %d: %s\n", reply[0], reply[1:])
	conn.CloseWithError(0, "bye")
	fmt.Println("ok")
}
