// h3client: an independent HTTP/3 client (quic-go 0.29's http3 package, from Debian) that
// tests/python/test_http3.py points at `theta-net serve`'s UDP port.
//
//	h3client [-range A-B] [-head] [-put FILE] [-token T] [-timeout 30s] URL
//
// Line 1 of stderr is the status code (or "error: ..."); the body goes to stdout.
// Exit status: 0 when a response arrived (any status), 1 on a transport error,
// 2 on bad usage. Certificates are not verified (InsecureSkipVerify).
//
// Build offline:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o h3client .
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/lucas-clemente/quic-go"
	"github.com/lucas-clemente/quic-go/http3"
)

func main() {
	byteRange := flag.String("range", "", "request bytes A-B (sent as Range: bytes=A-B)")
	head := flag.Bool("head", false, "send HEAD instead of GET")
	put := flag.String("put", "", "send PUT with this file as the body")
	timeout := flag.Duration("timeout", 30*time.Second, "overall deadline")
	token := flag.String("token", "", "send Authorization: Bearer TOKEN")
	flag.Parse()
	if flag.NArg() != 1 || (*head && *put != "") {
		fmt.Fprintln(os.Stderr, "usage: h3client [-range A-B] [-head|-put FILE] [-timeout D] URL")
		os.Exit(2)
	}

	rt := &http3.RoundTripper{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // ALPN "h3" is set by quic-go
		QuicConfig:      &quic.Config{MaxIdleTimeout: *timeout, HandshakeIdleTimeout: 10 * time.Second},
	}
	defer rt.Close()

	method := http.MethodGet
	var body io.Reader
	var bodyLen int64
	if *head {
		method = http.MethodHead
	} else if *put != "" {
		f, err := os.Open(*put)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(2)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(2)
		}
		method, body, bodyLen = http.MethodPut, f, st.Size()
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, flag.Arg(0), body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	if body != nil {
		req.ContentLength = bodyLen
	}
	if *token != "" {
		req.Header.Set("Authorization", "Bearer "+*token)
	}
	if *byteRange != "" {
		req.Header.Set("Range", "bytes="+*byteRange)
	}

	resp, err := rt.RoundTrip(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	fmt.Fprintln(os.Stderr, resp.StatusCode)
	for k, v := range resp.Header {
		fmt.Fprintf(os.Stderr, "%s: %v\n", k, v)
	}
	n, err := io.Copy(os.Stdout, resp.Body)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: body after %d bytes: %v\n", n, err)
		os.Exit(1)
	}
}
