// Shared helpers for the interop scripts: CLI plumbing (one JSON object on stdout),
// offline DID resolution (did:jwk, did:key) and base58btc / multicodec decoding.
// Written for this repository; no third-party code copied.
import { readFileSync } from 'node:fs'
import { ECDH, createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export const INTEROP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Print exactly one JSON object on stdout. */
export function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

/** Serialize an error (including oid4vc-ts / sd-jwt error details) for the JSON error report. */
export function describeError(err) {
  const out = { name: err?.name ?? 'Error', message: String(err?.message ?? err) }
  // oid4vc-ts errors carry the HTTP response body / parsed error response.
  for (const key of ['errorResponse', 'responseText', 'code']) {
    if (err && err[key] !== undefined) out[key] = err[key]
  }
  if (err?.response && typeof err.response === 'object' && 'status' in err.response) {
    out.status = err.response.status
  }
  if (err?.credentialErrorResponseResult?.data) out.errorResponse = err.credentialErrorResponseResult.data
  if (err?.zodError?.issues) out.issues = err.zodError.issues
  if (err?.cause) out.cause = describeError(err.cause)
  if (Array.isArray(err?.errors)) out.errors = err.errors.map(describeError)
  if (err?.details && typeof err.details === 'object') out.details = err.details
  return out
}

/** Run main(), print its result; on failure print {ok:false,error} and exit 1. */
export async function run(main) {
  try {
    const result = await main()
    emit({ ok: true, ...result })
  } catch (err) {
    emit({ ok: false, error: describeError(err) })
    process.exitCode = 1
  }
}

export function cli(options) {
  return parseArgs({ options, strict: true, allowPositionals: false }).values
}

/** Read a value that may be given inline or as `@path` (file). */
export function inlineOrFile(value) {
  if (value === undefined) return undefined
  return value.startsWith('@') ? readFileSync(value.slice(1), 'utf8').trim() : value
}

export function jsonArg(value, name) {
  const text = inlineOrFile(value)
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`--${name} is not valid JSON`)
  }
}

/** Versions of the installed third-party packages (read from node_modules). */
export function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(INTEROP_DIR, 'node_modules', name, 'package.json'), 'utf8')).version
  } catch {
    return null
  }
}

// ---------------------------------------------------------------------------------------------
// base64url / base58btc
export const b64u = {
  encode: (bytes) => Buffer.from(bytes).toString('base64url'),
  decode: (text) => new Uint8Array(Buffer.from(text, 'base64url')),
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

export function base58btcDecode(text) {
  let value = 0n
  for (const ch of text) {
    const digit = B58.indexOf(ch)
    if (digit < 0) throw new Error('invalid base58btc character')
    value = value * 58n + BigInt(digit)
  }
  const bytes = []
  while (value > 0n) {
    bytes.unshift(Number(value & 0xffn))
    value >>= 8n
  }
  for (const ch of text) {
    if (ch !== '1') break
    bytes.unshift(0)
  }
  return new Uint8Array(bytes)
}

function readVarint(bytes) {
  let value = 0
  let shift = 0
  for (let i = 0; i < bytes.length && i < 4; i++) {
    value |= (bytes[i] & 0x7f) << shift
    if ((bytes[i] & 0x80) === 0) return [value, i + 1]
    shift += 7
  }
  throw new Error('invalid multicodec varint')
}

// multicodec code -> [JWK template, curve name for node:crypto ECDH (compressed points)]
const MULTICODEC_KEYS = {
  0xed: { kty: 'OKP', crv: 'Ed25519' },
  0x1200: { kty: 'EC', crv: 'P-256', ecdh: 'prime256v1' },
  0x1201: { kty: 'EC', crv: 'P-384', ecdh: 'secp384r1' },
  0xe7: { kty: 'EC', crv: 'secp256k1', ecdh: 'secp256k1' },
}

/** Multibase (base58btc, `z`) multicodec public key -> public JWK. */
export function multikeyToJwk(multibase) {
  if (!multibase.startsWith('z')) throw new Error('only base58btc (z) multibase keys are supported')
  const raw = base58btcDecode(multibase.slice(1))
  const [code, offset] = readVarint(raw)
  const spec = MULTICODEC_KEYS[code]
  if (!spec) throw new Error(`unsupported multicodec key type 0x${code.toString(16)}`)
  const key = raw.slice(offset)
  if (spec.kty === 'OKP') {
    if (key.length !== 32) throw new Error('Ed25519 key must be 32 bytes')
    return { kty: 'OKP', crv: 'Ed25519', x: b64u.encode(key) }
  }
  const point = key[0] === 0x04 ? Buffer.from(key) : ECDH.convertKey(key, spec.ecdh, undefined, undefined, 'uncompressed')
  const size = (point.length - 1) / 2
  return {
    kty: 'EC',
    crv: spec.crv,
    x: b64u.encode(point.subarray(1, 1 + size)),
    y: b64u.encode(point.subarray(1 + size)),
  }
}

/** Public members of a JWK, in lexicographic order (the RFC 7638 member set). */
export function publicJwk(jwk) {
  if (jwk.kty === 'EC') return { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
  if (jwk.kty === 'OKP') return { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
  if (jwk.kty === 'RSA') return { e: jwk.e, kty: jwk.kty, n: jwk.n }
  throw new Error(`unsupported kty ${jwk.kty}`)
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url). */
export function jwkThumbprint(jwk) {
  return createHash('sha256').update(JSON.stringify(publicJwk(jwk))).digest('base64url')
}

/** did:jwk for a public JWK (compact JSON of the RFC 7638 member set). */
export function didJwkFor(jwk) {
  return `did:jwk:${b64u.encode(Buffer.from(JSON.stringify(publicJwk(jwk))))}`
}

/**
 * Resolve a did:jwk / did:key DID or DID URL offline to {did, jwk, multibase?}.
 * Returns null for other DID methods.
 */
export function resolveDidKeyMaterial(didUrl) {
  const did = didUrl.split('#')[0]
  if (did.startsWith('did:jwk:')) {
    const jwk = JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8'))
    if (jwk.d !== undefined) throw new Error('did:jwk carries a private key')
    return { did, jwk }
  }
  if (did.startsWith('did:key:')) {
    const multibase = did.slice('did:key:'.length)
    const fragment = didUrl.includes('#') ? didUrl.split('#')[1] : undefined
    if (fragment !== undefined && fragment !== multibase) {
      throw new Error('did:key verification method fragment does not match the key')
    }
    return { did, jwk: multikeyToJwk(multibase), multibase }
  }
  return null
}

/** True when two JWKs denote the same public key. */
export function sameKey(a, b) {
  return jwkThumbprint(a) === jwkThumbprint(b)
}
