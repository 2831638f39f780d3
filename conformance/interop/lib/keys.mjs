// Holder key helpers for the interop wallets: throwaway ES256 / Ed25519 keys with their did:jwk / did:key,
// base58btc encoding (multibase `z`), and "flip one byte of a signature" for tampered-copy checks.
// Written for this repository; no third-party code copied.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { b64u, base58btcDecode, didJwkFor, publicJwk } from './common.mjs'

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

export function base58btcEncode(bytes) {
  let value = 0n
  for (const byte of bytes) value = (value << 8n) | BigInt(byte)
  let out = ''
  while (value > 0n) {
    out = B58[Number(value % 58n)] + out
    value /= 58n
  }
  for (const byte of bytes) {
    if (byte !== 0) break
    out = `1${out}`
  }
  return out
}

/** did:key for an Ed25519 public JWK: multicodec 0xed01 + raw key, base58btc (the z6Mk... form). */
export function didKeyForEd25519(jwk) {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new Error('did:key here is only derived for Ed25519 keys')
  const raw = b64u.decode(jwk.x)
  return `did:key:z${base58btcEncode(Uint8Array.from([0xed, 0x01, ...raw]))}`
}

/**
 * A fresh holder key. `type`: `es256` (P-256) or `ed25519`. Returns the node KeyObject, the public and private
 * JWKs, the JOSE `alg`, the did:jwk and (Ed25519) did:key, and the verification method id for each DID.
 */
export function newHolderKey(type = 'es256') {
  const { privateKey } = type === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return holderKeyFromPrivateJwk(privateKey.export({ format: 'jwk' }))
}

/** The same description for an existing private JWK (as printed by `wallet_vci.mjs --export-private-keys`). */
export function holderKeyFromPrivateJwk(privateJwk) {
  const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' })
  const jwk = publicJwk(privateJwk)
  const alg = jwk.kty === 'OKP' ? 'EdDSA' : 'ES256'
  const didJwk = didJwkFor(jwk)
  const didKey = jwk.kty === 'OKP' ? didKeyForEd25519(jwk) : null
  return {
    privateKey,
    privateJwk: { ...jwk, d: privateJwk.d },
    jwk,
    alg,
    didJwk,
    didKey,
    didJwkVm: `${didJwk}#0`,
    didKeyVm: didKey ? `${didKey}#${didKey.slice('did:key:'.length)}` : null,
  }
}

function flipAt(bytes, index) {
  const out = Uint8Array.from(bytes)
  out[index % out.length] ^= 0x01
  return out
}

/** A compact JWS with one byte of its signature flipped (decoded, flipped, re-encoded: never a no-op). */
export function flipJwsSignature(compact) {
  const parts = compact.split('.')
  if (parts.length !== 3) throw new Error('not a compact JWS')
  parts[2] = b64u.encode(flipAt(b64u.decode(parts[2]), 7))
  return parts.join('.')
}

/** A multibase base58btc (`z...`) proofValue with one byte flipped. */
export function flipMultibase(value) {
  if (!value.startsWith('z')) throw new Error('only base58btc multibase values are supported')
  return `z${base58btcEncode(flipAt(base58btcDecode(value.slice(1)), 7))}`
}
