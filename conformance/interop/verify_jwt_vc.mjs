#!/usr/bin/env node
// Independent signature check of a VC-JWT (`jwt_vc_json`, VCDM 2.0 / OB 3.0 shape) with `jose`.
//
//   node verify_jwt_vc.mjs --credential <jwt|@file> [--issuer-jwk '<json>'|@file] [--issuer-jwks '<json>']
//        [--holder-jwk '<json>'] [--now <unix seconds>]
//
// Without --issuer-jwk(s) the key is resolved offline from the header `kid` (did:jwk / did:key DID URL,
// or a bare fragment relative to a DID `iss`). Prints {ok, valid, header, payload, checks, key_source}.
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose'
import { cli, jsonArg, inlineOrFile, jwkThumbprint, packageVersion, resolveDidKeyMaterial, run, sameKey } from './lib/common.mjs'

const args = cli({
  credential: { type: 'string' },
  'issuer-jwk': { type: 'string' },
  'issuer-jwks': { type: 'string' },
  'holder-jwk': { type: 'string' },
  now: { type: 'string' },
})

const ALGS = ['ES256', 'ES384', 'ES256K', 'EdDSA', 'Ed25519', 'RS256', 'PS256']

function subjectIds(payload) {
  const vc = payload.vc ?? payload // VCDM 1.1 JWT wraps the credential in `vc`; VCDM 2.0 (OB 3.0) does not.
  const subjects = Array.isArray(vc.credentialSubject) ? vc.credentialSubject : [vc.credentialSubject ?? {}]
  return subjects.map((s) => s?.id).filter(Boolean)
}

async function main() {
  const jwt = inlineOrFile(args.credential)
  if (!jwt) throw new Error('--credential is required')
  const header = decodeProtectedHeader(jwt)
  const checks = {}

  let jwk
  let keySource
  const issuerJwk = jsonArg(args['issuer-jwk'], 'issuer-jwk')
  const issuerJwks = jsonArg(args['issuer-jwks'], 'issuer-jwks')
  const unverifiedPayload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'))
  if (issuerJwk) {
    jwk = issuerJwk
    keySource = 'issuer-jwk'
  } else if (issuerJwks) {
    jwk = issuerJwks.keys.find((k) => header.kid === undefined || k.kid === header.kid)
    if (!jwk) throw new Error(`no key with kid ${header.kid} in --issuer-jwks`)
    keySource = 'issuer-jwks'
  } else {
    if (!header.kid) throw new Error('no --issuer-jwk given and the header has no kid')
    let kid = header.kid
    if (kid.startsWith('#') && typeof unverifiedPayload.iss === 'string') kid = `${unverifiedPayload.iss}${kid}`
    const material = resolveDidKeyMaterial(kid)
    if (!material) throw new Error(`cannot resolve kid ${header.kid} offline (only did:jwk / did:key)`)
    jwk = material.jwk
    keySource = `kid:${kid.split(':').slice(0, 2).join(':')}`
    // The key's DID must be the issuer.
    checks.kid_did_is_iss = material.did === unverifiedPayload.iss
  }

  const key = await importJWK(jwk, header.alg)
  const { payload: bytes } = await compactVerify(jwt, key, { algorithms: ALGS })
  const payload = JSON.parse(new TextDecoder().decode(bytes))

  const now = args.now ? Number(args.now) : Math.floor(Date.now() / 1000)
  if (payload.exp !== undefined) checks.not_expired = now < payload.exp
  if (payload.nbf !== undefined) checks.not_before_ok = now >= payload.nbf
  const vc = payload.vc ?? payload
  const vcIssuer = typeof vc.issuer === 'string' ? vc.issuer : vc.issuer?.id
  if (payload.iss !== undefined && vcIssuer !== undefined) checks.vc_issuer_is_iss = vcIssuer === payload.iss
  if (payload.sub !== undefined) checks.sub_is_subject_id = subjectIds(payload).includes(payload.sub)
  if (payload.jti !== undefined && vc.id !== undefined) checks.jti_is_id = payload.jti === vc.id

  let holderBinding = null
  const holderJwk = jsonArg(args['holder-jwk'], 'holder-jwk')
  if (holderJwk) {
    const ids = subjectIds(payload)
    const bound = ids.map((id) => {
      const material = id.startsWith('did:') ? resolveDidKeyMaterial(id) : null
      return { id, resolvable: material !== null, matches: material !== null && sameKey(material.jwk, holderJwk) }
    })
    const cnfJwk = payload.cnf?.jwk
    holderBinding = {
      subject_ids: bound,
      cnf_matches: cnfJwk ? sameKey(cnfJwk, holderJwk) : null,
      matches: bound.some((b) => b.matches) || (cnfJwk ? sameKey(cnfJwk, holderJwk) : false),
    }
  }

  return {
    library: 'jose',
    versions: { jose: packageVersion('jose') },
    valid: true,
    header,
    payload,
    key_source: keySource,
    issuer_jwk_thumbprint: jwkThumbprint(jwk),
    checks,
    holder_binding: holderBinding,
  }
}

await run(main)
