// The client side of the session handshake (docs/protocol.md section 7):
//   SessionHello -> ServerHello (challenge) -> SessionProof -> SessionAck (or SessionReject)
// The client proves it holds the Ed25519 key its hello announced by signing the proof transcript
// (both hello bodies), and checks the server's SessionAck signature over the session transcript,
// as theta_net's C++ client does. Ed25519 comes from WebCrypto (browsers, node >= 20).
import { ProtocolError } from "./errors.js";
import {
  Capabilities,
  encodeBody,
  PROTOCOL_MAJOR,
  PROTOCOL_MINOR,
  Role,
  SCHEMA_HASHES,
} from "./generated/protocol.js";
import type { ServerHello, SessionAck, SessionHello, SessionProof, SessionReject } from "./generated/protocol.js";

/** 1.3 brought the proof of key; a server refuses older minors and so does this client. */
export const MINIMUM_MINOR = 3;
const PROOF_LABEL = "theta/1 session proof";
const TRANSCRIPT_LABEL = "theta/1 session";

export interface ClientKey {
  publicKey: Uint8Array; // 32 raw bytes
  privateKey: CryptoKey;
}

/** A fresh Ed25519 key pair through WebCrypto. */
export async function generateClientKey(): Promise<ClientKey> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}

export interface HelloOptions {
  capabilities?: number; // requested bits; compression is never requested (see docs/web.md)
  authToken?: string | null;
  clientName?: string;
  resumeToken?: Uint8Array | null;
}

export interface Session {
  sessionId: bigint;
  role: Role;
  minor: number;
  capabilities: number;
  serverKey: Uint8Array;
  resumeToken: Uint8Array;
  resumed: boolean;
  tickRate: number;
  serverTick: number;
  motd: string;
}

/** Every lane's bit but compression: the payloads this client reads are always plain. */
export const DEFAULT_CAPABILITIES =
  Capabilities.datagrams |
  Capabilities.chunk_lane |
  Capabilities.replication_lane |
  Capabilities.chat_lane |
  Capabilities.diagnostics_lane;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function le(value: bigint | number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let v = BigInt(value);
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

// WebCrypto's types want bytes over a plain ArrayBuffer; a copy gives one.
const plain = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

/** The steps of one handshake; the connection feeds it the server's control messages. */
export class ClientHandshake {
  readonly hello: SessionHello;
  private challenge: ServerHello | null = null;
  private proof: SessionProof | null = null;

  constructor(
    private readonly key: ClientKey,
    options: HelloOptions = {},
  ) {
    this.hello = {
      protocol_major: PROTOCOL_MAJOR,
      protocol_minor: PROTOCOL_MINOR,
      schema_hash: SCHEMA_HASHES[PROTOCOL_MINOR]!,
      schema_hashes: [...SCHEMA_HASHES],
      client_nonce: crypto.getRandomValues(new Uint8Array(16)),
      capabilities: (options.capabilities ?? DEFAULT_CAPABILITIES) & ~Capabilities.compression,
      auth_token: options.authToken ?? null,
      public_key: key.publicKey,
      resume_token: options.resumeToken ?? null,
      client_name: options.clientName ?? "",
    };
  }

  /** The proof transcript: label, then each hello body (encoded at minor 3) with its u32 length. */
  static proofTranscript(hello: SessionHello, challenge: ServerHello): Uint8Array {
    const helloBody = encodeBody("SessionHello", hello, MINIMUM_MINOR);
    const challengeBody = encodeBody("ServerHello", challenge, MINIMUM_MINOR);
    return concat([ascii(PROOF_LABEL), le(helloBody.length, 4), helloBody, le(challengeBody.length, 4), challengeBody]);
  }

  /** The transcript the server signs into SessionAck. */
  static sessionTranscript(hello: SessionHello, ack: SessionAck, proof: SessionProof): Uint8Array {
    const schemaHash = SCHEMA_HASHES[ack.protocol_minor];
    if (schemaHash === undefined) throw new ProtocolError("range", `minor ${ack.protocol_minor} is newer than this client's`, "SessionAck");
    return concat([
      ascii(TRANSCRIPT_LABEL),
      hello.client_nonce,
      ack.server_nonce,
      le(ack.session_id, 8),
      le(Role[ack.role], 1),
      le(ack.protocol_minor, 2),
      le(ack.capabilities, 4),
      hello.public_key,
      ack.public_key,
      le(schemaHash, 8),
      le(ack.resumed ? 1 : 0, 1),
      proof.signature,
    ]);
  }

  /** ServerHello -> SessionProof. `pinnedServerKey`, when given, must be the challenge's key. */
  async onServerHello(challenge: ServerHello, pinnedServerKey?: Uint8Array): Promise<SessionProof> {
    if (this.challenge !== null) throw new ProtocolError("state", "a second ServerHello", "ServerHello");
    if (pinnedServerKey && !equal(pinnedServerKey, challenge.public_key)) {
      throw new ProtocolError("state", "the server's key is not the pinned one", "ServerHello");
    }
    this.challenge = challenge;
    const transcript = ClientHandshake.proofTranscript(this.hello, challenge);
    const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, this.key.privateKey, plain(transcript)));
    this.proof = { signature };
    return this.proof;
  }

  /** SessionAck -> the session, after every check the C++ client makes. */
  async onAck(ack: SessionAck): Promise<Session> {
    if (this.challenge === null || this.proof === null) throw new ProtocolError("state", "SessionAck before ServerHello", "SessionAck");
    if (ack.protocol_minor < MINIMUM_MINOR || ack.protocol_minor > PROTOCOL_MINOR) {
      throw new ProtocolError("range", `negotiated minor ${ack.protocol_minor} is not one this client speaks`, "SessionAck");
    }
    if ((ack.capabilities & ~this.hello.capabilities) !== 0) {
      throw new ProtocolError("range", "capabilities granted that were not requested", "SessionAck");
    }
    if (!equal(ack.server_nonce, this.challenge.server_nonce) || !equal(ack.public_key, this.challenge.public_key)) {
      throw new ProtocolError("state", "nonce or key differ from the challenge's", "SessionAck");
    }
    const transcript = ClientHandshake.sessionTranscript(this.hello, ack, this.proof);
    const serverKey = await crypto.subtle.importKey("raw", plain(ack.public_key), { name: "Ed25519" }, false, ["verify"]);
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, serverKey, plain(ack.signature), plain(transcript)))) {
      throw new ProtocolError("corrupt", "the server's signature over the transcript does not verify", "SessionAck");
    }
    return {
      sessionId: ack.session_id,
      role: ack.role,
      minor: ack.protocol_minor,
      capabilities: ack.capabilities,
      serverKey: ack.public_key,
      resumeToken: ack.resume_token,
      resumed: ack.resumed,
      tickRate: ack.tick_rate,
      serverTick: ack.server_tick,
      motd: ack.motd ?? "",
    };
  }
}

/** The sentence a SessionReject carries, with both sides' versions and hashes. */
export function describeReject(reject: SessionReject): string {
  const hex = (v: bigint) => `0x${v.toString(16).padStart(16, "0")}`;
  return (
    `${reject.reason}: ${reject.text} (server ${reject.server_protocol_major}.${reject.server_protocol_minor} ` +
    `schema ${hex(reject.server_schema_hash)}, client ${reject.client_protocol_major}.${reject.client_protocol_minor} ` +
    `schema ${hex(reject.client_schema_hash)})`
  );
}
