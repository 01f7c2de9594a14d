// A theta session over WebSocket (docs/transport.md, "WebSocket"): subprotocol theta.v1, each
// binary message one lane byte then one frame. Opens, runs the handshake, then sends and
// receives typed messages with per-lane sequence numbers (docs/protocol.md section 4), and
// answers the server's heartbeats so the session stays alive. Works with the browser's
// WebSocket and node's (node >= 20 with --experimental-websocket).
import { ProtocolError } from "./errors.js";
import { ClientHandshake, describeReject, generateClientKey } from "./handshake.js";
import type { ClientKey, HelloOptions, Session } from "./handshake.js";
import { decodeMessages, encodeMessage, messageLane } from "./messages.js";
import { LaneId } from "./generated/protocol.js";
import type { AnyMessage, MessageName, MessageTypes } from "./generated/protocol.js";

export const SUBPROTOCOL = "theta.v1";
const DATAGRAM_LANES = new Set<number>([LaneId.input, LaneId.entities]);
const MAX_EARLY = 4096; // messages a server may send before SessionAck that wait for it

export interface ConnectOptions extends HelloOptions {
  key?: ClientKey;
  pinnedServerKey?: Uint8Array;
  /** A WebSocket constructor (default: the global one). */
  WebSocketImpl?: typeof WebSocket;
  timeoutMs?: number;
}

export type MessageHandler = (message: AnyMessage) => void;
export interface CloseInfo {
  code: number; // the theta CloseCode (4000 + code on the WebSocket), or the WebSocket status
  reason: string;
}

const nowMicros = (): bigint => BigInt(Math.round(performance.now() * 1000));

export class ThetaConnection {
  session!: Session;
  rttUs = 0;
  closed: CloseInfo | null = null;
  private readonly sendSeq = new Map<number, number>();
  private readonly recvSeq = new Map<number, number>();
  private readonly handlers = new Set<MessageHandler>();
  private readonly closeHandlers = new Set<(info: CloseInfo) => void>();
  private readonly frameHandlers = new Set<(lane: number, frame: Uint8Array) => void>();
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pingId = 0;
  /** Errors found in what the server sent (a frame that did not decode); kept for inspection. */
  readonly errors: ProtocolError[] = [];

  private constructor(private readonly ws: WebSocket) {}

  /** Opens ws://host:port/, runs the handshake, resolves once SessionAck verified. */
  static async connect(url: string, options: ConnectOptions = {}): Promise<ThetaConnection> {
    const key = options.key ?? (await generateClientKey());
    const Impl = options.WebSocketImpl ?? globalThis.WebSocket;
    if (Impl === undefined) throw new Error("no WebSocket here (node needs --experimental-websocket)");
    const ws = new Impl(url, SUBPROTOCOL);
    ws.binaryType = "arraybuffer";
    const conn = new ThetaConnection(ws);
    const handshake = new ClientHandshake(key, options);
    const early: AnyMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no SessionAck within ${options.timeoutMs ?? 10000} ms`)), options.timeoutMs ?? 10000);
      let done = false;
      const fail = (error: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        ws.close();
        reject(error);
      };
      ws.onopen = () => conn.send("SessionHello", handshake.hello);
      ws.onerror = () => fail(new Error(`WebSocket error on ${url}`));
      ws.onclose = (e) => fail(new Error(`closed during the handshake: ${e.code} ${e.reason}`));
      ws.onmessage = (e) => {
        if (done) return;
        const received = conn.receive(e.data);
        for (const { lane, message } of received) {
          if (lane !== LaneId.control) {
            if (early.length >= MAX_EARLY) return fail(new ProtocolError("limit", "too much before SessionAck"));
            early.push(message);
            continue;
          }
          if (message.name === "ServerHello") {
            handshake
              .onServerHello(message.fields, options.pinnedServerKey)
              .then((proof) => conn.send("SessionProof", proof))
              .catch(fail);
          } else if (message.name === "SessionAck") {
            handshake
              .onAck(message.fields)
              .then((session) => {
                conn.session = session;
                done = true;
                clearTimeout(timer);
                resolve();
              })
              .catch(fail);
          } else if (message.name === "SessionReject") {
            fail(new ProtocolError("state", describeReject(message.fields), "SessionReject"));
          } else {
            early.push(message);
          }
        }
      };
    });
    conn.run(early);
    return conn;
  }

  private run(early: AnyMessage[]): void {
    this.ws.onmessage = (e) => {
      for (const { message } of this.receive(e.data)) this.dispatch(message);
    };
    this.ws.onclose = (e) => {
      clearInterval(this.pingTimer);
      this.closed = { code: e.code >= 4000 && e.code < 5000 ? e.code - 4000 : e.code, reason: e.reason };
      for (const h of this.closeHandlers) h(this.closed);
    };
    // A ping a second gives an RTT figure; the server's own pings are answered in dispatch.
    this.pingTimer = setInterval(() => {
      this.send("Heartbeat", { kind: "ping", id: ++this.pingId, sent_at_us: nowMicros() });
    }, 1000);
    for (const m of early) this.dispatch(m);
  }

  private dispatch(message: AnyMessage): void {
    if (message.name === "Heartbeat") {
      const beat = message.fields;
      if (beat.kind === "ping") {
        this.send("Heartbeat", { kind: "pong", id: beat.id, sent_at_us: beat.sent_at_us, responder_at_us: nowMicros() });
      } else {
        this.rttUs = Number(nowMicros() - beat.sent_at_us);
      }
    }
    for (const h of this.handlers) h(message);
  }

  /** Decodes one WebSocket message; a bad frame is recorded and dropped whole. */
  private receive(data: unknown): { lane: number; message: AnyMessage }[] {
    if (!(data instanceof ArrayBuffer)) {
      this.errors.push(new ProtocolError("type", "a text WebSocket message"));
      return [];
    }
    const bytes = new Uint8Array(data);
    const lane = bytes[0];
    if (lane === undefined || lane > LaneId.assets) {
      this.errors.push(new ProtocolError("range", `lane byte ${String(lane)}`));
      return [];
    }
    for (const h of this.frameHandlers) h(lane, bytes.subarray(1));
    try {
      const decoded = decodeMessages(bytes.subarray(1));
      const last = this.recvSeq.get(lane);
      if (last !== undefined && !DATAGRAM_LANES.has(lane) && decoded.sequence !== ((last + 1) >>> 0)) {
        throw new ProtocolError("corrupt", `lane ${lane} sequence ${decoded.sequence} after ${last}`);
      }
      if (last !== undefined && DATAGRAM_LANES.has(lane) && ((decoded.sequence - last) | 0) <= 0) return [];
      this.recvSeq.set(lane, decoded.sequence);
      return decoded.messages.map((message) => ({ lane, message }));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.errors.push(error);
      return [];
    }
  }

  /** Sends a message on its schema lane with that lane's next sequence number. */
  send<N extends MessageName>(name: N, fields: MessageTypes[N]): void {
    const lane = LaneId[messageLane(name) as LaneId];
    const sequence = this.sendSeq.get(lane) ?? 0;
    const frame = encodeMessage(name, fields, sequence, this.session?.minor);
    this.sendSeq.set(lane, (sequence + 1) >>> 0);
    const out = new Uint8Array(frame.length + 1);
    out[0] = lane;
    out.set(frame, 1);
    this.ws.send(out);
  }

  onMessage(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Every frame as it arrives, before it is decoded (captures, tools, tests). */
  onFrame(handler: (lane: number, frame: Uint8Array) => void): () => void {
    this.frameHandlers.add(handler);
    return () => this.frameHandlers.delete(handler);
  }

  onClose(handler: (info: CloseInfo) => void): void {
    this.closeHandlers.add(handler);
  }

  close(): void {
    clearInterval(this.pingTimer);
    this.ws.close(1000);
  }
}
