#!/usr/bin/env node
// Verify an SD-JWT VC (`dc+sd-jwt`) with @sd-jwt/sd-jwt-vc: issuer signature, disclosure digests,
// optional Key Binding JWT; list the disclosed claims.
//
//   node verify_sd_jwt_vc.mjs --credential <sd-jwt|@file> [--issuer-jwk '<json>'|@file] [--issuer-jwks '<json>']
//        [--holder-jwk '<json>'] [--kb-nonce N [--kb-aud AUD]] [--status-list-token <jwt|@file>] [--now <unix s>]
//
// Without --issuer-jwk(s) the issuer key comes from the header `x5c` (leaf only, chain not validated), the
// header `kid` (did:jwk / did:key DID URL) or a DID `iss`; JWT VC Issuer Metadata is left to the caller.
import { X509Certificate, createHash, createPublicKey, verify as nodeVerify } from 'node:crypto'
import { digest } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { cli, inlineOrFile, jsonArg, jwkThumbprint, packageVersion, resolveDidKeyMaterial, run, sameKey } from './lib/common.mjs'

const args = cli({
  credential: { type: 'string' },
  'issuer-jwk': { type: 'string' },
  'issuer-jwks': { type: 'string' },
  'holder-jwk': { type: 'string' },
  'kb-nonce': { type: 'string' },
  'kb-aud': { type: 'string' },
  'status-list-token': { type: 'string' },
  now: { type: 'string' },
})

const STATUS_NOT_PROVIDED = 'status list token not provided (offline)'

function decodeSegment(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
}

/** A @sd-jwt Verifier (data, signature) => boolean for one public JWK, on node:crypto. */
function jwsVerifier(jwk, alg) {
  const key = createPublicKey({ key: jwk, format: 'jwk' })
  return (data, signature) => {
    const sig = Buffer.from(signature, 'base64url')
    if (alg === 'EdDSA' || alg === 'Ed25519') return nodeVerify(null, Buffer.from(data), key, sig)
    const hash = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', ES256K: 'sha256' }[alg]
    if (!hash) throw new Error(`unsupported alg ${alg}`)
    return nodeVerify(hash, Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, sig)
  }
}

/** Digests referenced by `_sd` arrays and `{"...": digest}` array elements, anywhere in `value`. */
function collectDigests(value, into) {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 1 && '...' in item) {
        into.push(item['...'])
      } else collectDigests(item, into)
    }
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '_sd' && Array.isArray(inner)) into.push(...inner)
      else collectDigests(inner, into)
    }
  }
  return into
}

/**
 * RFC 9901 #section-7.1: every Disclosure must be referenced exactly once, from the Issuer-signed JWT or from
 * another Disclosure. @sd-jwt 0.19.0 silently ignores unreferenced Disclosures, so this is checked here.
 */
function checkDisclosureReferences(compact, payload) {
  const hashName = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }[payload._sd_alg ?? 'sha-256']
  if (!hashName) throw new Error(`unsupported _sd_alg ${payload._sd_alg}`)
  // <JWT>~<D1>~...~<Dn>~ or <JWT>~<D1>~...~<Dn>~<KB-JWT>: the last part is never a Disclosure.
  const encoded = compact.split('~').slice(1, -1)
  const referenced = collectDigests(payload, [])
  for (const disclosure of encoded) collectDigests(decodeSegment(disclosure), referenced)
  const seen = new Set()
  for (const digestValue of referenced) {
    if (seen.has(digestValue)) throw new Error('a disclosure digest appears more than once (RFC 9901 #section-7.1)')
    seen.add(digestValue)
  }
  for (const disclosure of encoded) {
    const digestValue = createHash(hashName).update(disclosure, 'ascii').digest('base64url')
    if (!seen.has(digestValue)) throw new Error('a disclosure is not referenced by the SD-JWT (RFC 9901 #section-7.1)')
  }
}

function resolveIssuerKey(header, payload) {
  const jwk = jsonArg(args['issuer-jwk'], 'issuer-jwk')
  if (jwk) return { jwk, source: 'issuer-jwk' }
  const jwks = jsonArg(args['issuer-jwks'], 'issuer-jwks')
  if (jwks) {
    const found = jwks.keys.find((k) => header.kid === undefined || k.kid === header.kid)
    if (!found) throw new Error(`no key with kid ${header.kid} in --issuer-jwks`)
    return { jwk: found, source: 'issuer-jwks' }
  }
  if (Array.isArray(header.x5c) && header.x5c.length > 0) {
    // Leaf certificate key only: the chain / trust anchor is not validated here (no trust list offline).
    const leaf = new X509Certificate(Buffer.from(header.x5c[0], 'base64'))
    return { jwk: leaf.publicKey.export({ format: 'jwk' }), source: 'x5c (chain not validated)' }
  }
  for (const candidate of [header.kid, payload.iss]) {
    if (typeof candidate !== 'string') continue
    const ref = candidate.startsWith('#') && typeof payload.iss === 'string' ? `${payload.iss}${candidate}` : candidate
    if (!ref.startsWith('did:')) continue
    const material = resolveDidKeyMaterial(ref)
    if (material) return { jwk: material.jwk, source: `did:${ref.split(':')[1]}`, did: material.did }
  }
  throw new Error('cannot resolve the issuer key offline; pass --issuer-jwk or --issuer-jwks')
}

async function main() {
  const compact = inlineOrFile(args.credential)
  if (!compact) throw new Error('--credential is required')
  const [jws] = compact.split('~')
  const [h, p] = jws.split('.')
  const header = decodeSegment(h)
  const rawPayload = decodeSegment(p)
  const issuerKey = resolveIssuerKey(header, rawPayload)

  const holderJwk = jsonArg(args['holder-jwk'], 'holder-jwk')
  const statusToken = inlineOrFile(args['status-list-token'])
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier: jwsVerifier(issuerKey.jwk, header.alg),
    // Key Binding JWT: verified with the holder key from the `cnf` claim of the verified payload.
    kbVerifier: (data, signature, payload) => {
      const cnfJwk = payload?.cnf?.jwk
      if (!cnfJwk) throw new Error('no cnf.jwk in the SD-JWT payload')
      const kbHeader = decodeSegment(data.split('.')[0])
      return jwsVerifier(cnfJwk, kbHeader.alg)(data, signature)
    },
    // No network: the status list token, if any, must be handed in.
    statusListFetcher: async () => {
      if (!statusToken) throw new Error(STATUS_NOT_PROVIDED)
      return statusToken
    },
    loadTypeMetadataFormat: false,
  })

  const options = {}
  if (args.now) options.currentDate = Number(args.now)
  if (args['kb-nonce']) options.keyBindingNonce = args['kb-nonce']
  let verified
  let statusChecked = false
  try {
    verified = await sdjwt.verify(compact, options)
    statusChecked = rawPayload.status !== undefined
  } catch (err) {
    // verify() checks signature + disclosures (+ KB) before status: reaching the fetcher means those passed.
    if (err?.message !== STATUS_NOT_PROVIDED) throw err
    verified = { payload: await sdjwt.getClaims(compact), header, kb: undefined }
    if (args['kb-nonce']) throw new Error('status list token required together with --kb-nonce')
  }

  checkDisclosureReferences(compact, rawPayload)
  const decoded = await sdjwt.decode(compact)
  const disclosures = (decoded.disclosures ?? []).map((d) => ({ key: d.key ?? null, value: d.value }))
  const checks = {
    typ_is_dc_sd_jwt: header.typ === 'dc+sd-jwt',
    vct_present: typeof rawPayload.vct === 'string',
    sd_alg: rawPayload._sd_alg ?? 'sha-256',
  }
  if (issuerKey.did) checks.key_did_is_iss = issuerKey.did === rawPayload.iss
  if (verified.kb && args['kb-aud']) checks.kb_aud_matches = verified.kb.payload.aud === args['kb-aud']
  let holderBinding = null
  if (holderJwk) {
    const cnfJwk = rawPayload.cnf?.jwk
    holderBinding = { cnf_present: cnfJwk !== undefined, matches: cnfJwk !== undefined && sameKey(cnfJwk, holderJwk) }
  }

  return {
    library: '@sd-jwt/sd-jwt-vc',
    versions: {
      '@sd-jwt/sd-jwt-vc': packageVersion('@sd-jwt/sd-jwt-vc'),
      '@sd-jwt/core': packageVersion('@sd-jwt/core'),
      '@sd-jwt/crypto-nodejs': packageVersion('@sd-jwt/crypto-nodejs'),
    },
    valid: true,
    header,
    payload: verified.payload,
    disclosed_claims: disclosures.map((d) => d.key).filter((k) => k !== null),
    disclosures,
    key_binding: verified.kb ? { header: verified.kb.header, payload: verified.kb.payload } : null,
    status_present: rawPayload.status !== undefined,
    status_checked: statusChecked,
    key_source: issuerKey.source,
    issuer_jwk_thumbprint: jwkThumbprint(issuerKey.jwk),
    checks,
    holder_binding: holderBinding,
  }
}

await run(main)
