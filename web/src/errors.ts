// Typed errors of the TypeScript client. Every decoder here is a border (docs/protocol.md,
// principle 3 of the design): bad input throws one of these, never a TypeError from deep inside,
// so a caller can tell a peer's fault (ProtocolError) from its own (a TypeError on encode).

/** What went wrong, in the words of the C++ ErrorCode where one fits. */
export type ProtocolErrorCode =
  | "truncated" // the input ends inside a value
  | "corrupt" // bytes that no valid encoder writes (bad magic, CRC, varint form, trailing bytes)
  | "limit" // a length or count over its bound
  | "type" // a value of the wrong msgpack type for its field
  | "range" // a number outside its type, an unknown enum value, invalid UTF-8
  | "unknown_message" // a type id the schema does not have
  | "unsupported" // a valid feature this client does not implement (compressed bodies)
  | "state"; // a message that does not fit the session's state

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** The message and field the error is about, when it is about one ("SessionAck.role"). */
  readonly where: string;

  constructor(code: ProtocolErrorCode, message: string, where = "") {
    super(where ? `${where}: ${message}` : message);
    this.name = "ProtocolError";
    this.code = code;
    this.where = where;
  }
}

/** A data-layer decoding or schema failure (ops payloads, data schemas). */
export class DataError extends Error {
  readonly code: ProtocolErrorCode | "schema";
  constructor(code: ProtocolErrorCode | "schema", message: string) {
    super(message);
    this.name = "DataError";
    this.code = code;
  }
}
